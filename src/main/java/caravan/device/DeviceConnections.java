package caravan.device;

import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * Which hub holds each device's stream, in the database that all hubs share: the device is online while a stream
 * is held, and its last-seen time moves with every keepalive.
 */
@Repository
public class DeviceConnections {

    public record Connection(String deviceId, String streamId, String hubId, OffsetDateTime connectedAt,
            OffsetDateTime seenAt) {
    }

    private final JdbcClient jdbc;

    public DeviceConnections(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The device's stream is now this one, on this hub; whichever it had before is replaced. Statement by statement,
     * not one transaction: a PostgreSQL transaction is over after the insert that lost a race, and the update after it
     * must still run.
     */
    public void opened(String deviceId, String streamId, String hubId) {
        OffsetDateTime now = DeviceCommands.now();
        int updated = jdbc.sql("UPDATE device_streams SET stream_id = :stream, hub_id = :hub, connected_at = :now, "
                        + "seen_at = :now WHERE edge_id = :edge")
                .param("edge", deviceId).param("stream", streamId).param("hub", hubId).param("now", now).update();
        if (updated == 0) {
            try {
                jdbc.sql("INSERT INTO device_streams (edge_id, stream_id, hub_id, connected_at, seen_at) "
                                + "VALUES (:edge, :stream, :hub, :now, :now)")
                        .param("edge", deviceId).param("stream", streamId).param("hub", hubId).param("now", now)
                        .update();
            } catch (DuplicateKeyException raced) {
                // the same device connected to another hub at the same moment: the later one holds it
                opened(deviceId, streamId, hubId);
                return;
            }
        }
        jdbc.sql("UPDATE edges SET status = 'online', last_seen = :now, updated_at = :now WHERE edge_id = :edge")
                .param("edge", deviceId).param("now", now).update();
    }

    /** The stream ended; the device is offline unless a newer stream has replaced this one meanwhile. */
    @Transactional
    public void closed(String deviceId, String streamId) {
        OffsetDateTime now = DeviceCommands.now();
        if (jdbc.sql("DELETE FROM device_streams WHERE edge_id = :edge AND stream_id = :stream")
                .param("edge", deviceId).param("stream", streamId).update() > 0) {
            jdbc.sql("UPDATE edges SET status = 'offline', last_seen = :now, updated_at = :now WHERE edge_id = :edge")
                    .param("edge", deviceId).param("now", now).update();
        }
    }

    /** The streams this hub holds are alive: their devices were seen now. */
    public void refreshed(Collection<String> deviceIds, String hubId) {
        if (deviceIds.isEmpty()) {
            return;
        }
        OffsetDateTime now = DeviceCommands.now();
        jdbc.sql("UPDATE device_streams SET seen_at = :now WHERE hub_id = :hub AND edge_id IN (:edges)")
                .param("now", now).param("hub", hubId).param("edges", deviceIds).update();
        jdbc.sql("UPDATE edges SET last_seen = :now WHERE edge_id IN (:edges)")
                .param("now", now).param("edges", deviceIds).update();
    }

    /** Streams a hub stopped refreshing (it was killed): their devices are offline. Returns how many. */
    @Transactional
    public int dropStale(OffsetDateTime cutoff) {
        List<String> stale = jdbc.sql("SELECT edge_id FROM device_streams WHERE seen_at < :cutoff")
                .param("cutoff", cutoff).query(String.class).list();
        if (stale.isEmpty()) {
            return 0;
        }
        jdbc.sql("DELETE FROM device_streams WHERE seen_at < :cutoff").param("cutoff", cutoff).update();
        jdbc.sql("UPDATE edges SET status = 'offline', updated_at = :now WHERE edge_id IN (:edges)")
                .param("now", DeviceCommands.now()).param("edges", stale).update();
        return stale.size();
    }

    public Optional<Connection> connection(String deviceId) {
        return jdbc.sql("SELECT * FROM device_streams WHERE edge_id = :edge").param("edge", deviceId)
                .query((rs, row) -> new Connection(rs.getString("edge_id"), rs.getString("stream_id"),
                        rs.getString("hub_id"), rs.getObject("connected_at", OffsetDateTime.class),
                        rs.getObject("seen_at", OffsetDateTime.class)))
                .optional();
    }

    public long connectedCount() {
        return jdbc.sql("SELECT COUNT(*) FROM device_streams").query(Long.class).single();
    }
}
