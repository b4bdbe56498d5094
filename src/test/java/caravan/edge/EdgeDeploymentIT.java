package caravan.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.deploy.SignedCommands;
import caravan.provider.ProviderMetadata;
import caravan.provider.ProviderStore;
import caravan.testing.HubClient;
import caravan.testing.MosquittoProcess;
import caravan.testing.PostgresProcess;
import caravan.testing.Services;

/**
 * The hub's side of deployments against the real Mosquitto and PostgreSQL: commissioning, the reference's
 * deploy-her document on the edge's command topic, and an agent (simulated by an MQTT client) reporting back.
 */
@CamelSpringBootTest
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// Its timeouts are seconds long: closed afterwards, so its timers do not fail other classes' deployments in the shared database.
@DirtiesContext
class EdgeDeploymentIT {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** The simulated agents pull nothing: their providers are registered pinned to a digest of their own. */
    private static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);
    /** How the audit and the deployments name the suite's bootstrap admin key. */
    private static final String SUITE_KEY_NAME = "CARAVAN_API_KEYS[0]";

    /**
     * A broker and a database of this class's own, a hub installation apart: on the suite's shared ones, the other
     * test classes' hubs take some of these edges' events (they share the subscription group) and run these
     * groups' waves (they share the database), so what this test reads of its own hub would depend on luck.
     */
    static MosquittoProcess broker;
    static PostgresProcess database;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) throws Exception {
        Services.register(registry, Services.tempDir("caravan-edge-it"));
        broker = MosquittoProcess.start(Services.tempDir("caravan-edge-it-broker"));
        database = PostgresProcess.start(Services.tempDir("caravan-edge-it-postgres"));
        registry.add("caravan.mqtt.broker-url", broker::url);
        registry.add("caravan.mqtt.username", broker::hubUser);
        registry.add("caravan.mqtt.password", broker::hubPassword);
        registry.add("spring.datasource.url", database::jdbcUrl);
        registry.add("spring.datasource.username", database::user);
        registry.add("spring.datasource.password", database::password);
        registry.add("caravan.edges.offline-after", () -> "2s");
        registry.add("caravan.edges.ack-timeout", () -> "3s");
        registry.add("caravan.edges.progress-timeout", () -> "6s");
        registry.add("caravan.edges.group-tick", () -> "300ms");
    }

    /** After the class's tests; its hub (DirtiesContext) is closed right after and reaches neither again. */
    @AfterAll
    static void stopBrokerAndDatabase() throws Exception {
        broker.close();
        database.close();
    }

    @Autowired
    TestRestTemplate http;
    @Autowired
    ProviderStore providerStore;
    @Autowired
    DeploymentStore deploymentStore;
    @Autowired
    MeterRegistry meters;

    /**
     * The hub records {@code dispatched} after sending the command, so an agent's first reports can arrive at the
     * same moment (from other hubs of the shared subscription, too): every step is filed, whatever the interleaving.
     */
    @Test
    void concurrentReportsForOneDeploymentAreAllFiled() throws Exception {
        List<String> reports = List.of("pulling", "starting", "running");
        ExecutorService reporters = Executors.newFixedThreadPool(1 + reports.size());
        try {
            for (int round = 0; round < 40; round++) {
                String deploymentId = UUID.randomUUID().toString();
                deploymentStore.insertPending(MAPPER.readTree("{\"deploymentId\": \"" + deploymentId + "\", "
                        + "\"edgeId\": \"race-edge\", \"venueId\": \"race-venue\", "
                        + "\"provider\": {\"providerId\": \"race-provider\"}}"), "race test");
                CyclicBarrier together = new CyclicBarrier(1 + reports.size());
                List<Future<?>> done = new ArrayList<>();
                done.add(reporters.submit(() -> {
                    together.await();
                    return deploymentStore.advance(deploymentId, "dispatched", "command sent");
                }));
                for (String status : reports) {
                    done.add(reporters.submit(() -> {
                        together.await();
                        return deploymentStore.advance(deploymentId, status, null, OffsetDateTime.now(ZoneOffset.UTC));
                    }));
                }
                for (Future<?> report : done) {
                    report.get(30, TimeUnit.SECONDS);
                }
                assertThat(deploymentStore.find(deploymentId).orElseThrow().history())
                        .extracting(DeploymentStore.Step::status)
                        .as("round %d", round)
                        .containsExactly("pending", "dispatched", "pulling", "starting", "running");
            }
        } finally {
            reporters.shutdownNow();
        }
    }

    @Test
    void deployHerSendsTheReferenceDocumentAndTracksWhatTheAgentReports() throws Exception {
        String edge = "edge-" + UUID.randomUUID().toString().substring(0, 8);
        String venue = "venue-" + UUID.randomUUID();
        String provider = "tracker-" + UUID.randomUUID().toString().substring(0, 8);
        put("/api/venues/" + venue, """
                {"name": "Hall A", "coordinateFrame": {"origin": "north-west corner", "units": "m"},
                 "venueBounds": {"minX": 0, "maxX": 60, "minZ": 0, "maxZ": 40}}""");
        put("/api/edges/" + edge, "{\"name\": \"Dock Pi\", \"venueId\": \"" + venue + "\", \"address\": \"100.64.0.7\", "
                + "\"labels\": {\"site\": \"hall-a\"}}");
        put("/api/edges/" + edge + "/lidars/LVX-001", """
                {"model": "Livox Mid-360", "extrinsics": {"x": 1.5, "y": 3.0, "z": 0.5, "roll": 0, "pitch": 0, "yaw": 90}}""");
        post("/api/algorithm-providers", "{\"providerId\": \"" + provider + "\", \"version\": \"1.2\", "
                + "\"dockerImage\": \"registry.example.com/vendor/tracker:1.2@" + DIGEST + "\"}");

        Agent agent = Agent.connect(edge, hubKey());
        try {
            agent.heartbeat();
            await().atMost(Duration.ofSeconds(10)).until(() -> get("/api/edges/" + edge).get("status").asText().equals("online"));
            assertThat(get("/api/edges/" + edge).get("agentVersion").asText()).isEqualTo("test-agent 1.0");

            ResponseEntity<JsonNode> accepted = post("/api/edge-commissioning/edge/" + edge + "/deploy-her",
                    "{\"venueId\": \"" + venue + "\", \"providerId\": \"" + provider + "\", "
                            + "\"mqttBrokerUrl\": \"mqtt://100.110.178.91:1883\"}");
            assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
            String deploymentId = accepted.getBody().get("deploymentId").asText();
            assertThat(accepted.getBody().get("statusUrl").asText()).isEqualTo("/api/deployments/" + deploymentId);

            JsonNode command = await().atMost(Duration.ofSeconds(10)).until(() -> agent.commands.isEmpty() ? null
                    : agent.commands.get(0), c -> c != null);
            assertThat(command.get("type").asText()).isEqualTo("deploy");
            JsonNode document = command.get("deployment");
            assertThat(document.get("deploymentId").asText()).isEqualTo(deploymentId);
            assertThat(document.get("edgeId").asText()).isEqualTo(edge);
            assertThat(document.get("venueId").asText()).isEqualTo(venue);
            assertThat(document.get("mqtt")).isEqualTo(MAPPER.readTree("{\"broker\": \"mqtt://100.110.178.91:1883\", "
                    + "\"topic\": \"hyperspace/trajectories/" + edge + "\", \"qos\": 1}"));
            assertThat(document.get("lidars")).isEqualTo(MAPPER.readTree("""
                    [{"model": "Livox Mid-360", "serial": "LVX-001",
                      "extrinsics": {"x": 1.5, "y": 3.0, "z": 0.5, "roll": 0, "pitch": 0, "yaw": 90}}]"""));
            assertThat(document.get("coordinateFrame").get("units").asText()).isEqualTo("m");
            assertThat(document.get("venueBounds").get("maxX").asInt()).isEqualTo(60);
            assertThat(document.get("provider").get("image").asText()).isEqualTo("registry.example.com/vendor/tracker:1.2@" + DIGEST);
            assertThat(document.get("provider").get("digest").asText()).isEqualTo(DIGEST);
            assertThat(document.get("resources").get("memory").asText()).isEqualTo("2g");
            assertThat(get("/api/deployments/" + deploymentId).get("status").asText()).isEqualTo("dispatched");

            for (String status : List.of("pulling", "starting", "running", "healthy")) {
                agent.status(deploymentId, status, status.equals("healthy") ? "publishing trajectories" : null);
            }
            agent.status(deploymentId, "failed", "a late report after the deployment finished");
            await().atMost(Duration.ofSeconds(10)).until(
                    () -> get("/api/deployments/" + deploymentId).get("status").asText().equals("healthy"));
            JsonNode deployment = get("/api/deployments/" + deploymentId);
            assertThat(deployment.get("history").findValuesAsText("status"))
                    .containsExactly("pending", "dispatched", "pulling", "starting", "running", "healthy");
            assertThat(deployment.get("history").get(0).get("at").asText()).isNotBlank();
            assertThat(get("/api/edges/" + edge + "/deployments").findValuesAsText("deploymentId")).contains(deploymentId);

            // A second deployment fails; rolling back dispatches the healthy one again under a new id.
            String second = post("/api/edge-commissioning/edge/" + edge + "/deploy-her", "{\"venueId\": \"" + venue
                    + "\", \"providerId\": \"" + provider + "\"}").getBody().get("deploymentId").asText();
            agent.status(second, "failed", "container exited with code 1");
            await().atMost(Duration.ofSeconds(10)).until(
                    () -> get("/api/deployments/" + second).get("status").asText().equals("failed"));
            assertThat(get("/api/deployments/" + second).get("error").asText()).isEqualTo("container exited with code 1");
            ResponseEntity<JsonNode> rollback = post("/api/edges/" + edge + "/rollback", "");
            assertThat(rollback.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
            String rollbackId = rollback.getBody().get("deploymentId").asText();
            JsonNode rollbackCommand = await().atMost(Duration.ofSeconds(10)).until(() -> agent.commands.stream()
                    .filter(c -> c.get("commandId").asText().equals(rollbackId)).findFirst().orElse(null), c -> c != null);
            assertThat(rollbackCommand.get("deployment").get("rollbackOf").asText()).isEqualTo(deploymentId);
            assertThat(rollbackCommand.get("deployment").get("provider")).isEqualTo(document.get("provider"));
            agent.status(rollbackId, "healthy", null);

            // Who did it: on the deployments, and in the audit trail with the endpoint and the outcome
            assertThat(get("/api/deployments/" + deploymentId).get("startedBy").asText()).isEqualTo(SUITE_KEY_NAME);
            assertThat(get("/api/deployments/" + rollbackId).get("startedBy").asText()).isEqualTo(SUITE_KEY_NAME);
            JsonNode deployAudit = HubClient.audit(http, SUITE_KEY_NAME,
                    "POST /api/edge-commissioning/edge/{edgeId}/deploy-her");
            assertThat(deployAudit.findValuesAsText("target")).contains("/api/edge-commissioning/edge/" + edge + "/deploy-her");
            assertThat(deployAudit.get(0).get("outcome").asText()).isEqualTo("202 done");
            JsonNode rollbackAudit = HubClient.audit(http, null, "POST /api/edges/{edgeId}/rollback");
            assertThat(rollbackAudit.get(0).get("target").asText()).isEqualTo("/api/edges/" + edge + "/rollback");
            assertThat(rollbackAudit.get(0).get("actor").asText()).isEqualTo(SUITE_KEY_NAME);

            await().atMost(Duration.ofSeconds(15)).until(() -> get("/api/edges/" + edge).get("status").asText().equals("offline"));
        } finally {
            agent.close();
        }
    }

    @Test
    void anEventTheHubCannotApplyIsCounted_andTheEdgesNextEventsStillApply() throws Exception {
        String edge = "edge-" + UUID.randomUUID().toString().substring(0, 8);
        Agent agent = Agent.connect(edge, hubKey());
        try {
            double unapplied = unappliedEvents();
            agent.status("no-such-deployment", "exploded", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> unappliedEvents() == unapplied + 1);

            agent.heartbeat();
            JsonNode registered = await().atMost(Duration.ofSeconds(10)).until(() -> get("/api/edges/" + edge),
                    e -> e.path("agentVersion").asText().equals("test-agent 1.0"));
            assertThat(registered.get("status").asText()).isEqualTo("online");
        } finally {
            agent.close();
        }
    }

    @Test
    void aDeployTheAgentRefusesAsExpiredFailsWithItsReason_andTheRefusalIsAudited() throws Exception {
        String edge = "edge-" + UUID.randomUUID().toString().substring(0, 8);
        String venue = "venue-" + UUID.randomUUID();
        String provider = "tracker-" + UUID.randomUUID().toString().substring(0, 8);
        put("/api/venues/" + venue, "{\"name\": \"Hall B\"}");
        put("/api/edges/" + edge, "{\"name\": \"Late Pi\", \"venueId\": \"" + venue + "\"}");
        post("/api/algorithm-providers", "{\"providerId\": \"" + provider + "\", \"version\": \"1\", "
                + "\"dockerImage\": \"registry.example.com/vendor/tracker:1@" + DIGEST + "\"}");
        Agent agent = Agent.connect(edge, hubKey());
        try {
            String deploymentId = post("/api/edge-commissioning/edge/" + edge + "/deploy-her", "{\"venueId\": \""
                    + venue + "\", \"providerId\": \"" + provider + "\"}").getBody().get("deploymentId").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> !agent.commands.isEmpty());
            agent.send("{\"type\": \"command-refused\", \"commandId\": \"" + deploymentId + "\", \"reason\": "
                    + "\"expired\", \"detail\": \"expired: the command expired at 2026-12-02T10:00:00Z\"}");

            JsonNode failed = await().atMost(Duration.ofSeconds(10)).until(() -> get("/api/deployments/" + deploymentId),
                    d -> d.get("status").asText().equals("failed"));
            assertThat(failed.get("error").asText())
                    .isEqualTo("refused by the edge's agent: expired: the command expired at 2026-12-02T10:00:00Z");
            JsonNode refusal = HubClient.audit(http, "edge " + edge, "command refused").get(0);
            assertThat(refusal.get("target").asText()).isEqualTo("caravan/edges/" + edge + "/commands " + deploymentId);
            assertThat(refusal.get("outcome").asText()).startsWith("expired: ");
            assertThat(meters.find("caravan.edges.commands.refused").tag("edge", edge).tag("reason", "expired")
                    .counter().count()).isEqualTo(1);
        } finally {
            agent.close();
        }
    }

    private double unappliedEvents() {
        Counter counter = meters.find("caravan.edges.events.unapplied").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void deployHerNamesWhatIsUnknownOrNotReady_andNeverHangs() throws Exception {
        String edge = "edge-" + UUID.randomUUID().toString().substring(0, 8);
        String venue = "venue-" + UUID.randomUUID();
        put("/api/venues/" + venue, "{\"name\": \"Hall B\"}");
        put("/api/edges/" + edge, "{\"venueId\": \"" + venue + "\"}");
        String building = "building-" + UUID.randomUUID().toString().substring(0, 8);
        providerStore.recordSubmission(new ProviderMetadata(building, building, "1", List.of("/bin/true"), List.of(),
                false, "22.04", "linux/amd64", null, List.of()), "build-1");

        assertError(deploy("no-such-edge", venue, building), HttpStatus.NOT_FOUND, "no edge no-such-edge");
        assertError(deploy(edge, "no-such-venue", building), HttpStatus.NOT_FOUND, "no venue no-such-venue");
        assertError(deploy(edge, venue, "no-such-provider"), HttpStatus.NOT_FOUND, "no provider no-such-provider");
        assertError(deploy(edge, venue, building), HttpStatus.CONFLICT,
                "provider " + building + " has no image yet: its build has not succeeded");
        assertError(post("/api/edges/" + edge + "/rollback", ""), HttpStatus.CONFLICT,
                "edge " + edge + " has no earlier healthy deployment to roll back to");

        // No agent on this edge: the deployment fails after the acknowledgement timeout instead of hanging.
        String image = "image-" + UUID.randomUUID().toString().substring(0, 8);
        post("/api/algorithm-providers", "{\"providerId\": \"" + image + "\", \"version\": \"1\", "
                + "\"dockerImage\": \"registry.example.com/vendor/x:1@" + DIGEST + "\"}");
        String unanswered = deploy(edge, venue, image).getBody().get("deploymentId").asText();
        JsonNode failed = await().atMost(Duration.ofSeconds(20)).until(() -> get("/api/deployments/" + unanswered),
                d -> d.get("status").asText().equals("failed"));
        assertThat(failed.get("error").asText()).startsWith("no agent acknowledged the deploy command within 3 s");

        // An agent that started the deploy and then went silent: the deployment fails after the progress timeout.
        Agent silent = Agent.connect(edge, hubKey());
        try {
            String interrupted = deploy(edge, venue, image).getBody().get("deploymentId").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> silent.commands.size() == 1);
            silent.status(interrupted, "pulling", "pulling registry.example.com/vendor/x:1");
            JsonNode stalled = await().atMost(Duration.ofSeconds(30)).until(() -> get("/api/deployments/" + interrupted),
                    d -> d.get("status").asText().equals("failed"));
            assertThat(stalled.get("error").asText()).startsWith("no status from the edge for 6 s");
            assertThat(stalled.get("history").findValuesAsText("status")).containsExactly("pending", "dispatched", "pulling", "failed");
        } finally {
            silent.close();
        }

        ResponseEntity<JsonNode> missing = post("/api/edge-commissioning/edge/" + edge + "/deploy-her", "{}");
        assertThat(missing.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(missing.getBody().get("problems").toString()).contains("venueId is required", "providerId is required");
        assertThat(put("/api/edges/" + edge, "{\"transport\": \"carrier-pigeon\"}").getStatusCode())
                .isEqualTo(HttpStatus.BAD_REQUEST);
        ResponseEntity<JsonNode> notJson = put("/api/edges/" + edge, "{\"transport\": ");
        assertThat(notJson.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(notJson.getBody().get("problems").toString()).contains("body is not valid JSON");
        ResponseEntity<JsonNode> nullBody = put("/api/edges/" + edge, "null");
        assertThat(nullBody.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(MAPPER.convertValue(nullBody.getBody().get("problems"), List.class))
                .containsExactly("body must be a JSON object");
        ResponseEntity<JsonNode> wrongShape = put("/api/edges/" + edge, "{\"transport\": \"ssh\", \"address\": \"edge-1\", "
                + "\"ssh\": {\"user\": \"caravan\", \"port\": \"twenty-two\"}}");
        assertThat(wrongShape.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(MAPPER.convertValue(wrongShape.getBody().get("problems"), List.class))
                .containsExactly("ssh.port must be a number");
    }

    private ResponseEntity<JsonNode> deploy(String edge, String venue, String provider) {
        return post("/api/edge-commissioning/edge/" + edge + "/deploy-her",
                "{\"venueId\": \"" + venue + "\", \"providerId\": \"" + provider + "\"}");
    }

    private static void assertError(ResponseEntity<JsonNode> response, HttpStatus status, String error) {
        assertThat(response.getStatusCode()).isEqualTo(status);
        assertThat(response.getBody().get("error").asText()).isEqualTo(error);
    }

    @Test
    void groupsRollOutInWavesWithPerEdgeValues_stopAtTheFailureLimit_andWaitForTheirTime() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String venue = "venue-" + run;
        String provider = "fleet-" + run;
        put("/api/venues/" + venue, "{\"name\": \"Fleet hall\"}");
        post("/api/algorithm-providers", "{\"providerId\": \"" + provider + "\", \"version\": \"2.0\", "
                + "\"dockerImage\": \"registry.example.com/vendor/fleet:2.0@" + DIGEST + "\"}");
        List<String> edges = List.of("fleet-" + run + "-a", "fleet-" + run + "-b", "fleet-" + run + "-c");
        List<Agent> agents = new java.util.ArrayList<>();
        for (String edge : edges) {
            put("/api/edges/" + edge, "{\"venueId\": \"" + venue + "\", \"labels\": {\"rollout\": \"" + run + "\"}}");
            agents.add(Agent.connect(edge, hubKey()));
        }
        try {
            ResponseEntity<JsonNode> invalid = post("/api/deployments", "{\"providerId\": \"" + provider + "\", "
                    + "\"edgeIds\": [\"no-such-edge\"], \"strategy\": {\"waveSize\": 0}, \"notBefore\": \"tomorrow\"}");
            assertThat(invalid.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(MAPPER.convertValue(invalid.getBody().get("problems"), List.class)).containsExactly(
                    "edgeIds names no-such-edge, which is not a known edge", "strategy.waveSize must be at least 1",
                    "notBefore must be an ISO-8601 time with offset, e.g. 2026-11-23T02:00:00Z");

            // Waves of two, chosen by label; the third edge gets its own environment.
            ResponseEntity<JsonNode> accepted = post("/api/deployments", "{\"providerId\": \"" + provider + "\", "
                    + "\"selector\": {\"rollout\": \"" + run + "\"}, \"mqttBrokerUrl\": \"mqtt://10.0.0.1:1883\", "
                    + "\"strategy\": {\"waveSize\": 2, \"maxFailures\": 1}, "
                    + "\"values\": {\"" + edges.get(2) + "\": {\"env\": {\"TRACKER_MODE\": \"night\"}}}}");
            assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
            String group = accepted.getBody().get("statusUrl").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> agents.get(0).commands.size() == 1
                    && agents.get(1).commands.size() == 1);
            JsonNode rolling = get(group);
            assertThat(rolling.get("status").asText()).isEqualTo("rolling");
            assertThat(rolling.get("edges").findValuesAsText("edgeId")).containsExactlyElementsOf(edges);
            assertThat(rolling.get("edges").get(2).get("status").asText()).isEqualTo("waiting");
            assertThat(agents.get(2).commands).isEmpty();
            assertThat(agents.get(0).commands.get(0).at("/deployment/env").isMissingNode()).isTrue();

            for (int i = 0; i < 2; i++) {
                reportHealthy(agents.get(i), agents.get(i).commands.get(0).at("/deployment/deploymentId").asText());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> agents.get(2).commands.size() == 1);
            JsonNode third = agents.get(2).commands.get(0).get("deployment");
            assertThat(third.at("/env/TRACKER_MODE").asText()).isEqualTo("night");
            assertThat(third.at("/mqtt/broker").asText()).isEqualTo("mqtt://10.0.0.1:1883");
            reportHealthy(agents.get(2), third.get("deploymentId").asText());
            await().atMost(Duration.ofSeconds(10)).until(() -> get(group).get("status").asText().equals("succeeded"));
            assertThat(get(group).get("edges").findValuesAsText("status")).containsOnly("healthy");

            // One at a time, stop at the first failure: the others are skipped and get nothing.
            String stopping = post("/api/deployments", "{\"providerId\": \"" + provider + "\", \"edgeIds\": "
                    + MAPPER.writeValueAsString(edges) + ", \"strategy\": {\"waveSize\": 1, \"maxFailures\": 1}}")
                    .getBody().get("statusUrl").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> agents.get(0).commands.size() == 2);
            agents.get(0).status(agents.get(0).commands.get(1).at("/deployment/deploymentId").asText(), "failed",
                    "image pull failed");
            await().atMost(Duration.ofSeconds(10)).until(() -> get(stopping).get("status").asText().equals("failed"));
            JsonNode stopped = get(stopping);
            assertThat(stopped.get("edges").findValuesAsText("status")).containsExactly("failed", "skipped", "skipped");
            assertThat(stopped.get("stoppedReason").asText()).contains("1 deployment(s) failed, the limit is 1");
            assertThat(agents.get(1).commands).hasSize(1);
            assertThat(agents.get(2).commands).hasSize(1);

            // Not before a given time.
            OffsetDateTime notBefore = OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(3);
            String scheduled = post("/api/deployments", "{\"providerId\": \"" + provider + "\", \"edgeIds\": [\""
                    + edges.get(1) + "\"], \"notBefore\": \"" + notBefore + "\"}").getBody().get("statusUrl").asText();
            assertThat(get(scheduled).get("status").asText()).isEqualTo("scheduled");
            await().atMost(Duration.ofSeconds(15)).until(() -> agents.get(1).commands.size() == 2);
            assertThat(OffsetDateTime.now(ZoneOffset.UTC)).isAfterOrEqualTo(notBefore);

            // A wave that cannot start (its edge became a device streaming commands) stops its group, naming why;
            // the other groups go on.
            String poisoned = post("/api/deployments", "{\"providerId\": \"" + provider + "\", \"edgeIds\": [\""
                    + edges.get(0) + "\", \"" + edges.get(1) + "\"], \"strategy\": {\"waveSize\": 1}}")
                    .getBody().get("statusUrl").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> agents.get(0).commands.size() == 3);
            put("/api/edges/" + edges.get(1), "{\"venueId\": \"" + venue + "\", \"transport\": \"sse\"}");
            reportHealthy(agents.get(0), agents.get(0).commands.get(2).at("/deployment/deploymentId").asText());
            post("/api/deployments", "{\"providerId\": \"" + provider + "\", \"edgeIds\": [\"" + edges.get(2)
                    + "\"]}");
            await().atMost(Duration.ofSeconds(10)).until(() -> agents.get(2).commands.size() == 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> get(poisoned).get("status").asText().equals("failed"));
            assertThat(get(poisoned).get("stoppedReason").asText()).startsWith("the next wave could not start: edge "
                    + edges.get(1) + " is a device streaming commands");
            assertThat(get(poisoned).get("edges").findValuesAsText("status")).containsExactly("healthy", "skipped");
        } finally {
            for (Agent agent : agents) {
                agent.close();
            }
        }
    }

    private static void reportHealthy(Agent agent, String deploymentId) throws Exception {
        for (String status : List.of("pulling", "starting", "running", "healthy")) {
            agent.status(deploymentId, status, null);
        }
    }

    private ECPublicKey hubKey() {
        return SignedCommands.publicKey(get("/api/hub/command-key").get("publicKey").asText());
    }

    private JsonNode get(String path) {
        return HubClient.getJson(http, path);
    }

    private ResponseEntity<JsonNode> put(String path, String json) {
        return HubClient.putJson(http, path, json);
    }

    private ResponseEntity<JsonNode> post(String path, String json) {
        return HubClient.postJson(http, path, json);
    }

    static final class Agent {
        final List<JsonNode> commands = new CopyOnWriteArrayList<>();
        final MqttClient client;
        final String edgeId;

        private Agent(MqttClient client, String edgeId) {
            this.client = client;
            this.edgeId = edgeId;
        }

        /** Takes only commands signed with {@code hubKey} for this edge, as the real agent does. */
        static Agent connect(String edgeId, ECPublicKey hubKey) throws Exception {
            Agent agent = new Agent(new MqttClient(broker.url(), "agent-" + edgeId, new MemoryPersistence()), edgeId);
            agent.client.connect(broker.hubLogin()); // as the hub: these tests are about what it makes of events
            // The (topic, qos, listener) overload of Paho 1.2.5 recurses forever; the array form does not.
            agent.client.subscribe(new MqttSubscription[] {new MqttSubscription("caravan/edges/" + edgeId + "/commands", 1)},
                    new IMqttMessageListener[] {(topic, message) -> agent.commands.add(MAPPER.readTree(
                            SignedCommands.verify(hubKey, edgeId, null, new String(message.getPayload(),
                                    StandardCharsets.UTF_8), Instant.now())))});
            return agent;
        }

        void heartbeat() throws Exception {
            send("{\"type\": \"heartbeat\", \"agentVersion\": \"test-agent 1.0\", \"dockerVersion\": \"28.2.2\"}");
        }

        void status(String deploymentId, String status, String detail) throws Exception {
            // As the real agent does: when it happened, so hubs can order reports that reach them out of order.
            send("{\"type\": \"deployment-status\", \"deploymentId\": \"" + deploymentId + "\", \"status\": \"" + status
                    + "\", \"at\": " + System.currentTimeMillis()
                    + (detail == null ? "" : ", \"detail\": \"" + detail + "\"") + "}");
        }

        void send(String json) throws Exception {
            MqttMessage message = new MqttMessage(json.getBytes(StandardCharsets.UTF_8));
            message.setQos(1);
            client.publish("caravan/edges/" + edgeId + "/events", message);
        }

        void close() throws Exception {
            client.disconnect();
            client.close();
        }
    }
}
