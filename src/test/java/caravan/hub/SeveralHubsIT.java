package caravan.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import caravan.testing.FrameCollector;
import caravan.testing.HubProcess;
import caravan.testing.ServiceProcess;
import caravan.testing.Services;
import caravan.testing.StoredTracks;
import caravan.testing.TrackStream;

/**
 * Two hubs (the jar, as its users run it) on one PostgreSQL and one broker, taking an edge's trajectories through one
 * MQTT 5 shared subscription as the Kubernetes manifests run them: each takes a share, every track is stored exactly
 * once, and both hubs' live feeds show every track (the hubs send one another what they accept); one hub SIGKILLed in
 * the middle of a QoS 1 stream and started again, then the other restarted (each taking up its broker session, as a
 * container restarted in its pod does), lose none of what the broker acknowledged to the edge.
 */
class SeveralHubsIT {

    static final String RUN = "hubs-" + UUID.randomUUID().toString().substring(0, 8);
    static final String VENUE = "venue-" + RUN;
    static final int TRACKS = 2_000;
    static final int STREAMED_PER_SECOND = 2_000;
    static final int STREAMED = 120_000;

    @Test
    void aSharedIntakeStoresEveryTrackOnce_andEveryHubsLiveFeedShowsThemAll() throws Exception {
        Map<String, String> env = sharedIntake(RUN);
        env.put("CARAVAN_LIVE_SHARE_WITH_HUBS", "true");
        env.put("CARAVAN_LIVE_HUBS_TOPIC", RUN + "/hubs/live-tracks");
        int firstPort = HubProcess.freePort();
        int secondPort = HubProcess.freePort();
        try (ServiceProcess first = HubProcess.start(Services.tempDir("caravan-hub-a"), firstPort, env);
                ServiceProcess second = HubProcess.start(Services.tempDir("caravan-hub-b"), secondPort, env)) {
            FrameCollector firstFeed = FrameCollector.connect(firstPort, "/tracking?venueId=" + VENUE);
            FrameCollector secondFeed = FrameCollector.connect(secondPort, "/tracking?venueId=" + VENUE);
            try (TrackStream edge = TrackStream.start(Services.mqttUrl(), RUN + "/trajectories/edge-1", VENUE, 500,
                    TRACKS)) {
                assertThat(edge.awaitPublished()).isEqualTo(TRACKS);
            }
            await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(stored()).isEqualTo(TRACKS));
            assertThat(StoredTracks.distinct(Services.jdbcUrl(), Services.jdbcUser(), Services.jdbcPassword(), VENUE))
                    .isEqualTo(TRACKS);
            // the broker split the edge's messages between the hubs
            double takenByFirst = messagesTaken(firstPort);
            double takenBySecond = messagesTaken(secondPort);
            assertThat(takenByFirst).isPositive();
            assertThat(takenBySecond).isPositive();
            assertThat(takenByFirst + takenBySecond).isEqualTo(TRACKS);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(new HashSet<>(firstFeed.trackIds())).as("the first hub's feed").hasSize(TRACKS);
                assertThat(new HashSet<>(secondFeed.trackIds())).as("the second hub's feed").hasSize(TRACKS);
            });
            firstFeed.close();
            secondFeed.close();
        }
    }

    @Test
    void aHubKilledMidStream_andARollingRestart_loseNoAcknowledgedTrack() throws Exception {
        String run = RUN + "-kill";
        String venue = "venue-" + run;
        Map<String, String> env = sharedIntake(run);
        env.put("CARAVAN_TRAJECTORY_SESSION_EXPIRY", "10m");
        // batches of three seconds' tracks: a hub that acknowledged before storing would lose thousands
        env.put("CARAVAN_TRAJECTORY_STORAGE_BATCH_TIMEOUT", "3s");
        // each its own broker session, as each pod's
        Map<String, String> firstEnv = new HashMap<>(env);
        firstEnv.put("CARAVAN_TRAJECTORY_CLIENT_ID", run + "-a");
        Map<String, String> secondEnv = new HashMap<>(env);
        secondEnv.put("CARAVAN_TRAJECTORY_CLIENT_ID", run + "-b");
        Path firstData = Services.tempDir("caravan-hub-a");
        Path secondData = Services.tempDir("caravan-hub-b");
        int firstPort = HubProcess.freePort();
        int secondPort = HubProcess.freePort();
        ServiceProcess first = HubProcess.start(firstData, firstPort, firstEnv);
        ServiceProcess second = HubProcess.start(secondData, secondPort, secondEnv);
        try (TrackStream edge = TrackStream.start(Services.mqttUrl(), run + "/trajectories/edge-1", venue,
                STREAMED_PER_SECOND, STREAMED)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> edge.acknowledged() >= STREAMED / 20);
            first.kill();
            // its container restarted, as Kubernetes would: the same session, taken up again
            first = HubProcess.start(firstData, firstPort, firstEnv);
            // the other restarted in turn, as a rolling restart does: it takes up its session too
            assertThat(edge.publishing()).as("the stream goes on while the second hub restarts").isTrue();
            second.close();
            second = HubProcess.start(secondData, secondPort, secondEnv);
            assertThat(edge.awaitPublished()).isEqualTo(STREAMED);
            await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(stored(venue)).isEqualTo(STREAMED));
            assertThat(StoredTracks.distinct(Services.jdbcUrl(), Services.jdbcUser(), Services.jdbcPassword(), venue))
                    .isEqualTo(STREAMED);
        } finally {
            first.close();
            second.close();
        }
    }

    /** What hubs taking the run's trajectories together need: the suite's broker and database, one shared group. */
    private static Map<String, String> sharedIntake(String run) {
        return new HashMap<>(Map.of(
                "CARAVAN_MQTT_BROKER_URL", Services.mqttUrl(),
                "CARAVAN_DB_URL", Services.jdbcUrl(),
                "CARAVAN_DB_USERNAME", Services.jdbcUser(),
                "CARAVAN_DB_PASSWORD", Services.jdbcPassword(),
                "CARAVAN_TRAJECTORY_TOPIC", run + "/trajectories/#",
                "CARAVAN_TRAJECTORY_SHARED_GROUP", run));
    }

    private static int stored() throws SQLException {
        return stored(VENUE);
    }

    private static int stored(String venue) throws SQLException {
        return StoredTracks.count(Services.jdbcUrl(), Services.jdbcUser(), Services.jdbcPassword(), venue);
    }

    /** The trajectory messages the hub took from the broker, by its own count. */
    private static double messagesTaken(int port) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/metrics")).header(Services.API_KEY_HEADER, Services.ADMIN_KEY).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher taken = Pattern.compile("(?m)^caravan_trajectories_messages_total\\{[^}]*} (\\S+)$").matcher(metrics);
        double total = 0;
        while (taken.find()) {
            total += Double.parseDouble(taken.group(1));
        }
        return total;
    }
}
