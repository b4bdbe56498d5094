package caravan.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import caravan.testing.HubProcess;
import caravan.testing.ServiceProcess;
import caravan.testing.Services;
import caravan.testing.TrackStream;

/**
 * The hub's jar, run as its users run it (from a directory of its own), killed with SIGKILL while an edge publishes
 * QoS 1 tracks at 5,000 a second, then started again: with a kept session, every track the broker acknowledged to
 * the edge is stored, exactly once. The hub acknowledges a message only once its tracks are committed, so the broker
 * sends again what the killed hub had not stored; stored tracks are keyed, so what it had stored but not yet
 * acknowledged is not stored twice.
 */
class HubKilledIT {

    static final String RUN = "it-" + UUID.randomUUID().toString().substring(0, 8);
    static final String VENUE = "venue-" + RUN;
    static final int PER_SECOND = 5_000;
    static final int TRACKS = 40_000;

    @Test
    void aHubKilledDuringAQos1StreamStoresEveryTrackExactlyOnce_onceItIsStartedAgain() throws Exception {
        Path data = Services.tempDir("caravan-hub-killed");
        int port = HubProcess.freePort();
        Map<String, String> env = Map.of(
                "CARAVAN_MQTT_BROKER_URL", Services.mqttUrl(),
                "CARAVAN_DB_URL", Services.jdbcUrl(),
                "CARAVAN_DB_USERNAME", Services.jdbcUser(),
                "CARAVAN_DB_PASSWORD", Services.jdbcPassword(),
                "CARAVAN_TRAJECTORY_TOPIC", RUN + "/trajectories/#",
                "CARAVAN_TRAJECTORY_CLIENT_ID", RUN + "-hub",
                "CARAVAN_TRAJECTORY_SESSION_EXPIRY", "10m",
                // Storage batches of three seconds' tracks: a hub that acknowledged before storing would lose thousands.
                "CARAVAN_TRAJECTORY_STORAGE_BATCH_TIMEOUT", "3s",
                "CARAVAN_TRAJECTORIES_STORAGE_BATCH_SIZE", "100000",
                "CARAVAN_TRAJECTORIES_RECEIVE_MAXIMUM", "30000");
        ServiceProcess hub = HubProcess.start(data, port, env);
        try (TrackStream edge = TrackStream.start(Services.mqttUrl(), RUN + "/trajectories/edge-1", VENUE,
                PER_SECOND, TRACKS)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> edge.acknowledged() >= TRACKS / 2);
            hub.kill();
            int storedWhenKilled = stored();
            assertThat(edge.publishing()).as("the hub was killed in the middle of the stream").isTrue();

            hub = HubProcess.start(data, port, env);
            int published = edge.awaitPublished();
            assertThat(published).isEqualTo(TRACKS);
            await().atMost(Duration.ofMinutes(2)).untilAsserted(() ->
                    assertThat(stored()).as("stored, of which %d when the hub was killed", storedWhenKilled)
                            .isEqualTo(published));
            assertThat(distinctTracks()).isEqualTo(published);
        } finally {
            hub.close();
        }
    }

    private static int stored() throws SQLException {
        return count("SELECT count(*) FROM trajectory_points WHERE venue_id = ?");
    }

    private static int distinctTracks() throws SQLException {
        return count("SELECT count(DISTINCT track_id) FROM trajectory_points WHERE venue_id = ?");
    }

    private static int count(String sql) throws SQLException {
        try (Connection db = DriverManager.getConnection(Services.jdbcUrl(), Services.jdbcUser(), Services.jdbcPassword());
             PreparedStatement query = db.prepareStatement(sql)) {
            query.setString(1, VENUE);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }
}
