package caravan.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import caravan.testing.HubProcess;
import caravan.testing.ServiceProcess;
import caravan.testing.Services;
import caravan.testing.StoredTracks;
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
        Map<String, String> env = HubProcess.trajectoryEnvironment(RUN, Services.jdbcUrl(), Services.jdbcUser(),
                Services.jdbcPassword());
        // Storage batches of three seconds' tracks: a hub that acknowledged before storing would lose thousands.
        env.put("CARAVAN_TRAJECTORY_STORAGE_BATCH_TIMEOUT", "3s");
        env.put("CARAVAN_TRAJECTORIES_STORAGE_BATCH_SIZE", "100000");
        env.put("CARAVAN_TRAJECTORIES_RECEIVE_MAXIMUM", "30000");
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
        return StoredTracks.count(Services.jdbcUrl(), Services.jdbcUser(), Services.jdbcPassword(), VENUE);
    }

    private static int distinctTracks() throws SQLException {
        return StoredTracks.distinct(Services.jdbcUrl(), Services.jdbcUser(), Services.jdbcPassword(), VENUE);
    }
}
