package caravan.edge;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * What runs on each edge: its newest deployment that is running or healthy (after an automatic rollback, the
 * restored one), with the provider's trajectory format. Trajectory intake and the edge-silence rule read it.
 */
@Repository
public class RunningDeployments {

    /** @param since when the deployment last changed status (it has been running at least since then) */
    public record Running(String edgeId, String deploymentId, String venueId, String providerId,
            String trajectoryFormat, OffsetDateTime since) {
    }

    private static final String NEWEST_RUNNING = """
            SELECT d.edge_id, d.deployment_id, d.venue_id, d.provider_id, p.trajectory_format, d.updated_at
            FROM deployments d LEFT JOIN providers p ON p.provider_id = d.provider_id
            WHERE d.status IN ('running', 'healthy') AND NOT EXISTS (
                SELECT 1 FROM deployments n
                WHERE n.edge_id = d.edge_id AND n.status IN ('running', 'healthy') AND n.created_at > d.created_at)""";

    private final JdbcClient jdbc;

    public RunningDeployments(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Running> of(String edgeId) {
        return jdbc.sql(NEWEST_RUNNING + " AND d.edge_id = :edge").param("edge", edgeId).query(this::map).optional();
    }

    public List<Running> all() {
        return jdbc.sql(NEWEST_RUNNING).query(this::map).list();
    }

    private Running map(ResultSet rs, int row) throws SQLException {
        return new Running(rs.getString("edge_id"), rs.getString("deployment_id"), rs.getString("venue_id"),
                rs.getString("provider_id"), rs.getString("trajectory_format"),
                rs.getObject("updated_at", OffsetDateTime.class));
    }
}
