package caravan.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.testing.CapturedLogs;
import caravan.testing.DeviceSimulator;
import caravan.testing.HubProcess;
import caravan.testing.ServiceProcess;
import caravan.testing.Services;

/**
 * The device command channel on a real hub over real HTTP and PostgreSQL: streams, durable commands, triggers,
 * captures, refusals, keepalives and trigger schedules, and a second hub (the jar) on the same database and broker,
 * with devices simulated as the reference's clients behave.
 */
@CamelSpringBootTest
@AutoConfigureObservability // Prometheus as in the real run
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class DeviceChannelIT {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String RUN = "cam-" + UUID.randomUUID().toString().substring(0, 8);
    static final Path DATA_DIR = Services.tempDir("caravan-devices-it");
    static final Duration KEEPALIVE = Duration.ofSeconds(1);
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, DATA_DIR);
        registry.add("caravan.devices.keepalive", () -> KEEPALIVE.toMillis() + "ms");
        registry.add("caravan.devices.retry", () -> "1s");
        registry.add("caravan.devices.command-ttl", () -> "8s");
        registry.add("caravan.devices.expiry-check", () -> "500ms");
        registry.add("caravan.devices.redeliver-check", () -> "1s");
        registry.add("caravan.devices.max-capture-size", () -> "200KB");
    }

    @LocalServerPort
    int port;
    @Autowired
    CommandStreams streams;

    @AfterAll
    static void forgetDevices() {
        Services.forgetEdges(RUN);
    }

    @Test
    void connectedDevice_receivesTheTrigger_acknowledges_uploads_andTheStatusShowsIt() throws Exception {
        String device = RUN + "-lobby";
        String token = register(device, Map.of("site", RUN));
        try (DeviceSimulator camera = simulator(device, token, true).connect(null);
                CapturedLogs logs = CapturedLogs.start()) {
            await().until(() -> status(device).get("connected").asBoolean());

            JsonNode trigger = trigger(device, 202);
            assertThat(trigger.get("status").asText()).isEqualTo("sent");
            assertThat(trigger.get("device_id").asText()).isEqualTo(device);
            String triggerId = trigger.get("trigger_id").asText();

            await().until(() -> camera.capturesUploaded().size() == 1);
            // the trigger's id correlates its command and its capture in the logs
            await().untilAsserted(() -> assertThat(logs.withMdc("CaravanTriggerId", triggerId))
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .anyMatch(line -> line.startsWith("Command " + trigger.get("command_id").asText() + " sent"))
                    .anyMatch(line -> line.startsWith("Capture " + camera.capturesUploaded().get(0))));
            DeviceSimulator.Event command = camera.commands().get(0);
            assertThat(command.id()).isNotBlank();
            assertThat(command.data().get("command_id").asText()).isEqualTo(trigger.get("command_id").asText());
            assertThat(command.data().get("type").asText()).isEqualTo("capture");
            assertThat(command.data().get("trigger_id").asText()).isEqualTo(triggerId);
            assertThat(OffsetDateTime.parse(command.data().get("expires_at").asText()))
                    .isAfter(OffsetDateTime.parse(command.data().get("created_at").asText()));

            String captureId = camera.capturesUploaded().get(0);
            JsonNode capture = get("/api/captures/" + captureId);
            assertThat(capture.get("trigger_id").asText()).isEqualTo(triggerId);
            assertThat(capture.get("content_type").asText()).isEqualTo("image/jpeg");
            assertThat(capture.get("width").asInt()).isEqualTo(160);
            assertThat(capture.get("height").asInt()).isEqualTo(120);
            assertThat(capture.get("flag").isNull()).isTrue();
            HttpResponse<byte[]> image = HTTP.send(operator("/api/captures/" + captureId + "/image").build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(image.headers().firstValue("Content-Type").orElseThrow()).startsWith("image/jpeg");
            assertThat(image.body()).isEqualTo(DeviceSimulator.jpeg(device + " " + triggerId));
            assertThat(get("/api/captures?deviceId=" + device).size()).isEqualTo(1);

            JsonNode commandNow = get("/api/devices/" + device + "/commands/" + trigger.get("command_id").asText());
            assertThat(commandNow.get("status").asText()).isEqualTo("done");
            assertThat(commandNow.get("sentAt").isNull()).isFalse();
            assertThat(commandNow.get("acknowledgedAt").isNull()).isFalse();

            JsonNode status = status(device);
            assertThat(status.get("lastCaptureId").asText()).isEqualTo(captureId);
            assertThat(status.get("captures24h").asLong()).isEqualTo(1);
            assertThat(status.get("triggers24h").asLong()).isEqualTo(1);
            assertThat(status.get("successRate").asDouble()).isEqualTo(1.0);
            assertThat(status.get("averageLatencyMs24h").asLong()).isGreaterThanOrEqualTo(0);
            JsonNode history = status.get("recentTriggers").get(0);
            assertThat(history.get("triggerId").asText()).isEqualTo(triggerId);
            assertThat(history.get("outcome").asText()).isEqualTo("captured");
            assertThat(history.get("latencyMs").asLong()).isEqualTo(capture.get("latency_ms").asLong());
            assertThat(status.get("connectedSince").isNull()).isFalse();
            assertThat(MAPPER.readTree(getText("/api/devices/status")).findValuesAsText("deviceId")).contains(device);

            String metrics = getText("/actuator/prometheus");
            assertThat(metrics).contains("caravan_devices_trigger_capture_seconds_bucket")
                    .contains("caravan_devices_trigger_command_seconds_bucket").contains("caravan_devices_connected")
                    .contains("caravan_devices_commands{status=\"done\"");
        }
        await().until(() -> !status(device).get("connected").asBoolean());
        assertThat(get("/api/edges/" + device).get("status").asText()).isEqualTo("offline");
    }

    @Test
    void offlineDevice_getsItsCommandOnConnect_expiredOnesNever_andReconnectsRepeatNothingAcknowledged()
            throws Exception {
        String device = RUN + "-yard";
        String token = register(device, Map.of());
        JsonNode expiring = trigger(device, 202);
        assertThat(expiring.get("status").asText()).isEqualTo("queued");
        await().atMost(Duration.ofSeconds(20)).until(() -> command(device, expiring).get("status").asText()
                .equals("expired"));

        JsonNode first = trigger(device, 202);
        JsonNode second = trigger(device, 202);
        try (DeviceSimulator camera = simulator(device, token, false).connect(null)) {
            await().until(() -> camera.commands().size() == 2);
            assertThat(camera.commandIds()).containsExactly(first.get("command_id").asText(),
                    second.get("command_id").asText());
            assertThat(camera.ack(first.get("command_id").asText(), "received", "on it")).isEqualTo(200);
            assertThat(command(device, first).get("status").asText()).isEqualTo("acknowledged");
            assertThat(command(device, second).get("status").asText()).isEqualTo("sent");

            // dropped and back without Last-Event-ID: what was not acknowledged comes again, nothing else
            camera.disconnect();
            JsonNode third = trigger(device, 202);
            camera.connect(null);
            await().until(() -> camera.commands().size() == 4);
            assertThat(camera.commandIds().subList(2, 4)).containsExactly(second.get("command_id").asText(),
                    third.get("command_id").asText());

            // with Last-Event-ID: only what came after it
            long lastEventId = camera.lastEventId();
            camera.disconnect();
            JsonNode fourth = trigger(device, 202);
            camera.connect(lastEventId);
            await().until(() -> camera.commands().size() == 5);
            assertThat(camera.commandIds().get(4)).isEqualTo(fourth.get("command_id").asText());
            assertThat(camera.commandIds()).doesNotContain(expiring.get("command_id").asText());

            // a second stream of the same device replaces the first
            try (DeviceSimulator again = simulator(device, token, false).connect(lastEventId)) {
                await().until(() -> camera.endedBecause() != null);
                JsonNode fifth = trigger(device, 202);
                await().until(() -> again.commandIds().contains(fifth.get("command_id").asText()));
                assertThat(camera.commandIds()).doesNotContain(fifth.get("command_id").asText());
            }
        }
    }

    @Test
    void credentialsAreCheckedFirst_andBadCapturesAreRefusedWithNothingStored() throws Exception {
        String device = RUN + "-gate";
        String other = RUN + "-dock";
        String token = register(device, Map.of());
        String otherToken = register(other, Map.of());

        for (String id : List.of(device, RUN + "-nobody")) {
            HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(uri("/v1/devices/" + id + "/commands"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).as(id).isEqualTo(401);
            assertThat(anonymous.body()).contains("authentication required");
        }
        HttpResponse<String> othersStream = HTTP.send(HttpRequest.newBuilder(uri("/v1/devices/" + device + "/commands"))
                .header("Authorization", "Bearer " + otherToken).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(othersStream.statusCode()).isEqualTo(403);
        assertThat(othersStream.body()).contains("device " + other);
        HttpResponse<String> forged = HTTP.send(HttpRequest.newBuilder(uri("/v1/devices/" + device + "/commands"))
                .header("Authorization", "Bearer cvd_not-a-token").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.body()).contains("device token refused");

        DeviceSimulator camera = simulator(device, token, false);
        HttpResponse<String> forOther = camera.uploadCapture(other, null);
        assertThat(forOther.statusCode()).isEqualTo(403);
        assertThat(forOther.body()).contains("may not upload a capture for device " + other);

        byte[] corrupt = DeviceSimulator.jpeg("half");
        HttpResponse<String> truncated = camera.uploadImage(device, null,
                Arrays.copyOf(corrupt, corrupt.length / 3));
        assertThat(truncated.statusCode()).isEqualTo(400);
        assertThat(truncated.body()).contains("image does not decode");
        HttpResponse<String> notImage = camera.uploadImage(device, null, "GIF89a-pretending".getBytes());
        assertThat(notImage.statusCode()).isEqualTo(400);
        assertThat(notImage.body()).contains("neither a JPEG nor a PNG");
        byte[] large = new byte[300 * 1024];
        new Random(7).nextBytes(large);
        HttpResponse<String> oversized = camera.uploadImage(device, null, large);
        assertThat(oversized.statusCode()).isEqualTo(413);
        assertThat(oversized.body()).contains("caravan.devices.max-capture-size");
        assertThat(get("/api/captures?deviceId=" + device).size()).as("nothing stored").isZero();

        HttpResponse<String> unknownTrigger = camera.uploadCapture(device, "no-such-trigger");
        assertThat(unknownTrigger.statusCode()).isEqualTo(201);
        assertThat(MAPPER.readTree(unknownTrigger.body()).get("flag").asText()).isEqualTo("unknown-trigger");

        HttpResponse<String> missing = HTTP.send(operator("/v1/devices/" + RUN + "-nobody/trigger")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("no device " + RUN + "-nobody");
        assertThat(camera.ack(UUID.randomUUID().toString(), "received", null)).isEqualTo(404);
    }

    @Test
    void keepalivesArriveWithinTheInterval_soAClientWithAReadTimeoutStaysConnected() throws Exception {
        String device = RUN + "-quiet";
        String token = register(device, Map.of());
        // read timeout at 2.3 keepalives: the reference's 70 s against 30 s
        try (DeviceSimulator camera = new DeviceSimulator("http://127.0.0.1:" + port, device, token,
                KEEPALIVE.multipliedBy(23).dividedBy(10), false).connect(null)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> camera.keepalives() >= 12);
            assertThat(camera.endedBecause()).isNull();
            assertThat(camera.connections()).isEqualTo(1);
            assertThat(camera.events().get(0).name()).isEqualTo("connected");
        }
    }

    @Test
    void schedule_firesOnTime_forEverySelectedDevice_andStopsWhenDeleted() throws Exception {
        String device = RUN + "-roof";
        String token = register(device, Map.of("schedule", RUN));
        try (DeviceSimulator camera = simulator(device, token, true).connect(null)) {
            HttpResponse<String> bad = send("POST", "/api/trigger-schedules", "{\"selector\": {\"schedule\": \""
                    + RUN + "\"}, \"cron\": \"every minute\", \"timezone\": \"Mars/Base\"}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("not a Quartz cron expression").contains("Mars/Base is not a time zone");

            String scheduleId = schedule(port, "{\"selector\": {\"schedule\": \"" + RUN
                    + "\"}, \"cron\": \"0/2 * * * * ?\", \"timezone\": \"Europe/Berlin\"}");
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> camera.capturesUploaded().size() >= 3);
                // not the first: Quartz fires at once a time that fell due in the second before the schedule was made
                List<Duration> lateness = scheduled(camera, scheduleId).stream().skip(1).map(fired -> Duration.between(
                        Instant.parse(fired.data().get("params").get("scheduled_for").asText()), fired.receivedAt()))
                        .toList();
                assertThat(lateness).as("sent when due").allSatisfy(late ->
                        assertThat(late).isBetween(Duration.ZERO, Duration.ofSeconds(1)));
                JsonNode schedule = get("/api/trigger-schedules/" + scheduleId);
                assertThat(schedule.get("lastFiredAt").isNull()).isFalse();
                assertThat(schedule.get("nextFireAt").isNull()).isFalse();
                assertThat(status(device).get("recentTriggers").get(0).get("source").asText())
                        .isEqualTo("schedule:" + scheduleId);
            } finally {
                assertThat(send("DELETE", "/api/trigger-schedules/" + scheduleId, null).statusCode()).isEqualTo(200);
            }
            int afterDelete = camera.commands().size();
            // two more periods with the schedule gone: nothing more arrives (at most a firing already under way)
            await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                    .until(() -> camera.commands().size() <= afterDelete + 1);
            assertThat(send("GET", "/api/trigger-schedules/" + scheduleId, null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void twoHubs_aTriggerOnOneReachesTheStreamHeldByTheOther_andARestartedHubSendsWhatWasQueued() throws Exception {
        String device = RUN + "-hall";
        String token = register(device, Map.of());
        int portB = HubProcess.freePort();
        Path dataB = Services.tempDir("caravan-devices-hub-b");
        Map<String, String> env = HubProcess.trajectoryEnvironment(RUN, Services.jdbcUrl(), Services.jdbcUser(),
                Services.jdbcPassword());
        env.put("CARAVAN_DEVICE_KEEPALIVE", "1s");
        // hub B's redelivery sweep is too slow to matter: only the notice through the broker can bring a command
        env.put("CARAVAN_DEVICES_REDELIVERCHECK", "10m");
        ServiceProcess hubB = HubProcess.start(dataB, portB, env);
        try {
            try (DeviceSimulator camera = new DeviceSimulator("http://127.0.0.1:" + portB, device, token,
                    Duration.ofSeconds(70), true).connect(null)) {
                await().until(() -> status(device).get("connected").asBoolean());
                assertThat(status(device).get("streamHub").asText()).isNotEqualTo(streams.hubId());

                JsonNode trigger = trigger(device, 202);
                await().atMost(Duration.ofSeconds(5)).until(() -> camera.capturesUploaded().size() == 1);
                // uploaded to hub B, seen from this hub: one database
                assertThat(command(device, trigger).get("status").asText()).isEqualTo("done");
                assertThat(status(device).get("successRate").asDouble()).isEqualTo(1.0);

                // a schedule made on hub B, both hubs running Quartz on one database: each firing happens once
                String scheduleId = schedule(portB, "{\"deviceIds\": [\"" + device + "\"], \"cron\": \"* * * * * ?\"}");
                try {
                    await().atMost(Duration.ofSeconds(20)).until(() -> scheduled(camera, scheduleId).size() >= 6);
                } finally {
                    assertThat(send("DELETE", "/api/trigger-schedules/" + scheduleId, null).statusCode())
                            .isEqualTo(200);
                }
                List<String> firings = scheduled(camera, scheduleId).stream()
                        .map(event -> event.data().get("params").get("scheduled_for").asText()).toList();
                assertThat(firings).as("one command per firing, whichever hub fired it").doesNotHaveDuplicates();

                // the device moves to this hub: its stream on hub B ends
                try (DeviceSimulator moved = simulator(device, token, false).connect(camera.lastEventId())) {
                    await().until(() -> camera.endedBecause() != null);
                    assertThat(status(device).get("streamHub").asText()).isEqualTo(streams.hubId());
                }
            }
            await().until(() -> !status(device).get("connected").asBoolean());

            // accepted by hub B while the device is away, then hub B restarts: the command waits in the database
            HttpResponse<String> queued = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + portB
                            + "/v1/devices/" + device + "/trigger")).header(Services.API_KEY_HEADER, Services.ADMIN_KEY)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(queued.statusCode()).as(queued.body()).isEqualTo(202);
            JsonNode accepted = MAPPER.readTree(queued.body());
            assertThat(accepted.get("status").asText()).isEqualTo("queued");
            hubB.close();
            hubB = HubProcess.start(dataB, portB, env);
            try (DeviceSimulator back = new DeviceSimulator("http://127.0.0.1:" + portB, device, token,
                    Duration.ofSeconds(70), false).connect(null)) {
                await().until(() -> back.commandIds().contains(accepted.get("command_id").asText()));
            }
        } finally {
            hubB.close();
        }
    }

    /** Creates a trigger schedule on the hub at that port and answers its id. */
    private String schedule(int hubPort, String json) throws Exception {
        HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hubPort
                        + "/api/trigger-schedules")).header(Services.API_KEY_HEADER, Services.ADMIN_KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return MAPPER.readTree(created.body()).get("scheduleId").asText();
    }

    /** The commands a schedule sent to the device. */
    private static List<DeviceSimulator.Event> scheduled(DeviceSimulator camera, String scheduleId) {
        return camera.commands().stream()
                .filter(event -> scheduleId.equals(event.data().path("params").path("schedule_id").asText()))
                .toList();
    }

    private DeviceSimulator simulator(String device, String token, boolean respond) {
        return new DeviceSimulator("http://127.0.0.1:" + port, device, token, Duration.ofSeconds(70), respond);
    }

    /** Registers a streaming device and answers the token it was given, once. */
    private String register(String device, Map<String, String> labels) throws Exception {
        HttpResponse<String> saved = send("PUT", "/api/edges/" + device, MAPPER.writeValueAsString(
                Map.of("transport", "sse", "labels", labels)));
        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        JsonNode edge = MAPPER.readTree(saved.body());
        assertThat(edge.get("transport").asText()).isEqualTo("sse");
        HttpResponse<String> again = send("PUT", "/api/edges/" + device, MAPPER.writeValueAsString(
                Map.of("transport", "sse", "labels", labels)));
        assertThat(MAPPER.readTree(again.body()).has("deviceToken")).as("the token is shown once").isFalse();
        return edge.get("deviceToken").asText();
    }

    private JsonNode trigger(String device, int expectedStatus) throws Exception {
        HttpResponse<String> response = send("POST", "/v1/devices/" + device + "/trigger", null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
        return MAPPER.readTree(response.body());
    }

    private JsonNode command(String device, JsonNode trigger) throws Exception {
        return get("/api/devices/" + device + "/commands/" + trigger.get("command_id").asText());
    }

    private JsonNode status(String device) throws Exception {
        return get("/api/devices/" + device + "/status");
    }

    private JsonNode get(String path) throws Exception {
        return MAPPER.readTree(getText(path));
    }

    private String getText(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = send("GET", path, null);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    private HttpResponse<String> send(String method, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder request = operator(path);
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder operator(String path) {
        return HttpRequest.newBuilder(uri(path)).header(Services.API_KEY_HEADER, Services.ADMIN_KEY);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
