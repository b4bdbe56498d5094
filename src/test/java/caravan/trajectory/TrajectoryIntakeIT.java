package caravan.trajectory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.apache.camel.CamelContext;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.live.LiveTracks;
import caravan.mqtt.HiveMqttEndpoint;
import caravan.testing.FrameCollector;
import caravan.testing.HubClient;
import caravan.testing.Services;

/**
 * Trajectories published with mosquitto_pub to the real Mosquitto, in both shipped formats, through to storage and
 * to WebSocket clients of the live feed.
 */
@CamelSpringBootTest
@AutoConfigureObservability
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TrajectoryIntakeIT {

    /** A topic prefix of its own: other test contexts stay subscribed to the default one on the same broker. */
    static final String PREFIX = "it-" + UUID.randomUUID().toString().substring(0, 8) + "/trajectories";
    static final String VENUE = "venue-" + UUID.randomUUID();
    static final String VENDOR_EDGE = "edge-vendor";
    static final String VENDOR_VENUE = "venue-" + UUID.randomUUID();
    static final ObjectMapper MAPPER = new ObjectMapper();

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, Services.tempDir("caravan-trajectory-it"));
        registry.add("caravan.trajectories.topic", () -> PREFIX + "/#");
        registry.add("caravan.trajectories.client-id", () -> PREFIX + "-hub");
        registry.add("caravan.trajectories.session-expiry", () -> "2m");
        registry.add("caravan.trajectories.storage-batch-timeout", () -> "200ms");
        registry.add("caravan.trajectories.edges." + VENDOR_EDGE + ".format", () -> "vendor-array");
        registry.add("caravan.trajectories.edges." + VENDOR_EDGE + ".venue-id", () -> VENDOR_VENUE);
        // The default: a reading client starved of CPU for 2 s on a busy machine was once taken for a stuck one.
        registry.add("caravan.live.send-time-limit", () -> "5s");
        registry.add("caravan.live.max-queued-frames", () -> "20");
        // A frame interval long enough to tell a frame sent at once from one sent when the next is due.
        registry.add("caravan.live.frames-per-second", () -> "1");
        registry.add("caravan.alerts.rules-file", TrajectoryIntakeIT::writeRules);
        registry.add("caravan.alerts.webhook-url", () -> "http://127.0.0.1:" + WEBHOOK.getAddress().getPort() + "/alerts");
        registry.add("caravan.alerts.webhook-retry-delay", () -> "100ms");
    }

    /** A webhook receiver that answers 503 to the first two POSTs, then 200. */
    static final HttpServer WEBHOOK = startWebhook();
    static final AtomicInteger WEBHOOK_ATTEMPTS = new AtomicInteger();
    static final List<JsonNode> WEBHOOK_ALERTS = new CopyOnWriteArrayList<>();

    static HttpServer startWebhook() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/alerts", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                int status = WEBHOOK_ATTEMPTS.incrementAndGet() <= 2 ? 503 : 200;
                if (status == 200) {
                    WEBHOOK_ALERTS.add(MAPPER.readTree(body));
                }
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            });
            server.start();
            return server;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stopWebhook() {
        WEBHOOK.stop(0);
        Services.forgetEdges(DEPLOYED_EDGE);
    }

    static final String ALERT_VENUE = "venue-alerts-" + UUID.randomUUID().toString().substring(0, 8);
    static final String CROWD_VENUE = "venue-crowd-" + UUID.randomUUID().toString().substring(0, 8);
    static final String DEPLOYED_VENUE = "venue-deployed-" + UUID.randomUUID().toString().substring(0, 8);
    static final String DEPLOYED_EDGE = "edge-deployed-" + UUID.randomUUID().toString().substring(0, 8);

    static String writeRules() {
        try {
            Path rules = Services.tempDir("caravan-alert-rules").resolve("rules.yaml");
            Files.writeString(rules, """
                    rules:
                      - id: dock
                        type: zone-enter
                        venueId: %1$s
                        zone: [[0, 0], [10, 0], [10, 5], [0, 5]]
                        cooldown: 1h
                      - id: venue-bounds
                        type: outside-bounds
                        venueId: %1$s
                        bounds: {minX: 0, maxX: 100, minZ: 0, maxZ: 100}
                        cooldown: 1h
                      - id: too-fast
                        type: speed-above
                        venueId: %1$s
                        metersPerSecond: 3.0
                        cooldown: 1h
                        severity: critical
                      - id: lingering
                        type: dwell-in-zone
                        venueId: %2$s
                        zone: [[0, 0], [10, 0], [10, 10], [0, 10]]
                        seconds: 2
                        cooldown: 1h
                      - id: crowded
                        type: occupancy-above
                        venueId: %2$s
                        zone: [[20, 0], [30, 0], [30, 10], [20, 10]]
                        maxOccupants: 2
                        cooldown: 1h
                      - id: silent
                        type: edge-silent
                        venueId: %3$s
                        seconds: 2
                        cooldown: 1h
                    """.formatted(ALERT_VENUE, CROWD_VENUE, DEPLOYED_VENUE));
            return rules.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Autowired
    TestRestTemplate http;
    @Autowired
    LiveTracks live;
    @Autowired
    TrackStore store;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    CamelContext camel;
    @LocalServerPort
    int port;

    @Test
    void alertRulesFireOncePerCooldownToEverySink() throws Exception {
        List<JsonNode> mqttAlerts = new CopyOnWriteArrayList<>();
        MqttClient subscriber = new MqttClient(Services.mqttUrl(), "alerts-" + UUID.randomUUID(), new MemoryPersistence());
        subscriber.connect(Services.mqttHubLogin());
        subscriber.subscribe(new MqttSubscription[] {new MqttSubscription("caravan/alerts/" + ALERT_VENUE, 1)},
                new IMqttMessageListener[] {(topic, message) -> mqttAlerts.add(MAPPER.readTree(message.getPayload()))});
        FrameCollector page = FrameCollector.connect(port, "/tracking?venueId=" + ALERT_VENUE);
        long now = System.currentTimeMillis();
        try {
            publish("edge-alerts", moving(ALERT_VENUE, "walker", now, 20, 20, 0.5));      // outside the dock
            publish("edge-alerts", moving(ALERT_VENUE, "walker", now + 100, 5, 2, 0.5));  // enters it
            publish("edge-alerts", moving(ALERT_VENUE, "second", now + 200, 6, 3, 0.5));  // enters within the cooldown
            publish("edge-alerts", moving(ALERT_VENUE, "stray", now + 300, 150, 10, 0.5)); // outside the venue
            publish("edge-alerts", moving(ALERT_VENUE, "runner", now + 400, 50, 50, 4.0)); // 4 m/s

            JsonNode alerts = await().atMost(Duration.ofSeconds(20)).until(
                    () -> http.getForObject("/api/alerts?venueId=" + ALERT_VENUE, JsonNode.class), a -> a.size() >= 3);
            assertThat(alerts.findValuesAsText("ruleId")).containsExactlyInAnyOrder("dock", "venue-bounds", "too-fast");
            JsonNode dock = alerts.findParents("ruleId").stream().filter(a -> a.get("ruleId").asText().equals("dock"))
                    .findFirst().orElseThrow();
            assertThat(dock.get("trackId").asText()).isEqualTo("walker");
            assertThat(dock.get("message").asText()).isEqualTo("person walker entered zone dock");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(mqttAlerts).extracting(a -> a.get("ruleId").asText())
                        .containsExactlyInAnyOrder("dock", "venue-bounds", "too-fast");
                assertThat(page.frames()).filteredOn(f -> f.get("event").asText().equals("alert"))
                        .extracting(f -> f.get("alert").get("ruleId").asText()).contains("too-fast");
                // The webhook refuses its first two POSTs: every alert still arrives, after retries.
                assertThat(WEBHOOK_ALERTS).filteredOn(a -> a.get("venueId").asText().equals(ALERT_VENUE))
                        .extracting(a -> a.get("ruleId").asText())
                        .containsExactlyInAnyOrder("dock", "venue-bounds", "too-fast");
            });
            assertThat(WEBHOOK_ATTEMPTS.get()).isGreaterThanOrEqualTo(WEBHOOK_ALERTS.size() + 2);

            JsonNode acknowledged = http.postForObject("/api/alerts/" + dock.get("alertId").asText() + "/acknowledge",
                    null, JsonNode.class);
            assertThat(acknowledged.get("acknowledgedAt").isNull()).isFalse();
            JsonNode open = http.getForObject("/api/alerts?venueId=" + ALERT_VENUE + "&unacknowledged=true", JsonNode.class);
            assertThat(open.findValuesAsText("ruleId")).containsExactlyInAnyOrder("venue-bounds", "too-fast");
            assertThat(http.postForEntity("/api/alerts/no-such-alert/acknowledge", null, JsonNode.class).getStatusCode())
                    .isEqualTo(HttpStatus.NOT_FOUND);
            assertThat(http.getForObject("/api/alerts/rules", JsonNode.class).findValuesAsText("id"))
                    .containsExactly("dock", "venue-bounds", "too-fast", "lingering", "crowded", "silent");
        } finally {
            page.close();
            subscriber.disconnect();
            subscriber.close();
        }
    }

    @Test
    void dwellAndOccupancyRulesFireByTheTracksOwnTime() throws Exception {
        long now = System.currentTimeMillis();
        publish("edge-crowd", moving(CROWD_VENUE, "idler", now, 5, 5, 0.1));
        publish("edge-crowd", moving(CROWD_VENUE, "idler", now + 1000, 5, 5, 0.1));  // 1 s: not yet
        publish("edge-crowd", moving(CROWD_VENUE, "idler", now + 2500, 5, 5, 0.1));  // 2.5 s: lingering
        publish("edge-crowd", moving(CROWD_VENUE, "a", now, 25, 5, 0.1));
        publish("edge-crowd", moving(CROWD_VENUE, "b", now, 26, 5, 0.1));
        publish("edge-crowd", moving(CROWD_VENUE, "c", now, 27, 5, 0.1));             // third in the zone

        JsonNode alerts = await().atMost(Duration.ofSeconds(20)).until(
                () -> http.getForObject("/api/alerts?venueId=" + CROWD_VENUE, JsonNode.class), a -> a.size() >= 2);
        assertThat(alerts.findValuesAsText("ruleId")).containsExactlyInAnyOrder("lingering", "crowded");
        assertThat(alerts.findValuesAsText("message")).contains(
                "person idler has been in zone lingering for 3 s, longer than 2.0 s", "3 tracks in zone crowded, more than 2");

        String prometheus = http.getForObject("/actuator/prometheus", String.class);
        assertThat(prometheus).contains("caravan_trajectories_messages_total{edge=\"edge-crowd\"}",
                "caravan_trajectories_last_message{edge=\"edge-crowd\"}");
    }

    @Test
    void storedTracksOlderThanTheRetentionAreDeletedInEveryVenue_recentOnesAreKept() {
        long now = System.currentTimeMillis();
        long expired = now - Duration.ofDays(8).toMillis(); // the retention is 7 days
        List<String> venues = List.of("venue-" + UUID.randomUUID(), "venue-" + UUID.randomUUID());
        for (String venue : venues) {
            store.insert(List.of(stored(venue, "old", expired), stored(venue, "recent", now)));
        }

        store.deleteExpired(); // the hourly retention route may run first: it also runs a second after start

        for (String venue : venues) {
            assertThat(store.page(venue, 0, Long.MAX_VALUE, null, 10, 0).tracks()).extracting(Track::id)
                    .containsExactly("recent");
        }
    }

    private static Track stored(String venue, String id, long timestamp) {
        return new Track(id, "d1", venue, timestamp, new Track.Vector3(1, 0, 2), new Track.Vector3(0, 0, 0), "person",
                0.9, "edge-retention");
    }

    private static String moving(String venue, String id, long timestamp, double x, double z, double speed) {
        return """
                {"id": "%s", "deviceId": "d1", "venueId": "%s", "timestamp": %d,
                 "position": {"x": %s, "y": 0, "z": %s}, "velocity": {"x": %s, "y": 0, "z": 0},
                 "objectType": "person", "confidence": 0.9}""".formatted(id, venue, timestamp, x, z, speed);
    }

    @Test
    void liveClientsGetTrackFramesForTheirVenueOrForAll() throws Exception {
        String venue = "venue-" + UUID.randomUUID();
        String otherVenue = "venue-" + UUID.randomUUID();
        FrameCollector oneVenue = FrameCollector.connect(port, "/tracking?venueId=" + venue);
        FrameCollector allVenues = FrameCollector.connect(port, "/tracking");
        long now = System.currentTimeMillis();

        for (int i = 0; i < 3; i++) {
            publish("edge-live", referenceIn(venue, "live-" + i, now + i, 0.9));
        }
        publish("edge-live", referenceIn(otherVenue, "elsewhere", now, 0.9));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(oneVenue.trackIds()).contains("live-0", "live-1", "live-2");
            assertThat(allVenues.trackIds()).contains("live-0", "live-1", "live-2", "elsewhere");
        });
        assertThat(oneVenue.frames()).allSatisfy(frame -> {
            assertThat(frame.get("event").asText()).isEqualTo("tracks");
            assertThat(frame.get("venueId").asText()).isEqualTo(venue);
        });
        assertThat(oneVenue.trackIds()).doesNotContain("elsewhere");
        JsonNode track = oneVenue.frames().get(0).get("tracks").get(0);
        assertThat(track.get("position").get("x").asDouble()).isEqualTo(1.0);
        assertThat(track.get("objectType").asText()).isEqualTo("person");
        oneVenue.close();
        allVenues.close();
    }

    @Test
    void anIdleVenuesTrackGoesOutAtOnce_andThoseRightBehindItWaitForTheNextFrame() throws Exception {
        String venue = "venue-" + UUID.randomUUID();
        FrameCollector client = FrameCollector.connect(port, "/tracking?venueId=" + venue);
        await().atMost(Duration.ofSeconds(5)).until(() -> live.clients() >= 1);
        long now = System.currentTimeMillis();

        // Back to back, far within one frame interval (1 s here): the first finds the feed idle.
        publishLines("edge-leading", List.of("first", "second", "third").stream()
                .map(id -> referenceIn(venue, id, now, 0.9).replace("\n", " ")).toList());

        await().atMost(Duration.ofSeconds(10)).until(() -> client.trackIds().size() == 3);
        assertThat(client.frames()).extracting(frame -> frame.get("tracks").findValuesAsText("id"))
                .containsExactly(List.of("first"), List.of("second", "third"));
        client.close();
    }

    @Test
    void aSteadyTrickleIsStoredWhileItGoesOn_notOnlyOnceItStops() throws Exception {
        String venue = "venue-" + UUID.randomUUID();
        int tracks = 50;
        Process edge = new ProcessBuilder("mosquitto_pub", "-L",
                Services.mqttLoginUrl() + "/" + PREFIX + "/edge-trickle", "-q", "1", "-l")
                .redirectErrorStream(true).start();
        AtomicInteger sent = new AtomicInteger();
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try (var stdin = edge.getOutputStream()) {
            // Ten a second, more often than the storage batch timeout (200 ms here), for five seconds.
            trickle.scheduleAtFixedRate(() -> {
                if (sent.get() < tracks) {
                    try {
                        stdin.write((referenceIn(venue, "trickle-" + sent.get(), System.currentTimeMillis(), 0.9)
                                .replace("\n", " ") + "\n").getBytes(StandardCharsets.UTF_8));
                        stdin.flush();
                        sent.incrementAndGet();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }, 0, 100, TimeUnit.MILLISECONDS);

            await().atMost(Duration.ofSeconds(10)).until(() -> tracks(venue, "").get("tracks").size() > 0);
            assertThat(sent.get()).as("tracks the edge had sent when the first was stored").isLessThan(tracks);
            await().atMost(Duration.ofSeconds(20)).until(() -> sent.get() == tracks);
        } finally {
            trickle.shutdownNow();
        }
        assertThat(edge.waitFor(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> tracks(venue, "").get("tracks").size() == tracks);
    }

    @Test
    void aBurstReachesEveryClientInFull_inFramesOfAtMostMaxFrameTracks() throws Exception {
        String venue = "venue-" + UUID.randomUUID();
        FrameCollector oneVenue = FrameCollector.connect(port, "/tracking?venueId=" + venue);
        FrameCollector allVenues = FrameCollector.connect(port, "/tracking");
        await().atMost(Duration.ofSeconds(5)).until(() -> live.clients() >= 2);

        // 1,000 tracks within a second: several full frames back to back, each of which every client must get.
        publishLines("edge-burst", trackArrays(venue, "burst", 20, 50));
        List<String> ids = new ArrayList<>();
        for (int m = 0; m < 20; m++) {
            for (int t = 0; t < 50; t++) {
                ids.add("burst-" + m + "-" + t);
            }
        }

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(oneVenue.trackIds()).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(allVenues.trackIds()).containsAll(ids);
        });
        assertThat(oneVenue.frames()).hasSizeGreaterThanOrEqualTo(ids.size() / 200)
                .allSatisfy(frame -> assertThat(frame.get("tracks").size()).isLessThanOrEqualTo(200));
        oneVenue.close();
        allVenues.close();
    }

    @Test
    void anEdgesMessagesReachClientsInTheOrderItPublishedThem() throws Exception {
        String venue = "venue-" + UUID.randomUUID();
        FrameCollector client = FrameCollector.connect(port, "/tracking?venueId=" + venue);
        await().atMost(Duration.ofSeconds(5)).until(() -> live.clients() >= 1);

        // One track moving on: many batches of its edge's messages, each position newer than the one before.
        long start = System.currentTimeMillis();
        int positions = 2_000;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < positions; i++) {
            lines.add(referenceIn(venue, "walker", start + i, 0.9).replace("\n", " "));
        }
        publishLines("edge-order", lines);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(timestampsOf("walker", client)).last().isEqualTo(start + positions - 1));
        // A frame holds a track's latest position, so the client sees some of them, but never an older after a newer.
        assertThat(timestampsOf("walker", client)).hasSizeGreaterThan(1).isSorted().doesNotHaveDuplicates();
        client.close();
    }

    private static List<Long> timestampsOf(String trackId, FrameCollector client) {
        List<Long> timestamps = new ArrayList<>();
        for (JsonNode frame : client.frames()) {
            for (JsonNode track : frame.path("tracks")) {
                if (trackId.equals(track.path("id").asText())) {
                    timestamps.add(track.path("timestamp").asLong());
                }
            }
        }
        return timestamps;
    }

    @Test
    void aClientThatNeverReadsDoesNotHoldUpAnotherAndIsDropped() throws Exception {
        String venue = "venue-" + UUID.randomUUID();
        try (Socket stuck = neverReadingClient(port)) {
            FrameCollector reader = FrameCollector.connect(port, "/tracking?venueId=" + venue);
            await().atMost(Duration.ofSeconds(5)).until(() -> live.clients() >= 2);

            // About 20 MB of frames: far more than the stuck client's socket buffers hold.
            List<String> lines = new ArrayList<>(trackArrays(venue, "bulk", 1500, 50));
            lines.add(referenceIn(venue, "marker", System.currentTimeMillis() + 5000, 0.9).replace("\n", " "));
            publishLines("edge-bulk", lines);

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(reader.trackIds()).contains("marker"));
            assertThat(live.unsentFrames()).isLessThanOrEqualTo(2 * 20); // at most 20 per client
            await().atMost(Duration.ofSeconds(30)).until(() -> live.clients() == 1);
            reader.close();
        }
    }

    @Test
    void referenceMessagesAreStoredAsCanonicalTracks_once_evenWhenRedelivered() throws Exception {
        assertThat(camel.getRoute("trajectory-intake").getEndpoint()).as("what these messages are read through")
                .isInstanceOf(HiveMqttEndpoint.class);
        long now = System.currentTimeMillis();
        String message = reference("traj-1", "nodekey:abc", now, 25.5, 15.2, 0.95);

        publish("edge-1", message);
        publish("edge-1", message); // a QoS 1 redelivery: same track id and timestamp
        publish("edge-1", reference("traj-1", "nodekey:abc", now + 100, 25.6, 15.1, 0.95));

        JsonNode page = await().atMost(Duration.ofSeconds(20)).until(() -> tracks(VENUE, ""),
                p -> p.get("tracks").size() >= 2);
        assertThat(page.get("tracks")).hasSize(2);
        JsonNode first = page.get("tracks").get(0);
        assertThat(first.get("id").asText()).isEqualTo("traj-1");
        assertThat(first.get("deviceId").asText()).isEqualTo("nodekey:abc");
        assertThat(first.get("venueId").asText()).isEqualTo(VENUE);
        assertThat(first.get("edgeId").asText()).isEqualTo("edge-1");
        assertThat(first.get("timestamp").asLong()).isEqualTo(now);
        assertThat(first.get("position").get("x").asDouble()).isEqualTo(25.5);
        assertThat(first.get("position").get("z").asDouble()).isEqualTo(15.2);
        assertThat(first.get("velocity").get("z").asDouble()).isEqualTo(-0.3);
        assertThat(first.get("objectType").asText()).isEqualTo("person");
        assertThat(first.get("confidence").asDouble()).isEqualTo(0.95);
        assertThat(page.get("tracks").get(1).get("timestamp").asLong()).isEqualTo(now + 100);
    }

    @Test
    void whatEdgesPublishWhileTheIntakeIsStoppedArrivesWhenItIsBack() throws Exception {
        String venue = "venue-" + UUID.randomUUID();
        camel.getRouteController().stopRoute("trajectory-intake");
        try {
            publish("edge-restart", referenceIn(venue, "kept-1", System.currentTimeMillis(), 0.9));
        } finally {
            camel.getRouteController().startRoute("trajectory-intake");
        }

        JsonNode page = await().atMost(Duration.ofSeconds(20)).until(() -> tracks(venue, ""),
                p -> p.get("tracks").size() >= 1);
        assertThat(page.get("tracks").get(0).get("id").asText()).isEqualTo("kept-1");
    }

    @Test
    void vendorArraysAreMappedWithTheEdgesVenue() throws Exception {
        double seconds = System.currentTimeMillis() / 1000.0;
        publish(VENDOR_EDGE, """
                [{"track_id": 17, "pos": [1.5, 0.0, 2.25], "vel": [0.1, 0.0, -0.2], "cls": "person", "score": 0.87, "ts": %1$.3f},
                 {"track_id": 18, "pos": [4.0, 0.0, 7.5], "vel": [0.0, 0.0, 0.0], "cls": "forklift", "score": 0.64, "ts": %1$.3f}]"""
                .formatted(seconds));

        JsonNode page = await().atMost(Duration.ofSeconds(20)).until(() -> tracks(VENDOR_VENUE, ""),
                p -> p.get("tracks").size() >= 2);
        assertThat(page.get("tracks")).extracting(t -> t.get("id").asText()).containsExactlyInAnyOrder("17", "18");
        JsonNode forklift = page.get("tracks").findParents("objectType").stream()
                .filter(t -> t.get("objectType").asText().equals("forklift")).findFirst().orElseThrow();
        assertThat(forklift.get("deviceId").asText()).isEqualTo(VENDOR_EDGE);
        assertThat(forklift.get("position").get("z").asDouble()).isEqualTo(7.5);
        assertThat(forklift.get("timestamp").asLong()).isEqualTo(Math.round(seconds * 1000));
    }

    @Test
    void theDeployedProviderChoosesTheMappingAndVenue_andTheEdgesSilenceIsAnAlert() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String edge = DEPLOYED_EDGE;
        String provider = "vendor-tracker-" + run;
        HubClient.putJson(http, "/api/venues/" + DEPLOYED_VENUE, "{\"name\": \"Deployed hall\"}");
        HubClient.putJson(http, "/api/edges/" + edge, "{\"venueId\": \"" + DEPLOYED_VENUE + "\"}");
        assertThat(HubClient.postJson(http, "/api/algorithm-providers", "{\"providerId\": \"" + provider + "\", "
                + "\"version\": \"1\", \"dockerImage\": \"registry.example.com/vendor/tracker:1@sha256:" + "0123456789abcdef".repeat(4) + "\", "
                + "\"trajectoryFormat\": \"vendor-array\"}").getStatusCode()).isEqualTo(HttpStatus.CREATED);
        String deployment = HubClient.postJson(http, "/api/edge-commissioning/edge/" + edge + "/deploy-her",
                "{\"venueId\": \"" + DEPLOYED_VENUE + "\", \"providerId\": \"" + provider + "\"}")
                .getBody().get("deploymentId").asText();
        // The edge's agent reports the provider running.
        Services.CommandResult reported = Services.run("mosquitto_pub", "-L", Services.mqttLoginUrl()
                + "/caravan/edges/" + edge + "/events", "-q", "1", "-m", "{\"type\": \"deployment-status\", "
                + "\"deploymentId\": \"" + deployment + "\", \"status\": \"running\"}");
        assertThat(reported.exitCode()).as(reported.output()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> HubClient.getJson(http, "/api/deployments/" + deployment)
                .get("status").asText().equals("running"));

        // No format or venue is configured for this edge: both come from what is deployed on it.
        publish(edge, "[{\"track_id\": 5, \"pos\": [3.0, 0.0, 4.0], \"vel\": [0, 0, 0], \"cls\": \"person\", "
                + "\"score\": 0.9, \"ts\": %.3f}]".formatted(System.currentTimeMillis() / 1000.0));
        JsonNode page = await().atMost(Duration.ofSeconds(20)).until(() -> tracks(DEPLOYED_VENUE, ""),
                p -> p.get("tracks").size() >= 1);
        assertThat(page.get("tracks").get(0).get("deviceId").asText()).isEqualTo(edge);
        assertThat(page.get("tracks").get(0).get("position").get("z").asDouble()).isEqualTo(4.0);

        // Then it falls silent.
        JsonNode silent = await().atMost(Duration.ofSeconds(20)).until(
                () -> HubClient.getJson(http, "/api/alerts?venueId=" + DEPLOYED_VENUE),
                alerts -> alerts.size() >= 1);
        assertThat(silent).hasSize(1);
        assertThat(silent.get(0).get("type").asText()).isEqualTo("edge-silent");
        assertThat(silent.get(0).get("edgeId").asText()).isEqualTo(edge);
        assertThat(silent.get(0).get("message").asText()).contains("edge " + edge + " (deployment " + deployment,
                "has sent no trajectories for");
        assertThat(silent.get(0).get("trackId").isNull()).isTrue();
        // Still silent, but within the rule's cooldown: no second alert (the rule is looked at every second).
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(
                () -> HubClient.getJson(http, "/api/alerts?venueId=" + DEPLOYED_VENUE).size() == 1);
    }

    @Test
    void invalidMessagesAreCountedAndSampledWhileValidOnesAroundThemPass() throws Exception {
        String edge = "edge-bad-" + UUID.randomUUID().toString().substring(0, 6);
        String venue = "venue-" + UUID.randomUUID();
        long now = System.currentTimeMillis();
        publish(edge, referenceIn(venue, "before", now, 0.5));
        publish(edge, "{not json");
        publish(edge, referenceIn(venue, "too-sure", now, 1.5));
        publish(edge, referenceIn(venue, "stale", now - Duration.ofDays(1).toMillis(), 0.5));
        publish(edge, referenceIn(venue, "nan", now, 0.5).replace("\"x\": 1.0", "\"x\": NaN"));
        publish(edge, "{\"id\": \"no-position\", \"deviceId\": \"d\", \"venueId\": \"" + venue + "\", \"timestamp\": " + now
                + ", \"velocity\": {\"x\": 0, \"y\": 0, \"z\": 0}, \"objectType\": \"person\", \"confidence\": 0.5}");
        publish(edge, referenceIn(venue, "after", now + 1, 0.5));

        JsonNode report = await().atMost(Duration.ofSeconds(20)).until(
                () -> http.getForObject("/api/trajectories/rejected", JsonNode.class),
                r -> r.path("byEdge").path(edge).size() >= 5);
        JsonNode counts = report.get("byEdge").get(edge);
        assertThat(counts.get("malformed-json").asInt()).isEqualTo(1);
        assertThat(counts.get("confidence-out-of-range").asInt()).isEqualTo(1);
        assertThat(counts.get("timestamp-skew").asInt()).isEqualTo(1);
        assertThat(counts.get("non-finite").asInt()).isEqualTo(1);
        assertThat(counts.get("missing-field").asInt()).isEqualTo(1);
        assertThat(report.get("samples").findValuesAsText("payload")).contains("{not json");
        assertThat(report.get("samples").findValuesAsText("detail")).contains("position {x, y, z} is missing");

        JsonNode page = await().atMost(Duration.ofSeconds(20)).until(() -> tracks(venue, ""),
                p -> p.get("tracks").size() >= 2);
        assertThat(page.get("tracks")).extracting(t -> t.get("id").asText()).containsExactly("before", "after");
    }

    @Test
    void aTrackTheDatabaseRefusesIsRejectedWithItsReason_whileTheRestOfItsBatchIsStored() throws Exception {
        String edge = "edge-refused-" + UUID.randomUUID().toString().substring(0, 6);
        String venue = "venue-" + UUID.randomUUID();
        long now = System.currentTimeMillis();
        // Data that passes validation but that the database refuses, as a constraint added by its operators would.
        jdbc.sql("ALTER TABLE trajectory_points ADD CONSTRAINT refuses_test_device CHECK (device_id <> 'refused-by-db')")
                .update();
        try {
            publish(edge, "[" + referenceIn(venue, "kept-1", now, 0.5) + ", "
                    + referenceIn(venue, "refused", now, 0.5).replace("\"d1\"", "\"refused-by-db\"") + ", "
                    + referenceIn(venue, "kept-2", now, 0.5) + "]");

            JsonNode report = await().atMost(Duration.ofSeconds(20)).until(
                    () -> http.getForObject("/api/trajectories/rejected", JsonNode.class),
                    r -> r.path("byEdge").path(edge).has("storage-refused"));
            assertThat(report.get("byEdge").get(edge).get("storage-refused").asInt()).isEqualTo(1);
            assertThat(report.get("samples").findValuesAsText("detail"))
                    .anySatisfy(detail -> assertThat(detail).containsIgnoringCase("refuses_test_device"));
            JsonNode page = await().atMost(Duration.ofSeconds(20)).until(() -> tracks(venue, ""),
                    p -> p.get("tracks").size() >= 2);
            assertThat(page.get("tracks")).extracting(t -> t.get("id").asText()).containsExactly("kept-1", "kept-2");
        } finally {
            jdbc.sql("ALTER TABLE trajectory_points DROP CONSTRAINT refuses_test_device").update();
        }
    }

    @Test
    void replayIsPagedAndFilteredByTimeAndEdge() throws Exception {
        String venue = "venue-" + UUID.randomUUID();
        long now = System.currentTimeMillis();
        for (int i = 0; i < 5; i++) {
            publish("edge-a", referenceIn(venue, "a" + i, now + i, 0.9));
        }
        publish("edge-b", referenceIn(venue, "b0", now + 2, 0.9));
        await().atMost(Duration.ofSeconds(20)).until(() -> tracks(venue, ""), p -> p.get("tracks").size() == 6);

        JsonNode firstPage = http.getForObject("/api/venues/" + venue + "/tracks?edgeId=edge-a&limit=3&from=" + now
                + "&to=" + (now + 10), JsonNode.class);
        assertThat(firstPage.get("tracks")).extracting(t -> t.get("id").asText()).containsExactly("a0", "a1", "a2");
        assertThat(firstPage.get("nextOffset").asInt()).isEqualTo(3);
        JsonNode secondPage = http.getForObject("/api/venues/" + venue + "/tracks?edgeId=edge-a&limit=3&offset=3&from="
                + now + "&to=" + (now + 10), JsonNode.class);
        assertThat(secondPage.get("tracks")).extracting(t -> t.get("id").asText()).containsExactly("a3", "a4");
        assertThat(secondPage.get("nextOffset").isNull()).isTrue();

        JsonNode window = http.getForObject("/api/venues/" + venue + "/tracks?from=" + (now + 2) + "&to=" + (now + 3),
                JsonNode.class);
        assertThat(window.get("tracks")).extracting(t -> t.get("id").asText()).containsExactlyInAnyOrder("a2", "b0");

        var bad = http.getForEntity("/api/venues/" + venue + "/tracks?from=yesterday&limit=-1", JsonNode.class);
        assertThat(bad.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(bad.getBody().get("problems").toString()).contains("from 'yesterday'", "limit '-1'");
    }

    /** Completes the WebSocket handshake on a socket with a small receive window, then never reads again. */
    private static Socket neverReadingClient(int port) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", port));
        socket.getOutputStream().write(("GET /tracking HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n" + Services.API_KEY_HEADER + ": " + Services.ADMIN_KEY + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        StringBuilder response = new StringBuilder();
        while (!response.toString().endsWith("\r\n\r\n")) {
            response.append((char) socket.getInputStream().read());
        }
        assertThat(response.toString()).startsWith("HTTP/1.1 101");
        return socket;
    }

    /** One line per message, each an array of reference tracks with the ids {@code <prefix>-<message>-<track>}. */
    private static List<String> trackArrays(String venue, String prefix, int messages, int tracksPerMessage) {
        long now = System.currentTimeMillis();
        List<String> lines = new ArrayList<>();
        for (int m = 0; m < messages; m++) {
            StringBuilder array = new StringBuilder("[");
            for (int t = 0; t < tracksPerMessage; t++) {
                array.append(t == 0 ? "" : ",")
                        .append(referenceIn(venue, prefix + "-" + m + "-" + t, now + m, 0.9).replace("\n", " "));
            }
            lines.add(array.append("]").toString());
        }
        return lines;
    }

    /** Many messages through one {@code mosquitto_pub -l}, a line each. */
    private static void publishLines(String edgeId, List<String> lines) throws Exception {
        Process process = new ProcessBuilder("mosquitto_pub", "-L",
                Services.mqttLoginUrl() + "/" + PREFIX + "/" + edgeId, "-q", "1", "-l")
                .redirectErrorStream(true).start();
        try (var stdin = process.getOutputStream()) {
            for (String line : lines) {
                stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    }

    private JsonNode tracks(String venue, String query) {
        return http.getForObject("/api/venues/" + venue + "/tracks?from=0&to=" + (System.currentTimeMillis() + 60_000)
                + query, JsonNode.class);
    }

    private static void publish(String edgeId, String message) throws Exception {
        Services.CommandResult result = Services.run("mosquitto_pub", "-L",
                Services.mqttLoginUrl() + "/" + PREFIX + "/" + edgeId, "-q", "1", "-m", message);
        assertThat(result.exitCode()).as(result.output()).isZero();
    }

    private static String reference(String id, String deviceId, long timestamp, double x, double z, double confidence) {
        return """
                {"id": "%s", "deviceId": "%s", "venueId": "%s", "timestamp": %d,
                 "position": {"x": %s, "y": 0, "z": %s}, "velocity": {"x": 0.5, "y": 0, "z": -0.3},
                 "objectType": "person", "confidence": %s}""".formatted(id, deviceId, VENUE, timestamp, x, z, confidence);
    }

    private static String referenceIn(String venue, String id, long timestamp, double confidence) {
        return """
                {"id": "%s", "deviceId": "d1", "venueId": "%s", "timestamp": %d,
                 "position": {"x": 1.0, "y": 0, "z": 2.0}, "velocity": {"x": 0, "y": 0, "z": 0},
                 "objectType": "person", "confidence": %s}""".formatted(id, venue, timestamp, confidence);
    }
}
