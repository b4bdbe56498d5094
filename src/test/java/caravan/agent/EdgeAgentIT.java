package caravan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.deploy.ClaimCode;
import caravan.security.CommandSigningKey;
import caravan.testing.CapturedLogs;
import caravan.testing.EdgeAgentProcess;
import caravan.testing.HubClient;
import caravan.testing.Services;
import caravan.testing.TestCommandSigner;
import caravan.testing.TestWorkloads;
import caravan.testing.TrackerDeployments;

/**
 * The packaged edge agent ({@code edge-agent/target/caravan-edge-agent}, started as on a device) against the hub, the real
 * Mosquitto, Docker engine and registry: installation with the edge's credential and the hub's command key, the
 * simulator, deploy-her with pull-before-replace and the health gate, automatic rollback of a provider that fails
 * it, container operations, and commands that are not the hub's (unsigned, signed with another key, for another
 * edge, expired, replayed) refused and reported while the provider keeps running. Pull credentials never cross the
 * broker readable.
 */
@CamelSpringBootTest
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class EdgeAgentIT {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String EDGE = "agent-it-" + RUN;
    static final String CONTAINER = "her-provider-" + EDGE;
    static final String TRACKER_REPOSITORY = Services.registry() + "/caravan-test/tracker-" + RUN;
    static final String GOOD_IMAGE = TRACKER_REPOSITORY + ":ok";
    static final String FAILING_IMAGE = TRACKER_REPOSITORY + ":crash";
    static final String WORKLOAD_REPOSITORY = Services.registry() + "/caravan-it/agent-workload-" + RUN;
    static final String WORKLOAD_IMAGE = WORKLOAD_REPOSITORY + ":1";
    static final Path AGENT_LOG = Path.of("target", "edge-agent-it.log");
    static final Path AGENT_STATE = Services.tempDir("caravan-agent-state");

    static EdgeAgentProcess agent;
    static MqttClient observer;
    static final List<JsonNode> trajectories = new CopyOnWriteArrayList<>();
    /** Every message on the broker while the test runs, as a client subscribed to {@code #} sees it. */
    static final List<String> everything = new CopyOnWriteArrayList<>();
    /** The commands the hub sent the edge, as they crossed the broker. */
    static final List<String> commands = new CopyOnWriteArrayList<>();

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, Services.tempDir("caravan-agent-it"));
        registry.add("caravan.edges.health-window", () -> "5s");
        registry.add("caravan.edges.health-requires-trajectories", () -> "true");
    }

    @Autowired
    TestRestTemplate http;

    /** Two provider images in the registry and not on the engine, so the agent must pull them with credentials. */
    @BeforeAll
    static void providerImagesAndAgent() throws Exception {
        TrackerDeployments.pushImages(GOOD_IMAGE, FAILING_IMAGE);
        TestWorkloads.push(WORKLOAD_IMAGE, "agent");

        observer = new MqttClient(Services.mqttUrl(), "agent-it-observer-" + RUN, new MemoryPersistence());
        observer.connect(Services.mqttHubLogin());
        observer.subscribe(new MqttSubscription[] {new MqttSubscription("hyperspace/trajectories/" + EDGE, 0),
                        new MqttSubscription("caravan/edges/" + EDGE + "/commands", 1), new MqttSubscription("#", 0)},
                new IMqttMessageListener[] {(topic, message) -> trajectories.add(MAPPER.readTree(message.getPayload())),
                        (topic, message) -> commands.add(new String(message.getPayload(), StandardCharsets.UTF_8)),
                        (topic, message) -> everything.add(new String(message.getPayload(), StandardCharsets.UTF_8))});
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (observer != null) {
            observer.disconnect();
            observer.close();
        }
        Services.run("docker", "rm", "-f", CONTAINER);
        TestWorkloads.removeContainersAndImages(RUN, WORKLOAD_REPOSITORY, TRACKER_REPOSITORY);
        Services.forgetEdges(EDGE);
    }

    @Autowired
    CommandSigningKey hubKey;

    @Test
    void deploysWithTheHealthGate_rollsBackAFailingProvider_refusesWhatIsNotTheHubs_andOperatesTheContainer()
            throws Exception {
        // Commissioned as an installer would: registered, then the agent given its credential and the hub's key.
        String venue = "venue-" + RUN;
        HubClient.putJson(http, "/api/venues/" + venue, "{\"name\": \"Hall\", \"coordinateFrame\": {\"units\": \"m\"}, "
                + "\"venueBounds\": {\"minX\": 0, \"maxX\": 60, \"minZ\": 0, \"maxZ\": 40}}");
        HubClient.putJson(http, "/api/edges/" + EDGE, "{\"name\": \"Agent IT\", \"venueId\": \"" + venue + "\"}");
        Map<String, String> env = new HashMap<>(HubClient.installAgent(http, EDGE, AGENT_STATE.getParent()));
        env.putAll(Map.of("CARAVAN_AGENT_CONTAINER_NAME", CONTAINER, "CARAVAN_AGENT_SIMULATOR_INTERVAL_MS", "200",
                "CARAVAN_AGENT_MIN_FREE_DISK_MB", "64"));
        agent = EdgeAgentProcess.start(EDGE, Services.mqttUrl(), AGENT_STATE, AGENT_LOG, env);

        // The agent reports in and, with nothing deployed, simulates trajectories in the reference's format.
        JsonNode edge = await().atMost(Duration.ofSeconds(60)).until(() -> get("/api/edges/" + EDGE),
                e -> e != null && "online".equals(e.path("status").asText()));
        assertThat(edge.path("agentVersion").asText()).startsWith("caravan-edge-agent ");
        assertThat(edge.path("dockerVersion").asText()).isNotBlank();
        // With its heartbeat it reports what it can hold.
        JsonNode capabilities = edge.path("capabilities");
        assertThat(capabilities.path("arch").asText()).isEqualTo(run("docker", "info", "--format", "{{.Architecture}}").strip());
        assertThat(capabilities.path("cpus").asInt()).isPositive();
        assertThat(capabilities.path("memoryMb").asLong()).isPositive();
        assertThat(capabilities.path("freeDiskMb").asLong()).isPositive();
        assertThat(capabilities.path("gpu").isBoolean()).isTrue();
        assertThat(capabilities.path("dockerVersion").asText()).isEqualTo(edge.path("dockerVersion").asText());
        await().atMost(Duration.ofSeconds(20)).until(() -> trajectories.stream().anyMatch(t -> t.path("simulated").asBoolean()));
        JsonNode simulated = trajectories.get(0);
        assertThat(simulated.path("deviceId").asText()).isEqualTo(EDGE);
        assertThat(simulated.path("position").has("x")).isTrue();
        assertThat(simulated.path("objectType").asText()).isEqualTo("person");

        HubClient.putJson(http, "/api/edges/" + EDGE + "/lidars/LVX-9", "{\"model\": \"Livox Mid-360\", "
                + "\"extrinsics\": {\"x\": 1, \"y\": 2, \"z\": 3, \"roll\": 0, \"pitch\": 0, \"yaw\": 0}}");
        TrackerDeployments.registerProvider(http, "tracker-ok-" + RUN, GOOD_IMAGE);
        TrackerDeployments.registerProvider(http, "tracker-crash-" + RUN, FAILING_IMAGE);

        // A provider that keeps running and publishes passes the gate.
        String good;
        JsonNode healthy;
        try (CapturedLogs logs = CapturedLogs.start()) {
            good = deploy(venue, "tracker-ok-" + RUN);
            healthy = awaitFinal(good);
            // the deployment's id correlates its dispatch and the agent's reports in the logs
            assertThat(logs.withMdc("CaravanDeploymentId", good)).extracting(ILoggingEvent::getFormattedMessage)
                    .contains("Deployment " + good + " dispatched to edge " + EDGE,
                            "Deployment " + good + " on edge " + EDGE + ": running");
        }
        assertThat(healthy.path("status").asText()).as("%s", healthy).isEqualTo("healthy");
        assertThat(healthy.path("history").findValuesAsText("status"))
                .containsExactly("pending", "dispatched", "pulling", "starting", "running", "healthy");
        assertThat(healthy.path("history").get(5).path("detail").asText()).contains("trajectories received");

        TrackerDeployments.assertReferenceContainer(inspect(), EDGE, venue, good, TrackerDeployments.pinned(GOOD_IMAGE));
        JsonNode config = MAPPER.readTree(run("docker", "exec", CONTAINER, "cat", "/config/extrinsics.json"));
        assertThat(config).isEqualTo(get("/api/deployments/" + good).path("document"));
        // The deploy stopped the simulator: what arrives now is the provider's.
        int seen = trajectories.size();
        await().atMost(Duration.ofSeconds(10)).until(() -> trajectories.size() > seen + 2);
        // A snapshot: a sublist of the live list fails when a track arrives meanwhile.
        assertThat(trajectories.stream().skip(seen + 1)).allMatch(t -> !t.path("simulated").asBoolean());

        // A provider that exits fails the gate, and the healthy one is back.
        String crashing = deploy(venue, "tracker-crash-" + RUN);
        TrackerDeployments.assertFailedAndRolledBack(awaitFinal(crashing), good);
        JsonNode restored = inspect();
        assertThat(restored.at("/Config/Labels/caravan.deployment").asText()).isEqualTo(good);
        assertThat(restored.at("/State/Running").asBoolean()).isTrue();

        // Named workloads beside the provider, through the agent: each with its own limits, its secret sealed on the
        // way (no broker client reads it), health checked by the agent; stopped, started, restarted, deleted, while
        // the provider runs on untouched.
        String providerStarted = inspect().at("/State/StartedAt").asText();
        String secret = "s3cret-" + RUN;
        List<String> workloads = new ArrayList<>();
        for (String[] limits : List.of(new String[] {"0.25", "64m", "32"}, new String[] {"0.5", "96m", "48"})) {
            String name = "agent-workload-" + RUN + "-" + workloads.size();
            int port = TestWorkloads.freePort();
            String check = workloads.isEmpty()
                    ? "{\"type\": \"http\", \"port\": " + port + ", \"path\": \"/health\", \"intervalSeconds\": 1}"
                    : "{\"type\": \"command\", \"command\": [\"test\", \"-e\", \"/etc/workload-variant\"], "
                            + "\"intervalSeconds\": 1}";
            ResponseEntity<JsonNode> created = HubClient.postJson(http, "/api/workloads", TestWorkloads.onEdge(name,
                    EDGE, WORKLOAD_IMAGE, port, secret, limits[0], limits[1], limits[2], check));
            assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.ACCEPTED);
            workloads.add(created.getBody().get("workloadId").asText());
        }
        for (int i = 0; i < workloads.size(); i++) {
            String id = workloads.get(i);
            JsonNode workload = await().atMost(Duration.ofMinutes(2)).until(() -> get("/api/workloads/" + id),
                    w -> w.path("status").asText().matches("running|failed") && !w.path("health").asText().equals("unknown"));
            assertThat(workload.path("status").asText()).as("%s", workload).isEqualTo("running");
            assertThat(workload.path("health").asText()).as("%s", workload).isEqualTo("healthy");
            assertThat(workload.toString()).doesNotContain(secret);
            JsonNode container = TestWorkloads.inspect(workload.path("name").asText());
            assertThat(container.at("/HostConfig/NanoCpus").asLong()).isEqualTo(i == 0 ? 250_000_000L : 500_000_000L);
            assertThat(container.at("/HostConfig/Memory").asLong()).isEqualTo((i == 0 ? 64L : 96L) * 1024 * 1024);
            assertThat(container.at("/HostConfig/PidsLimit").asLong()).isEqualTo(i == 0 ? 32 : 48);
            assertThat(container.at("/Config/Env").toString()).contains("TOKEN=" + secret);
            JsonNode checks = get("/api/workloads/" + id + "/health").path("checks");
            assertThat(checks.get(0).path("detail").asText()).as("%s", checks)
                    .contains(i == 0 ? "GET http://127.0.0.1:" : "test -e /etc/workload-variant exited 0");
        }
        String first = workloads.get(0);
        String firstName = get("/api/workloads/" + first).path("name").asText();
        assertThat(get("/api/workloads/" + first + "/logs?tail=5").path("logs").asText()).contains("listening on");
        assertThat(get("/api/workloads/" + first + "/stats").toString()).contains("memory");
        assertThat(HubClient.postJson(http, "/api/workloads/" + first + "/stop", "").getBody().path("status").asText())
                .isEqualTo("stopped");
        assertThat(TestWorkloads.inspect(firstName).at("/State/Running").asBoolean()).isFalse();
        assertThat(HubClient.postJson(http, "/api/workloads/" + first + "/start", "").getBody().path("status").asText())
                .isEqualTo("running");
        String startedAt = TestWorkloads.inspect(firstName).at("/State/StartedAt").asText();
        assertThat(HubClient.postJson(http, "/api/workloads/" + first + "/restart", "").getBody().path("status").asText())
                .isEqualTo("running");
        assertThat(TestWorkloads.inspect(firstName).at("/State/StartedAt").asText()).isNotEqualTo(startedAt);
        for (String id : workloads) {
            String name = get("/api/workloads/" + id).path("name").asText();
            assertThat(http.exchange("/api/workloads/" + id, HttpMethod.DELETE, null, JsonNode.class).getStatusCode())
                    .isEqualTo(HttpStatus.OK);
            assertThat(TestWorkloads.containerExists(name)).isFalse();
        }
        assertThat(inspect().at("/State/StartedAt").asText()).as("the provider was not touched").isEqualTo(providerStarted);
        assertThat(everything).noneMatch(message -> message.contains(secret));

        // The first deploy command again, exactly as the hub signed it (a replay, or a QoS 1 redelivery): refused,
        // not applied a second time. Then commands that are not the hub's. Commands are applied in order, so once the
        // logs command after them is answered, they have all been dealt with.
        String restoredId = restored.path("Id").asText();
        publish(firstCommandOf(good));
        String stop = "{\"type\": \"container\", \"commandId\": \"%s\", \"action\": \"stop\"}";
        publish(stop.formatted("unsigned-" + RUN));
        publish(new TestCommandSigner().sign(EDGE, stop.formatted("other-key-" + RUN)));
        publish(hubKey.sign("another-edge", null, stop.formatted("wrong-edge-" + RUN), Duration.ofMinutes(5)));
        publish(hubKey.sign(EDGE, null, stop.formatted("expired-" + RUN), Duration.ofMinutes(-5)));
        JsonNode logs = containerCommand("logs?tail=3");
        assertThat(logs.path("status").asText()).as("%s", logs).isEqualTo("done");
        assertThat(logs.at("/result/output").asText()).contains("tracker for " + EDGE);
        assertThat(inspect().path("Id").asText()).isEqualTo(restoredId);
        assertThat(inspect().at("/State/Running").asBoolean()).as("the provider keeps running").isTrue();
        assertThat(get("/api/deployments/" + good).path("history").size()).isEqualTo(6);
        JsonNode refusals = await().atMost(Duration.ofSeconds(20)).until(
                () -> HubClient.audit(http, "edge " + EDGE, "command refused"), r -> r.size() >= 5);
        assertThat(refusals.findValuesAsText("outcome")).anyMatch(o -> o.startsWith("replayed: "))
                .anyMatch(o -> o.startsWith("unsigned: ")).anyMatch(o -> o.startsWith("bad-signature: "))
                .anyMatch(o -> o.startsWith("wrong-edge: ")).anyMatch(o -> o.startsWith("expired: "));
        assertThat(refusals.findValuesAsText("target")).contains("caravan/edges/" + EDGE + "/commands " + good,
                "caravan/edges/" + EDGE + "/commands expired-" + RUN);

        JsonNode stats = containerCommand("stats");
        assertThat(stats.path("status").asText()).as("%s", stats).isEqualTo("done");
        assertThat(stats.at("/result/stats/memoryUsageBytes").asLong()).isPositive();
        JsonNode stopped = containerCommand("stop");
        assertThat(stopped.at("/result/container/running").asBoolean()).isFalse();
        // The pull credentials came in the commands, sealed: no other broker client read them, and they are neither
        // on the edge's disk nor in its log.
        assertThat(everything).as("messages on the broker").isNotEmpty()
                .noneMatch(message -> message.contains(Services.registryPassword()));
        try (var files = Files.walk(AGENT_STATE)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(file)).as("%s", file).doesNotContain(Services.registryPassword());
            }
        }
        assertThat(Files.readString(AGENT_LOG)).doesNotContain(Services.registryPassword());

        JsonNode unknown = HubClient.postJson(http, "/api/edges/" + EDGE + "/container/explode", "").getBody();
        assertThat(unknown.path("problems").toString()).contains("unknown container action 'explode'");
    }

    @LocalServerPort
    int port;
    @Autowired
    JdbcClient jdbc;

    @Test
    void anAgentWithoutACredential_showsACode_isClaimedWithIt_andCollectsItsCredentialOnce() throws Exception {
        String claimedEdge = "claimed-" + RUN;
        String venue = "claim-venue-" + RUN;
        HubClient.putJson(http, "/api/venues/" + venue, "{\"name\": \"Claims\", \"coordinateFrame\": {\"units\": "
                + "\"m\"}, \"venueBounds\": {\"minX\": 0, \"maxX\": 10, \"minZ\": 0, \"maxZ\": 10}}");
        Path state = Services.tempDir("caravan-agent-claim");
        Path log = Path.of("target", "edge-agent-claim-it.log");
        // The hub's key given as well, to pin it: a claim by another hub would be refused.
        Map<String, String> env = Map.of("CARAVAN_AGENT_HUB_URL", "http://localhost:" + port,
                "CARAVAN_AGENT_HUB_ALLOW_HTTP", "true", "CARAVAN_AGENT_CLAIM_POLL_MS", "200",
                "CARAVAN_AGENT_SIMULATOR_ENABLED", "false", "CARAVAN_AGENT_CONTAINER_NAME", "her-provider-" + claimedEdge,
                "CARAVAN_AGENT_COMMAND_KEY", HubClient.getJson(http, "/api/hub/command-key").get("publicKey").asText());
        try (EdgeAgentProcess unclaimed = EdgeAgentProcess.start(null, Services.mqttUrl(), state, log, env)) {
            Path codeFile = state.resolve("claim-code");
            String code = await().atMost(Duration.ofSeconds(30)).until(
                    () -> Files.exists(codeFile) ? Files.readString(codeFile).strip() : null, c -> c != null && !c.isEmpty());
            assertThat(code).matches("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}");
            assertThat(Files.getPosixFilePermissions(codeFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains(code));

            String claim = "{\"code\": \"%s\", \"edgeId\": \"%s\", \"venueId\": \"" + venue
                    + "\", \"labels\": {\"hall\": \"north\"}}";
            ResponseEntity<JsonNode> wrong = HubClient.postJson(http, "/api/edges/claim",
                    claim.formatted("ZZZZ-ZZZZ-ZZZZ", claimedEdge));
            assertThat(wrong.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
            assertThat(wrong.getBody().toString()).contains("no device is waiting to be claimed with code ZZZZ-ZZZZ-ZZZZ");
            assertThat(HubClient.postJson(http, "/api/edges/claim", claim.formatted("not a code", claimedEdge))
                    .getBody().path("problems").toString()).contains("code must be the 12 letters and digits");
            assertThat(anonymous("/api/edges/claim", claim.formatted(code, claimedEdge)).statusCode())
                    .as("claiming is an operator's").isEqualTo(401);

            // Claimed (once the agent has announced its code, which it does right after showing it).
            ResponseEntity<JsonNode> claimed = await().atMost(Duration.ofSeconds(20)).until(() -> HubClient.postJson(
                    http, "/api/edges/claim", claim.formatted(code.toLowerCase(), claimedEdge)),
                    answer -> answer.getStatusCode() != HttpStatus.NOT_FOUND);
            assertThat(claimed.getStatusCode()).as("%s", claimed.getBody()).isEqualTo(HttpStatus.OK);
            assertThat(claimed.getBody().toString()).doesNotContain("password");

            // The agent collects its credential, logs in to the broker with it and reports in as the claimed edge.
            JsonNode edge = await().atMost(Duration.ofSeconds(60)).until(() -> get("/api/edges/" + claimedEdge),
                    e -> "online".equals(e.path("status").asText()) && e.path("capabilities").isObject());
            assertThat(edge.path("transport").asText()).isEqualTo("agent");
            assertThat(edge.path("venueId").asText()).isEqualTo(venue);
            assertThat(edge.path("labels").path("hall").asText()).isEqualTo("north");
            assertThat(edge.path("capabilities").path("memoryMb").asLong()).isPositive();
            assertThat(Files.getPosixFilePermissions(state.resolve("claimed")))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(codeFile).doesNotExist();
            assertThat(state.resolve("claim-secret")).doesNotExist();

            // The code was used: claiming with it again, or collecting the credential again, is refused.
            ResponseEntity<JsonNode> again = HubClient.postJson(http, "/api/edges/claim",
                    claim.formatted(code, "another-" + claimedEdge));
            assertThat(again.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
            assertThat(again.getBody().toString()).contains("claim code " + code + " was used",
                    "the device is edge " + claimedEdge);
            // Whoever read the code cannot collect the credential: only the device holds the secret it announced.
            HttpResponse<String> stolen = anonymous("/api/claims/collect", "{\"code\": \"" + code + "\", "
                    + "\"secret\": \"guessed\"}");
            assertThat(stolen.statusCode()).isEqualTo(404);
            assertThat(stolen.body()).doesNotContain("password");
            assertThat(get("/api/edges/another-" + claimedEdge).path("edgeId").isMissingNode()).isTrue();
            // An edge with a credential is not claimed again: an admin revokes it first (no operator takes it over).
            String other = ClaimCode.generate();
            assertThat(anonymous("/api/claims", "{\"code\": \"" + other + "\", \"verifier\": \"" + "ab".repeat(32)
                    + "\", \"agentVersion\": \"claim-it-" + RUN + "\"}").statusCode()).isEqualTo(200);
            ResponseEntity<JsonNode> takeover = HubClient.postJson(http, "/api/edges/claim", claim.formatted(other, claimedEdge));
            assertThat(takeover.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
            assertThat(takeover.getBody().toString()).contains("edge " + claimedEdge + " has a credential");

            // Restarted, it logs in with what it was handed, and shows no new code.
            unclaimed.close();
            OffsetDateTime restarted = OffsetDateTime.now();
            try (EdgeAgentProcess restartedAgent = EdgeAgentProcess.start(null, Services.mqttUrl(), state, log, env)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> OffsetDateTime.parse(get("/api/edges/" + claimedEdge)
                        .path("lastSeen").asText()).isAfter(restarted));
                assertThat(codeFile).doesNotExist();
            }
        } finally {
            Services.forgetEdges(claimedEdge);
            jdbc.sql("DELETE FROM edge_claims WHERE agent_version = :marker").param("marker", "claim-it-" + RUN).update();
        }
    }

    private HttpResponse<String> anonymous(String path, String json) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String deploy(String venue, String providerId) {
        return TrackerDeployments.deployHer(http, EDGE, venue, providerId);
    }

    private JsonNode awaitFinal(String deploymentId) {
        return TrackerDeployments.awaitOutcome(http, deploymentId);
    }

    private JsonNode containerCommand(String action) {
        ResponseEntity<JsonNode> accepted = HubClient.postJson(http, "/api/edges/" + EDGE + "/container/" + action, "");
        assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        String commandId = accepted.getBody().path("commandId").asText();
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> get("/api/edges/" + EDGE + "/commands/" + commandId),
                        c -> !"sent".equals(c.path("status").asText()));
    }

    private JsonNode get(String path) {
        return HubClient.getJson(http, path);
    }

    private static JsonNode inspect() throws Exception {
        return MAPPER.readTree(run("docker", "inspect", CONTAINER)).get(0);
    }

    /** The signed command the hub sent first for {@code commandId}. */
    private static String firstCommandOf(String commandId) throws ParseException {
        for (String command : commands) {
            if (SignedJWT.parse(command).getJWTClaimsSet().getJWTID().equals(commandId)) {
                return command;
            }
        }
        throw new AssertionError("no command " + commandId + " seen on the broker");
    }

    private static void publish(String command) throws Exception {
        MqttMessage message = new MqttMessage(command.getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        observer.publish("caravan/edges/" + EDGE + "/commands", message);
    }

    private static String run(String... command) throws Exception {
        Services.CommandResult result = Services.run(command);
        assertThat(result.exitCode()).as("%s: %s", String.join(" ", command), result.output()).isZero();
        return result.output();
    }
}
