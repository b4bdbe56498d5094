package caravan.device;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Repository;

import caravan.store.JsonColumns;

/**
 * Commands for streaming devices, stored before they are sent: {@code queued → sent → acknowledged → done | failed},
 * or {@code expired} when their time passes before the device takes them. {@code seq} orders a device's commands and
 * is the id of their SSE events.
 */
@Repository
public class DeviceCommands {

    public static final String CAPTURE = "capture";

    public record DeviceCommand(long seq, String commandId, String deviceId, String type, String triggerId,
            JsonNode params, String source, String requestedBy, String status, String detail,
            OffsetDateTime createdAt, OffsetDateTime expiresAt, OffsetDateTime sentAt, OffsetDateTime acknowledgedAt,
            OffsetDateTime finishedAt) {

        /** What the device receives, as the reference's clients read it. */
        public Map<String, Object> event() {
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("command_id", commandId);
            event.put("type", type);
            event.put("trigger_id", triggerId);
            event.put("params", params);
            event.put("created_at", createdAt.toInstant().toString());
            event.put("expires_at", expiresAt.toInstant().toString());
            return event;
        }
    }

    private final JdbcClient jdbc;
    private final JsonColumns json;

    public DeviceCommands(JdbcClient jdbc, JsonColumns json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /** Stores a new command, queued; a capture gets its trigger id here. */
    public DeviceCommand create(String deviceId, String type, JsonNode params, String source, String requestedBy,
            OffsetDateTime expiresAt) {
        String commandId = UUID.randomUUID().toString();
        String triggerId = CAPTURE.equals(type) ? UUID.randomUUID().toString() : null;
        OffsetDateTime createdAt = now();
        KeyHolder seq = new GeneratedKeyHolder();
        jdbc.sql("INSERT INTO device_commands (command_id, edge_id, command_type, trigger_id, params, source, "
                        + "requested_by, status, created_at, expires_at) VALUES (:command, :edge, :type, :trigger, "
                        + ":params, :source, :actor, 'queued', :now, :expires)")
                .param("command", commandId).param("edge", deviceId).param("type", type).param("trigger", triggerId)
                .param("params", json.write(params)).param("source", source).param("actor", requestedBy)
                .param("now", createdAt).param("expires", expiresAt).update(seq, "seq");
        return new DeviceCommand(seq.getKeyAs(Long.class), commandId, deviceId, type, triggerId, params, source,
                requestedBy, "queued", null, createdAt, expiresAt, null, null, null);
    }

    public Optional<DeviceCommand> command(String commandId) {
        return jdbc.sql("SELECT * FROM device_commands WHERE command_id = :id").param("id", commandId)
                .query(this::map).optional();
    }

    public Optional<DeviceCommand> byTrigger(String triggerId) {
        return jdbc.sql("SELECT * FROM device_commands WHERE trigger_id = :id").param("id", triggerId)
                .query(this::map).optional();
    }

    /** A device's commands not yet acknowledged nor expired, after the event id it last received, in order. */
    public List<DeviceCommand> pendingAfter(String deviceId, long afterSeq) {
        return jdbc.sql("SELECT * FROM device_commands WHERE edge_id = :edge AND seq > :after "
                        + "AND status IN ('queued', 'sent') AND expires_at > :now ORDER BY seq")
                .param("edge", deviceId).param("after", afterSeq).param("now", now()).query(this::map).list();
    }

    /** Devices that have commands never sent, not expired. */
    public List<String> devicesWithQueued() {
        return jdbc.sql("SELECT DISTINCT edge_id FROM device_commands WHERE status = 'queued' AND expires_at > :now")
                .param("now", now()).query(String.class).list();
    }

    /** Written to the device's stream; a command sent again (after a reconnect) keeps its first time. */
    public void markSent(long seq) {
        jdbc.sql("UPDATE device_commands SET status = 'sent', sent_at = :now WHERE seq = :seq AND status = 'queued'")
                .param("seq", seq).param("now", now()).update();
    }

    /**
     * The device's acknowledgement: {@code received} moves a command to acknowledged, {@code done} or {@code failed}
     * ends it. Returns the command as it is now; empty when it changed nothing (a repeat, or a command already over).
     */
    public Optional<DeviceCommand> acknowledge(String commandId, String status, String detail) {
        OffsetDateTime now = now();
        int updated = "received".equals(status)
                ? jdbc.sql("UPDATE device_commands SET status = 'acknowledged', acknowledged_at = :now, detail = :detail "
                                + "WHERE command_id = :id AND status IN ('queued', 'sent')")
                        .param("id", commandId).param("now", now).param("detail", detail).update()
                : jdbc.sql("UPDATE device_commands SET status = :status, detail = :detail, finished_at = :now, "
                                + "acknowledged_at = COALESCE(acknowledged_at, :now) "
                                + "WHERE command_id = :id AND status IN ('queued', 'sent', 'acknowledged')")
                        .param("id", commandId).param("status", status).param("now", now).param("detail", detail)
                        .update();
        return updated == 0 ? Optional.empty() : command(commandId);
    }

    /** Commands whose time passed before the device acknowledged them; returns how many. */
    public int expireOverdue() {
        OffsetDateTime now = now();
        return jdbc.sql("UPDATE device_commands SET status = 'expired', finished_at = :now "
                        + "WHERE status IN ('queued', 'sent') AND expires_at <= :now")
                .param("now", now).update();
    }

    /** How many commands are in each status, for the metrics. */
    public Map<String, Long> countsByStatus() {
        Map<String, Long> counts = new TreeMap<>();
        jdbc.sql("SELECT status, COUNT(*) AS n FROM device_commands GROUP BY status")
                .query((rs, row) -> counts.put(rs.getString("status"), rs.getLong("n"))).list();
        return counts;
    }

    /** A device's most recent capture commands (its trigger history), newest first. */
    public List<DeviceCommand> recentTriggers(String deviceId, int limit) {
        return jdbc.sql("SELECT * FROM device_commands WHERE edge_id = :edge AND trigger_id IS NOT NULL "
                        + "ORDER BY seq DESC LIMIT :limit")
                .param("edge", deviceId).param("limit", limit).query(this::map).list();
    }

    public long triggersSince(String deviceId, OffsetDateTime since) {
        return jdbc.sql("SELECT COUNT(*) FROM device_commands WHERE edge_id = :edge AND trigger_id IS NOT NULL "
                        + "AND created_at >= :since")
                .param("edge", deviceId).param("since", since).query(Long.class).single();
    }

    /** In microseconds, as the database keeps times: a command built here equals the one read back. */
    static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    private DeviceCommand map(ResultSet rs, int row) throws SQLException {
        try {
            return new DeviceCommand(rs.getLong("seq"), rs.getString("command_id"), rs.getString("edge_id"),
                    rs.getString("command_type"), rs.getString("trigger_id"), json.tree(rs.getString("params")),
                    rs.getString("source"), rs.getString("requested_by"), rs.getString("status"),
                    rs.getString("detail"), rs.getObject("created_at", OffsetDateTime.class),
                    rs.getObject("expires_at", OffsetDateTime.class), rs.getObject("sent_at", OffsetDateTime.class),
                    rs.getObject("acknowledged_at", OffsetDateTime.class),
                    rs.getObject("finished_at", OffsetDateTime.class));
        } catch (JsonProcessingException e) {
            throw new SQLException("command " + rs.getString("command_id") + " has unreadable params", e);
        }
    }
}
