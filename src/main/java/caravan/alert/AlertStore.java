package caravan.alert;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import caravan.api.NotFoundException;

/** The alerts table: every alert fired, newest first, and operators' acknowledgements. */
@Repository
public class AlertStore {

    private final JdbcClient jdbc;

    public AlertStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(Alert alert) {
        jdbc.sql("""
                INSERT INTO alerts (alert_id, rule_id, type, severity, venue_id, edge_id, workload_id, track_id, object_type,
                    message, x, z, fired_at)
                VALUES (:id, :rule, :type, :severity, :venue, :edge, :workload, :track, :objectType, :message, :x, :z,
                    :at)""")
                .param("id", alert.alertId()).param("rule", alert.ruleId()).param("type", alert.type())
                .param("severity", alert.severity()).param("venue", alert.venueId()).param("edge", alert.edgeId())
                .param("workload", alert.workloadId())
                .param("track", alert.trackId()).param("objectType", alert.objectType())
                .param("message", alert.message()).param("x", alert.x()).param("z", alert.z())
                .param("at", alert.at().atOffset(ZoneOffset.UTC))
                .update();
    }

    /** Newest first; {@code venueId} empty for all venues. */
    public List<Alert> list(String venueId, boolean unacknowledgedOnly, int limit) {
        return jdbc.sql("""
                SELECT * FROM alerts
                WHERE (:venue = '' OR venue_id = :venue) AND (:all OR acknowledged_at IS NULL)
                ORDER BY fired_at DESC LIMIT :limit""")
                .param("venue", venueId == null ? "" : venueId).param("all", !unacknowledgedOnly)
                .param("limit", Math.max(1, Math.min(limit, 1000)))
                .query(AlertStore::map).list();
    }

    public Alert acknowledge(String alertId) {
        jdbc.sql("UPDATE alerts SET acknowledged_at = :now WHERE alert_id = :id AND acknowledged_at IS NULL")
                .param("now", OffsetDateTime.now(ZoneOffset.UTC)).param("id", alertId).update();
        List<Alert> found = jdbc.sql("SELECT * FROM alerts WHERE alert_id = :id").param("id", alertId)
                .query(AlertStore::map).list();
        if (found.isEmpty()) {
            throw new NotFoundException("no alert " + alertId);
        }
        return found.get(0);
    }

    private static Alert map(ResultSet rs, int row) throws SQLException {
        OffsetDateTime acknowledged = rs.getObject("acknowledged_at", OffsetDateTime.class);
        return new Alert(rs.getString("alert_id"), rs.getString("rule_id"), rs.getString("type"),
                rs.getString("severity"), rs.getString("venue_id"), rs.getString("edge_id"), rs.getString("workload_id"),
                rs.getString("track_id"),
                rs.getString("object_type"), rs.getString("message"), rs.getObject("x", Double.class), rs.getObject("z", Double.class),
                rs.getObject("fired_at", OffsetDateTime.class).toInstant(),
                acknowledged == null ? null : acknowledged.toInstant());
    }
}
