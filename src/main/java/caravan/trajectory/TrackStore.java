package caravan.trajectory;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

import caravan.trajectory.Track.Vector3;

/** The trajectory_points table: batched inserts, time-range pages for replay, retention. */
@Repository
public class TrackStore {

    public static final int MAX_PAGE = 5000;

    public record Page(List<Track> tracks, int limit, int offset, Integer nextOffset) {
    }

    private final JdbcTemplate jdbcTemplate;
    private final JdbcClient jdbc;
    private final TrajectoryProperties properties;

    public TrackStore(JdbcTemplate jdbcTemplate, JdbcClient jdbc, TrajectoryProperties properties) {
        this.jdbcTemplate = jdbcTemplate;
        this.jdbc = jdbc;
        this.properties = properties;
    }

    /**
     * One transaction per batch: committing each row cost more than inserting it. A track already stored (a message
     * stored, then sent again because the hub stopped before acknowledging it) is skipped.
     */
    @Transactional
    public void insert(List<Track> tracks) {
        if (tracks.isEmpty()) {
            return;
        }
        jdbcTemplate.batchUpdate("""
                INSERT INTO trajectory_points (venue_id, edge_id, track_id, device_id, ts, x, y, z, vx, vy, vz,
                    object_type, confidence)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING""", tracks, tracks.size(), (ps, track) -> {
            ps.setString(1, track.venueId());
            ps.setString(2, track.edgeId());
            ps.setString(3, track.id());
            ps.setString(4, track.deviceId());
            ps.setLong(5, track.timestamp());
            ps.setDouble(6, track.position().x());
            ps.setDouble(7, track.position().y());
            ps.setDouble(8, track.position().z());
            ps.setDouble(9, track.velocity().x());
            ps.setDouble(10, track.velocity().y());
            ps.setDouble(11, track.velocity().z());
            ps.setString(12, track.objectType());
            ps.setDouble(13, track.confidence());
        });
    }

    /** Tracks of a venue with {@code from <= timestamp < to}, oldest first; {@code edgeId} narrows to one edge. */
    public Page page(String venueId, long from, long to, String edgeId, int limit, int offset) {
        int pageSize = Math.max(1, Math.min(limit, MAX_PAGE));
        List<Track> tracks = jdbc.sql("""
                SELECT * FROM trajectory_points
                WHERE venue_id = :venue AND ts >= :from AND ts < :to AND (:edge = '' OR edge_id = :edge)
                ORDER BY ts, edge_id, track_id
                LIMIT :limit OFFSET :offset""")
                .param("venue", venueId).param("from", from).param("to", to)
                .param("edge", edgeId == null ? "" : edgeId)
                .param("limit", pageSize + 1).param("offset", Math.max(0, offset))
                .query(TrackStore::map).list();
        boolean more = tracks.size() > pageSize;
        return new Page(more ? tracks.subList(0, pageSize) : tracks, pageSize, offset, more ? offset + pageSize : null);
    }

    /**
     * Deletes tracks older than the retention, venue by venue so that the venue/time index finds them (the table
     * has no index on time alone: every insert would pay for it); returns how many.
     */
    public int deleteExpired() {
        long cutoff = System.currentTimeMillis() - properties.retention().toMillis();
        int deleted = 0;
        for (String venueId : jdbc.sql("SELECT DISTINCT venue_id FROM trajectory_points").query(String.class).list()) {
            deleted += jdbc.sql("DELETE FROM trajectory_points WHERE venue_id = :venue AND ts < :cutoff")
                    .param("venue", venueId).param("cutoff", cutoff).update();
        }
        return deleted;
    }

    private static Track map(ResultSet rs, int row) throws SQLException {
        return new Track(rs.getString("track_id"), rs.getString("device_id"), rs.getString("venue_id"), rs.getLong("ts"),
                new Vector3(rs.getDouble("x"), rs.getDouble("y"), rs.getDouble("z")),
                new Vector3(rs.getDouble("vx"), rs.getDouble("vy"), rs.getDouble("vz")),
                rs.getString("object_type"), rs.getDouble("confidence"), rs.getString("edge_id"));
    }
}
