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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.web.client.RestTemplateBuilder;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import caravan.testing.FrameCollector;
import caravan.testing.HubClient;
import caravan.testing.HubProcess;
import caravan.testing.ServiceProcess;
import caravan.testing.Services;
import caravan.testing.StoredTracks;
import caravan.testing.TestDebs;
import caravan.testing.TrackStream;

/**
 * Two hubs (the jar, as its users run it) on one PostgreSQL and one broker, taking an edge's trajectories through one
 * MQTT 5 shared subscription as the Kubernetes manifests run them: each takes a share, every track is stored exactly
 * once, and both hubs' live feeds show every track (the hubs send one another what they accept); one hub SIGKILLed in
 * the middle of a QoS 1 stream and started again (taking up its broker session, as a container restarted in its pod
 * does), then the other replaced by a hub with a new client id (as a rolling update replaces a pod), lose none of what
 * the broker acknowledged to the edge. Uploads to one hub are built by both, each once, from the build queue in the
 * database; one hub SIGKILLed mid-build leaves its build to the other.
 */
class SeveralHubsIT {

    static final String RUN = "hubs-" + UUID.randomUUID().toString().substring(0, 8);
    static final String VENUE = "venue-" + RUN;
    static final int TRACKS = 2_000;
    /** Two minutes of stream: a hub's restart on a loaded CI machine took most of one, and the replacement follows. */
    static final int STREAMED_PER_SECOND = 1_000;
    static final int STREAMED = 120_000;
    static final Duration BUILD_TIMEOUT = Duration.ofMinutes(4);

    @Test
    void aSharedIntakeStoresEveryTrackOnce_andEveryHubsLiveFeedShowsThemAll() throws Exception {
        Map<String, String> env = HubProcess.sharedIntake(RUN);
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
        Map<String, String> env = HubProcess.sharedIntake(run);
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
            // the other replaced in turn, as a rolling update replaces a pod: stopped gracefully, it hands its share
            // over and ends its session; its successor is a new client
            assertThat(edge.publishing()).as("the stream goes on while the second hub is replaced").isTrue();
            second.close();
            assertThat(second.log()).content().contains("Left $share/" + run + "/" + run + "/trajectories/#"
                    + " with everything it took stored; ending the session");
            secondEnv.put("CARAVAN_TRAJECTORY_CLIENT_ID", run + "-b-replaced");
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

    @Test
    void eachUploadIsBuiltOnceByOneHub_andTheBuildOfAHubKilledMidBuildIsTakenUpByTheOther() throws Exception {
        String run = RUN + "-builds";
        Map<String, String> env = HubProcess.sharedIntake(run);
        env.put("CARAVAN_PROVIDER_WORK_DIR", Services.tempDir("caravan-hubs-work").toString());
        env.put("CARAVAN_BASE_IMAGE_2204", Services.baseImage());
        env.put("CARAVAN_BUILD_LEASE", "10s");
        env.put("CARAVAN_BUILD_POLL_PERIOD", "500ms");
        env.put("CARAVAN_PROVIDERS_LOG_TAIL_LINES", "1000");
        Map<String, String> firstEnv = new HashMap<>(env);
        firstEnv.put("CARAVAN_HUB_NAME", run + "-a");
        Map<String, String> secondEnv = new HashMap<>(env);
        secondEnv.put("CARAVAN_HUB_NAME", run + "-b");
        int firstPort = HubProcess.freePort();
        int secondPort = HubProcess.freePort();
        Path deb = TestDebs.helloDeb(Services.tempDir("caravan-debs"), "caravan-hello", "all", "gzip");
        List<String> buildIds = new ArrayList<>();
        try (ServiceProcess first = HubProcess.start(Services.tempDir("caravan-hub-a"), firstPort, firstEnv);
                ServiceProcess second = HubProcess.start(Services.tempDir("caravan-hub-b"), secondPort, secondEnv)) {
            TestRestTemplate toFirst = client(firstPort);
            TestRestTemplate toSecond = client(secondPort);
            // all to the first hub, which builds one at a time: the second takes its share from the queue
            for (int i = 0; i < 3; i++) {
                ResponseEntity<JsonNode> accepted = HubClient.upload(toFirst, HubClient.helloMetadata(run + "-" + i), deb);
                assertThat(accepted.getStatusCode()).as("%s", accepted.getBody()).isEqualTo(HttpStatus.ACCEPTED);
                buildIds.add(accepted.getBody().get("buildId").asText());
            }
            await().atMost(BUILD_TIMEOUT).untilAsserted(() -> assertThat(buildIds.stream()
                    .map(id -> build(toSecond, id).path("hub").asText()))
                    .as("the second hub takes a build from the queue").anyMatch(hub -> hub.startsWith(run + "-b-")));
            String killedMidBuild = await().atMost(BUILD_TIMEOUT).until(() -> buildIds.stream()
                    .filter(id -> {
                        JsonNode build = build(toSecond, id);
                        return build.path("hub").asText().startsWith(run + "-a-")
                                && build.path("status").asText().equals("building")
                                && build.path("logTail").toString().contains("Step 1/");
                    }).findFirst(), Optional::isPresent).orElseThrow();
            first.kill();

            for (String buildId : buildIds) {
                JsonNode build = HubClient.awaitFinished(toSecond, buildId, BUILD_TIMEOUT);
                assertThat(build.get("status").asText()).as("%s", build).isEqualTo("succeeded");
                String log = build.get("logTail").toString();
                if (buildId.equals(killedMidBuild)) {
                    assertThat(build.get("hub").asText()).startsWith(run + "-b-");
                    assertThat(log).contains("from the first step: its hub stopped while building");
                    assertThat(occurrences(log, "validating (step 1 of")).isEqualTo(2);
                } else {
                    assertThat(occurrences(log, "validating (step 1 of")).as("built once: %s", log).isEqualTo(1);
                }
            }
        } finally {
            for (int i = 0; i < 3; i++) {
                Services.run("docker", "rmi", "-f", "caravan/providers/" + run + "-" + i + ":1.0.0");
            }
        }
    }

    private static int stored() throws SQLException {
        return stored(VENUE);
    }

    private static int stored(String venue) throws SQLException {
        return StoredTracks.count(Services.jdbcUrl(), Services.jdbcUser(), Services.jdbcPassword(), venue);
    }

    private static TestRestTemplate client(int port) {
        return new TestRestTemplate(new RestTemplateBuilder().rootUri("http://127.0.0.1:" + port)
                .defaultHeader(Services.API_KEY_HEADER, Services.ADMIN_KEY));
    }

    private static JsonNode build(TestRestTemplate hub, String buildId) {
        return hub.getForObject("/api/algorithm-providers/conversion/builds/" + buildId, JsonNode.class);
    }

    private static int occurrences(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
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
