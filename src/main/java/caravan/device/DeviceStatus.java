package caravan.device;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import caravan.api.NotFoundException;

/**
 * What the dashboard shows of each streaming device: connected or not and since when, last seen, its last capture,
 * captures and triggers over the last day with the success rate (captured triggers per trigger) and latency, and its
 * recent triggers with their outcome.
 */
@Component
public class DeviceStatus {

    static final Duration WINDOW = Duration.ofHours(24);

    public record Status(String deviceId, String name, boolean connected, OffsetDateTime connectedSince,
            String streamHub, OffsetDateTime lastSeen, String lastCaptureId, OffsetDateTime lastCaptureAt,
            long captures24h, long triggers24h, long capturedTriggers24h, Double successRate,
            Long averageLatencyMs24h, List<TriggerOutcome> recentTriggers) {
    }

    /** One trigger: its command's way and, when it came, its capture. */
    public record TriggerOutcome(String triggerId, String commandId, String source, String requestedBy,
            OffsetDateTime createdAt, String commandStatus, OffsetDateTime sentAt, OffsetDateTime acknowledgedAt,
            OffsetDateTime finishedAt, String detail, String captureId, Long latencyMs, String outcome) {
    }

    private static final String STATUS_SQL = """
            SELECT e.edge_id, e.name, e.last_seen, s.hub_id, s.connected_at,
              (SELECT COUNT(*) FROM captures c WHERE c.edge_id = e.edge_id AND c.received_at >= :since) AS captures,
              (SELECT COUNT(*) FROM device_commands d WHERE d.edge_id = e.edge_id AND d.trigger_id IS NOT NULL
                 AND d.created_at >= :since) AS triggers,
              (SELECT COUNT(DISTINCT c.trigger_id) FROM captures c JOIN device_commands d ON d.trigger_id = c.trigger_id
                 WHERE d.edge_id = e.edge_id AND c.edge_id = e.edge_id AND d.created_at >= :since) AS captured,
              (SELECT AVG(c.latency_ms) FROM captures c WHERE c.edge_id = e.edge_id AND c.received_at >= :since)
                 AS latency,
              (SELECT c.capture_id FROM captures c WHERE c.edge_id = e.edge_id ORDER BY c.received_at DESC LIMIT 1)
                 AS last_capture_id,
              (SELECT MAX(c.received_at) FROM captures c WHERE c.edge_id = e.edge_id) AS last_capture_at
            FROM edges e LEFT JOIN device_streams s ON s.edge_id = e.edge_id
            WHERE e.transport = 'sse'""";

    private final JdbcClient jdbc;
    private final DeviceProperties properties;

    public DeviceStatus(JdbcClient jdbc, DeviceProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    public Status status(String deviceId) {
        return jdbc.sql(STATUS_SQL + " AND e.edge_id = :edge").param("edge", deviceId)
                .param("since", since()).query((rs, row) -> map(rs, history(deviceId))).optional()
                .orElseThrow(() -> new NotFoundException("no streaming device " + deviceId));
    }

    /** Every streaming device, without their trigger histories. */
    public List<Status> statuses() {
        return jdbc.sql(STATUS_SQL + " ORDER BY e.edge_id").param("since", since())
                .query((rs, row) -> map(rs, null)).list();
    }

    private List<TriggerOutcome> history(String deviceId) {
        return jdbc.sql("""
                        SELECT d.*, c.capture_id, c.latency_ms FROM device_commands d
                        LEFT JOIN captures c ON c.trigger_id = d.trigger_id AND c.edge_id = d.edge_id
                        WHERE d.edge_id = :edge AND d.trigger_id IS NOT NULL ORDER BY d.seq DESC LIMIT :limit""")
                .param("edge", deviceId).param("limit", properties.historySize())
                .query((rs, row) -> {
                    String captureId = rs.getString("capture_id");
                    String status = rs.getString("status");
                    return new TriggerOutcome(rs.getString("trigger_id"), rs.getString("command_id"),
                            rs.getString("source"), rs.getString("requested_by"),
                            rs.getObject("created_at", OffsetDateTime.class), status,
                            rs.getObject("sent_at", OffsetDateTime.class),
                            rs.getObject("acknowledged_at", OffsetDateTime.class),
                            rs.getObject("finished_at", OffsetDateTime.class), rs.getString("detail"), captureId,
                            rs.getObject("latency_ms", Long.class), captureId != null ? "captured" : status);
                }).list();
    }

    private static OffsetDateTime since() {
        return DeviceCommands.now().minus(WINDOW);
    }

    private static Status map(ResultSet rs, List<TriggerOutcome> history) throws SQLException {
        long triggers = rs.getLong("triggers");
        long captured = rs.getLong("captured");
        Number latency = (Number) rs.getObject("latency");
        String hub = rs.getString("hub_id");
        return new Status(rs.getString("edge_id"), rs.getString("name"), hub != null,
                rs.getObject("connected_at", OffsetDateTime.class), hub,
                rs.getObject("last_seen", OffsetDateTime.class), rs.getString("last_capture_id"),
                rs.getObject("last_capture_at", OffsetDateTime.class), rs.getLong("captures"), triggers, captured,
                triggers == 0 ? null : (double) captured / triggers, latency == null ? null : latency.longValue(),
                history);
    }
}
