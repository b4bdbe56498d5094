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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
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
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeveralHubsIT {

    static final String RUN = "hubs-" + UUID.randomUUID().toString().substring(0, 8);
    static final String VENUE = "venue-" + RUN;
    static final int TRACKS = 2_000;
    static final int STREAMED_PER_SECOND = 1_000;
    static final Duration BUILD_TIMEOUT = Duration.ofMinutes(4);
    /** One pair for every test, as starting hubs is most of their time; a test that kills a hub starts it again. */
    static Hub first;
    static Hub second;

    /** One of the pair: its data and port stay across restarts, as a pod's volume and address. */
    static final class Hub {
        final Path data = Services.tempDir("caravan-hub");
        final int port = HubProcess.freePort();
        final Map<String, String> env;
        ServiceProcess process;

        Hub(String name, Map<String, String> shared) {
            env = new HashMap<>(shared);
            env.put("CARAVAN_HUB_NAME", name);
            // each its own broker session, as each pod's
            env.put("CARAVAN_TRAJECTORY_CLIENT_ID", name);
        }

        Hub start() throws Exception {
            process = HubProcess.start(data, port, env);
            return this;
        }
    }

    @BeforeAll
    static void startBoth() throws Exception {
        Map<String, String> env = HubProcess.sharedIntake(RUN);
        env.put("CARAVAN_LIVE_SHARE_WITH_HUBS", "true");
        env.put("CARAVAN_LIVE_HUBS_TOPIC", RUN + "/hubs/live-tracks");
        env.put("CARAVAN_TRAJECTORY_SESSION_EXPIRY", "10m");
        // batches of three seconds' tracks: a hub that acknowledged before storing would lose thousands
        env.put("CARAVAN_TRAJECTORY_STORAGE_BATCH_TIMEOUT", "3s");
        env.put("CARAVAN_PROVIDER_WORK_DIR", Services.tempDir("caravan-hubs-work").toString());
        env.put("CARAVAN_BASE_IMAGE_2204", Services.baseImage());
        env.put("CARAVAN_BUILD_LEASE", "10s");
        env.put("CARAVAN_BUILD_POLL_PERIOD", "500ms");
        env.put("CARAVAN_PROVIDERS_LOG_TAIL_LINES", "1000");
        ExecutorService starting = Executors.newFixedThreadPool(2);
        try {
            Future<Hub> a = starting.submit(() -> new Hub(RUN + "-a", env).start());
            Future<Hub> b = starting.submit(() -> new Hub(RUN + "-b", env).start());
            first = a.get();
            second = b.get();
        } finally {
            starting.shutdown();
        }
    }

    @AfterAll
    static void stopBoth() throws Exception {
        for (Hub hub : new Hub[] {first, second}) {
            if (hub != null && hub.process != null) {
                hub.process.close();
            }
        }
    }

    @Test
    @Order(1)
    void aSharedIntakeStoresEveryTrackOnce_andEveryHubsLiveFeedShowsThemAll() throws Exception {
        FrameCollector firstFeed = FrameCollector.connect(first.port, "/tracking?venueId=" + VENUE);
        FrameCollector secondFeed = FrameCollector.connect(second.port, "/tracking?venueId=" + VENUE);
        try (TrackStream edge = TrackStream.start(Services.mqttUrl(), RUN + "/trajectories/edge-1", VENUE, 500,
                TRACKS)) {
            assertThat(edge.awaitPublished()).isEqualTo(TRACKS);
        }
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(stored(VENUE)).isEqualTo(TRACKS));
        assertThat(StoredTracks.distinct(Services.jdbcUrl(), Services.jdbcUser(), Services.jdbcPassword(), VENUE))
                .isEqualTo(TRACKS);
        // the broker split the edge's messages between the hubs
        double takenByFirst = messagesTaken(first.port);
        double takenBySecond = messagesTaken(second.port);
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

    @Test
    @Order(2)
    void aHubKilledMidStream_andARollingRestart_loseNoAcknowledgedTrack() throws Exception {
        String venue = VENUE + "-kill";
        // published until the replacement has taken its share: as long as the restarts take, however loaded the machine
        try (TrackStream edge = TrackStream.start(Services.mqttUrl(), RUN + "/trajectories/edge-1", venue,
                STREAMED_PER_SECOND, Integer.MAX_VALUE)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> edge.acknowledged() >= 5 * STREAMED_PER_SECOND);
            first.process.kill();
            // its container restarted, as Kubernetes would: the same session, taken up again
            first.start();
            // the other replaced in turn, as a rolling update replaces a pod: stopped gracefully, it hands its share
            // over and ends its session; its successor is a new client
            second.process.close();
            assertThat(second.process.log()).content().contains("Left $share/" + RUN + "/" + RUN + "/trajectories/#"
                    + " with everything it took stored; ending the session");
            second.env.put("CARAVAN_TRAJECTORY_CLIENT_ID", RUN + "-b-replaced");
            second.start();
            await().atMost(Duration.ofMinutes(1)).until(() -> messagesTaken(second.port) >= STREAMED_PER_SECOND);
            int published = edge.finish();
            await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(stored(venue)).isEqualTo(published));
            assertThat(StoredTracks.distinct(Services.jdbcUrl(), Services.jdbcUser(), Services.jdbcPassword(), venue))
                    .isEqualTo(published);
        }
    }

    @Test
    @Order(3)
    void eachUploadIsBuiltOnceByOneHub_andTheBuildOfAHubKilledMidBuildIsTakenUpByTheOther() throws Exception {
        Path deb = TestDebs.helloDeb(Services.tempDir("caravan-debs"), "caravan-hello", "all", "gzip");
        List<String> buildIds = new ArrayList<>();
        try {
            TestRestTemplate toFirst = client(first.port);
            TestRestTemplate toSecond = client(second.port);
            // all to the first hub, which builds one at a time: the second takes its share from the queue
            for (int i = 0; i < 3; i++) {
                ResponseEntity<JsonNode> accepted = HubClient.upload(toFirst, HubClient.helloMetadata(RUN + "-" + i), deb);
                assertThat(accepted.getStatusCode()).as("%s", accepted.getBody()).isEqualTo(HttpStatus.ACCEPTED);
                buildIds.add(accepted.getBody().get("buildId").asText());
            }
            await().atMost(BUILD_TIMEOUT).untilAsserted(() -> assertThat(buildIds.stream()
                    .map(id -> build(toSecond, id).path("hub").asText()))
                    .as("the second hub takes a build from the queue").anyMatch(hub -> hub.startsWith(RUN + "-b-")));
            String killedMidBuild = await().atMost(BUILD_TIMEOUT).until(() -> buildIds.stream()
                    .filter(id -> {
                        JsonNode build = build(toSecond, id);
                        return build.path("hub").asText().startsWith(RUN + "-a-")
                                && build.path("status").asText().equals("building")
                                && build.path("logTail").toString().contains("Step 1/");
                    }).findFirst(), Optional::isPresent).orElseThrow();
            first.process.kill();

            for (String buildId : buildIds) {
                JsonNode build = HubClient.awaitFinished(toSecond, buildId, BUILD_TIMEOUT);
                assertThat(build.get("status").asText()).as("%s", build).isEqualTo("succeeded");
                String log = build.get("logTail").toString();
                if (buildId.equals(killedMidBuild)) {
                    assertThat(build.get("hub").asText()).startsWith(RUN + "-b-");
                    assertThat(log).contains("from the first step: its hub stopped while building");
                    assertThat(occurrences(log, "validating (step 1 of")).isEqualTo(2);
                } else {
                    assertThat(occurrences(log, "validating (step 1 of")).as("built once: %s", log).isEqualTo(1);
                }
            }
        } finally {
            for (int i = 0; i < 3; i++) {
                Services.run("docker", "rmi", "-f", "caravan/providers/" + RUN + "-" + i + ":1.0.0");
            }
        }
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
