package caravan.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.secrets.SecretBox;
import caravan.testing.HubClient;
import caravan.testing.Services;
import caravan.testing.TestWorkloads;
import caravan.testing.TrackerDeployments;

/**
 * Agentless edges against the OpenSSH server scripts/services.sh starts on a loopback port (its user in the docker
 * group of the real engine), the real registry and Mosquitto: commissioning with the pinned host key and encrypted
 * credentials, deploy-her over SSH through the health gate, automatic rollback, container operations, key and
 * password logins, and an edge presenting another host key refused with a clear error before anything on it is touched.
 */
@CamelSpringBootTest
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// Closed after the class: cached, it went on probing its edges over SSH every second for the rest of the suite,
// a load that once kept other tests' hubs from starting in time.
@DirtiesContext
class EdgeSshIT {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String EDGE = "ssh-it-" + RUN;
    static final String CONTAINER = "her-provider-ssh-" + RUN;
    static final String STATE_DIR = ".caravan-edge-" + RUN;
    static final String TRACKER_REPOSITORY = Services.registry() + "/caravan-test/ssh-tracker-" + RUN;
    static final String GOOD_IMAGE = TRACKER_REPOSITORY + ":ok";
    static final String FAILING_IMAGE = TRACKER_REPOSITORY + ":crash";
    static final String WORKLOAD_REPOSITORY = Services.registry() + "/caravan-it/ssh-workload-" + RUN;
    static final String WORKLOAD_IMAGE = WORKLOAD_REPOSITORY + ":1";

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, Services.tempDir("caravan-ssh-it"));
        registry.add("caravan.edges.health-window", () -> "5s");
        registry.add("caravan.edges.health-requires-trajectories", () -> "true");
        registry.add("caravan.ssh.container-name", () -> CONTAINER);
        registry.add("caravan.ssh.state-dir", () -> STATE_DIR);
        registry.add("caravan.ssh.min-free-disk-mb", () -> "64");
        registry.add("caravan.ssh.probe-interval", () -> "1s");
    }

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    SecretBox secretBox;

    /** Two provider images in the registry and not on the engine, so the edge must pull them with credentials. */
    @BeforeAll
    static void providerImages() throws Exception {
        TrackerDeployments.pushImages(GOOD_IMAGE, FAILING_IMAGE);
        TestWorkloads.push(WORKLOAD_IMAGE, "ssh");
    }

    @AfterAll
    static void removeContainerAndState() throws Exception {
        Services.forgetEdges(EDGE);
        Services.run("docker", "rm", "-f", CONTAINER);
        TestWorkloads.removeContainersAndImages(RUN, WORKLOAD_REPOSITORY, TRACKER_REPOSITORY);
        Services.run("rm", "-rf", edgeHome().resolve(STATE_DIR).toString());
    }

    @Test
    void commissionsWithPinnedHostKey_deploysOverSshThroughTheHealthGate_rollsBack_andOperatesTheContainer() throws Exception {
        String venue = "venue-" + EDGE;
        put("/api/venues/" + venue, "{\"name\": \"SSH hall\", \"venueBounds\": {\"minX\": 0, \"maxX\": 30, \"minZ\": 0, \"maxZ\": 20}}");

        ResponseEntity<JsonNode> badKey = put("/api/edges/" + EDGE, sshEdge(venue, Services.sshHostKey(),
                "\"privateKey\": \"-----BEGIN OPENSSH PRIVATE KEY-----\\nbm90IGEga2V5\\n-----END OPENSSH PRIVATE KEY-----\\n\""));
        assertThat(badKey.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(badKey.getBody().get("problems").toString()).contains("ssh.privateKey could not be read");

        String privateKey = Services.sshPrivateKey();
        ResponseEntity<JsonNode> saved = put("/api/edges/" + EDGE, sshEdge(venue, Services.sshHostKey(),
                "\"privateKey\": " + MAPPER.writeValueAsString(privateKey)));
        assertThat(saved.getStatusCode()).as("%s", saved.getBody()).isEqualTo(HttpStatus.OK);
        assertThat(saved.getBody().at("/ssh/hostKeyFingerprint").asText()).isEqualTo(fingerprint(Services.sshHostKey()));
        assertThat(saved.getBody().at("/ssh/auth").asText()).isEqualTo("key");
        for (String read : List.of("/api/edges/" + EDGE, "/api/edges")) {
            assertThat(http.getForObject(read, String.class)).doesNotContain("PRIVATE KEY", "privateKey");
        }
        String stored = jdbc.sql("SELECT secret FROM edge_ssh WHERE edge_id = :id").param("id", EDGE)
                .query(String.class).single();
        assertThat(stored).doesNotContain("PRIVATE KEY");
        assertThat(MAPPER.readTree(secretBox.decrypt(stored, EDGE)).get("privateKey").asText()).isEqualTo(privateKey);
        assertThatThrownBy(() -> secretBox.decrypt(stored, "another-edge")).isInstanceOf(IllegalStateException.class);

        // The probe logs in, asks Docker for its version and marks the edge online.
        JsonNode online = await().atMost(Duration.ofSeconds(30)).until(() -> get("/api/edges/" + EDGE),
                e -> "online".equals(e.path("status").asText()));
        assertThat(online.path("dockerVersion").asText()).isNotBlank();

        TrackerDeployments.registerProvider(http, "ssh-ok-" + RUN, GOOD_IMAGE);
        TrackerDeployments.registerProvider(http, "ssh-crash-" + RUN, FAILING_IMAGE);
        String approved = TrackerDeployments.pinned(GOOD_IMAGE);

        String good = deploy(EDGE, venue, "ssh-ok-" + RUN);
        JsonNode healthy = awaitFinal(good);
        assertThat(healthy.path("status").asText()).as("%s", healthy).isEqualTo("healthy");
        assertThat(healthy.path("history").findValuesAsText("status"))
                .containsExactly("pending", "dispatched", "pulling", "starting", "running", "healthy");
        assertThat(healthy.path("history").get(5).path("detail").asText()).contains("trajectories received");

        JsonNode container = inspect();
        TrackerDeployments.assertReferenceContainer(container, EDGE, venue, good, approved);
        assertThat(container.at("/HostConfig/Binds").get(0).asText())
                .isEqualTo(edgeHome().resolve(STATE_DIR).resolve("config") + ":/config:ro");
        JsonNode document = get("/api/deployments/" + good).path("document");
        assertThat(MAPPER.readTree(run("docker", "exec", CONTAINER, "cat", "/config/extrinsics.json"))).isEqualTo(document);
        // The edge keeps the agent's state, written over SFTP as the SSH user.
        Path current = edgeHome().resolve(STATE_DIR).resolve("current.json");
        assertThat(MAPPER.readTree(current.toFile()).path("deployment")).isEqualTo(document);
        assertThat(Files.getOwner(current).getName()).isEqualTo(Services.sshUser());

        // A provider that exits fails the gate, and the healthy one is restored.
        String crashing = deploy(EDGE, venue, "ssh-crash-" + RUN);
        TrackerDeployments.assertFailedAndRolledBack(awaitFinal(crashing), good);
        JsonNode restored = inspect();
        assertThat(restored.at("/Config/Labels/caravan.deployment").asText()).isEqualTo(good);
        assertThat(restored.at("/State/Running").asBoolean()).isTrue();

        // The good tag pushed again with the crashing tracker: a rollback restores the healthy digest, not the tag.
        TrackerDeployments.repushFailingAs(GOOD_IMAGE);
        assertThat(TrackerDeployments.pinned(GOOD_IMAGE)).isNotEqualTo(approved);
        ResponseEntity<JsonNode> rollback = HubClient.postJson(http, "/api/edges/" + EDGE + "/rollback", "");
        assertThat(rollback.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        JsonNode rolledBack = awaitFinal(rollback.getBody().get("deploymentId").asText());
        assertThat(rolledBack.path("status").asText()).as("%s", rolledBack).isEqualTo("healthy");
        assertThat(inspect().at("/Config/Image").asText()).isEqualTo(approved);

        // Named workloads beside the provider, each with its own limits and healthy; the provider is not touched.
        String providerStarted = inspect().at("/State/StartedAt").asText();
        List<String> workloads = new ArrayList<>();
        for (String[] limits : List.of(new String[] {"0.25", "64m", "32"}, new String[] {"0.5", "96m", "48"})) {
            String name = "ssh-workload-" + RUN + "-" + workloads.size();
            int port = TestWorkloads.freePort();
            ResponseEntity<JsonNode> created = HubClient.postJson(http, "/api/workloads", TestWorkloads.onEdge(name,
                    EDGE, WORKLOAD_IMAGE, port, "ssh-secret-" + RUN, limits[0], limits[1], limits[2],
                    "{\"type\": \"command\", \"command\": [\"test\", \"-e\", \"/etc/workload-variant\"], "
                            + "\"intervalSeconds\": 1}"));
            assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.ACCEPTED);
            workloads.add(created.getBody().get("workloadId").asText());
        }
        for (int i = 0; i < workloads.size(); i++) {
            String id = workloads.get(i);
            JsonNode workload = await().atMost(Duration.ofMinutes(2)).until(() -> get("/api/workloads/" + id),
                    w -> w.path("status").asText().matches("running|failed") && !w.path("health").asText().equals("unknown"));
            assertThat(workload.path("status").asText()).as("%s", workload).isEqualTo("running");
            assertThat(workload.path("health").asText()).as("%s", workload).isEqualTo("healthy");
            assertThat(workload.path("address").asText()).startsWith("127.0.0.1:");
            JsonNode limits = TestWorkloads.inspect(workload.path("name").asText()).path("HostConfig");
            assertThat(limits.path("NanoCpus").asLong()).isEqualTo(i == 0 ? 250_000_000L : 500_000_000L);
            assertThat(limits.path("Memory").asLong()).isEqualTo((i == 0 ? 64L : 96L) * 1024 * 1024);
            assertThat(limits.path("PidsLimit").asLong()).isEqualTo(i == 0 ? 32 : 48);
            // handed over in an env-file on the edge's tmpfs, not on a command line
            assertThat(TestWorkloads.inspect(workload.path("name").asText()).at("/Config/Env").toString())
                    .contains("TOKEN=ssh-secret-" + RUN, "PORT=");
        }
        List<String> edgeCommandLines = Files.readAllLines(Services.sshDockerLog());
        assertThat(edgeCommandLines).as("the docker command lines the edge saw")
                .anySatisfy(line -> assertThat(line).startsWith("docker run").contains("ssh-workload-" + RUN, "--env-file"))
                .noneSatisfy(line -> assertThat(line).contains("ssh-secret-" + RUN));
        // The edge's HER provider is listed with them, as the workload kind deploy-her makes, and is not operated as one.
        JsonNode onEdge = get("/api/workloads?deviceId=" + EDGE);
        List<String> listed = new ArrayList<>(workloads);
        listed.add("her-provider:" + EDGE);
        assertThat(onEdge.findValuesAsText("workloadId")).containsExactlyInAnyOrderElementsOf(listed);
        JsonNode herProvider = get("/api/workloads/her-provider:" + EDGE);
        assertThat(herProvider.path("kind").asText()).isEqualTo("her-provider");
        assertThat(herProvider.path("status").asText()).isEqualTo("running");
        assertThat(herProvider.path("pinnedImage").asText()).isEqualTo(approved);
        assertThat(herProvider.path("detail").asText()).contains(rollback.getBody().get("deploymentId").asText());
        ResponseEntity<JsonNode> refused = HubClient.postJson(http, "/api/workloads/her-provider:" + EDGE + "/stop", "");
        assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(refused.getBody().toString()).contains("/api/edges/" + EDGE + "/container/{action}");
        assertThat(HubClient.postJson(http, "/api/workloads/" + workloads.get(0) + "/stop", "").getBody()
                .path("status").asText()).isEqualTo("stopped");
        JsonNode provider = inspect();
        assertThat(provider.at("/State/StartedAt").asText()).isEqualTo(providerStarted);
        assertThat(provider.at("/State/Running").asBoolean()).isTrue();
        assertThat(provider.at("/Config/Image").asText()).isEqualTo(approved);
        // The SSH probe finds what the device can hold and the edge keeps it; a workload asking for more memory than
        // it reports is refused at once, naming it, and nothing is stored, pulled or run.
        ResponseEntity<JsonNode> probed = HubClient.postJson(http, "/api/edges/" + EDGE + "/probe", "");
        assertThat(probed.getBody().path("success").asBoolean()).as("%s", probed.getBody()).isTrue();
        JsonNode capabilities = get("/api/edges/" + EDGE).path("capabilities");
        assertThat(capabilities.path("arch").asText()).isEqualTo(run("uname", "-m").strip());
        assertThat(capabilities.path("cpus").asInt()).isEqualTo(Integer.parseInt(run("getconf", "_NPROCESSORS_ONLN").strip()));
        assertThat(capabilities.path("memoryMb").asLong()).isPositive();
        assertThat(capabilities.path("freeDiskMb").asLong()).isPositive();
        assertThat(capabilities.path("dockerVersion").asText()).isEqualTo(online.path("dockerVersion").asText());
        assertThat(capabilities.path("gpu").isBoolean()).isTrue();
        long tooMuch = capabilities.path("memoryMb").asLong() + 1;
        ResponseEntity<JsonNode> huge = HubClient.postJson(http, "/api/workloads", "{\"name\": \"ssh-huge-" + RUN
                + "\", \"target\": \"edge\", \"deviceId\": \"" + EDGE + "\", \"image\": \"" + GOOD_IMAGE
                + "\", \"resources\": {\"memory\": \"" + tooMuch + "m\"}}");
        assertThat(huge.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(huge.getBody().get("problems").toString()).contains("resources.memory " + tooMuch + "m is more "
                + "than edge " + EDGE + " has: it reports " + capabilities.path("memoryMb").asLong() + " MB");
        assertThat(get("/api/workloads?deviceId=" + EDGE).findValuesAsText("name")).doesNotContain("ssh-huge-" + RUN);
        assertThat(TestWorkloads.containerExists("ssh-huge-" + RUN)).isFalse();
        for (String id : workloads) {
            assertThat(http.exchange("/api/workloads/" + id, HttpMethod.DELETE, null, JsonNode.class).getStatusCode())
                    .isEqualTo(HttpStatus.OK);
        }

        // Container operations are answered at once over SSH.
        JsonNode logs = containerCommand(EDGE, "logs?tail=3");
        assertThat(logs.path("status").asText()).as("%s", logs).isEqualTo("done");
        assertThat(logs.at("/result/output").asText()).contains("tracker for " + EDGE);
        JsonNode stats = containerCommand(EDGE, "stats");
        assertThat(stats.at("/result/stats/memoryUsageBytes").asLong()).as("%s", stats).isPositive();
        JsonNode stopped = containerCommand(EDGE, "stop");
        assertThat(stopped.at("/result/container/running").asBoolean()).as("%s", stopped).isFalse();

        // The same device commissioned with a password login instead of a key.
        String byPassword = EDGE + "-pw";
        assertThat(put("/api/edges/" + byPassword, sshEdge(venue, Services.sshHostKey(),
                "\"password\": " + MAPPER.writeValueAsString(Services.sshPassword()))).getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(get("/api/edges/" + byPassword).at("/ssh/auth").asText()).isEqualTo("password");
        JsonNode restarted = containerCommand(byPassword, "restart");
        assertThat(restarted.at("/result/container/running").asBoolean()).as("%s", restarted).isTrue();

        // The pull credentials lived on the edge's tmpfs only for the pulls, and nowhere on its disk.
        try (var leftovers = Files.list(Path.of("/dev/shm"))) {
            assertThat(leftovers.map(Path::toString)).noneMatch(name -> name.contains("caravan-pull.")
                    || name.contains("caravan-env."));
        }
        try (var files = Files.walk(edgeHome())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(file)).as("%s", file).doesNotContain(Services.registryPassword());
            }
        }
    }

    @Test
    void anEdgePresentingAnotherHostKeyIsRefusedBeforeAnythingOnItIsTouched() throws Exception {
        String venue = "venue-" + EDGE + "-2";
        put("/api/venues/" + venue, "{\"name\": \"SSH hall 2\"}");
        // The same address and port, but pinned to another key: as if the device had been swapped.
        String impostor = EDGE + "-impostor";
        String otherKey = otherHostKey();
        put("/api/edges/" + impostor, sshEdge(venue, otherKey, "\"privateKey\": " + MAPPER.writeValueAsString(Services.sshPrivateKey())));
        TrackerDeployments.registerProvider(http, "ssh-impostor-" + RUN, GOOD_IMAGE);
        JsonNode refused = awaitFinal(deploy(impostor, venue, "ssh-impostor-" + RUN));
        assertThat(refused.path("status").asText()).isEqualTo("failed");
        assertThat(refused.path("error").asText()).contains("presented host key " + fingerprint(Services.sshHostKey()),
                "not the pinned " + fingerprint(otherKey), "connection refused");
        assertThat(refused.path("history").findValuesAsText("status")).containsExactly("pending", "dispatched", "failed");
        assertThat(await().atMost(Duration.ofSeconds(30)).until(() -> get("/api/edges/" + impostor).path("status").asText(),
                "error"::equals)).isEqualTo("error");

        // Its stored credentials go to no other host than the one they were given for: pointing the edge at another
        // host key or address needs them again.
        for (String moved : List.of(sshEdge(venue, "127.0.0.1", Services.sshHostKey(), null),
                sshEdge(venue, "127.0.0.2", otherKey, null))) {
            ResponseEntity<JsonNode> refusedMove = put("/api/edges/" + impostor, moved);
            assertThat(refusedMove.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(refusedMove.getBody().get("problems").toString())
                    .contains("ssh.privateKey or ssh.password is required again to change the edge's address");
        }
        assertThat(get("/api/edges/" + impostor).at("/ssh/hostKeyFingerprint").asText()).isEqualTo(fingerprint(otherKey));
        assertThat(put("/api/edges/" + impostor, sshEdge(venue, "127.0.0.1", otherKey, null)).getStatusCode())
                .as("the same host, credentials kept").isEqualTo(HttpStatus.OK);
        assertThat(put("/api/edges/" + impostor, sshEdge(venue, "127.0.0.1", Services.sshHostKey(), "\"privateKey\": "
                + MAPPER.writeValueAsString(Services.sshPrivateKey()))).getStatusCode()).isEqualTo(HttpStatus.OK);
    }

    private static String sshEdge(String venue, String hostKey, String credentials) throws Exception {
        return sshEdge(venue, "127.0.0.1", hostKey, credentials);
    }

    /** @param credentials the ssh object's credential field, or null for none */
    private static String sshEdge(String venue, String address, String hostKey, String credentials) throws Exception {
        return "{\"name\": \"SSH edge\", \"venueId\": \"" + venue + "\", \"transport\": \"ssh\", \"address\": \""
                + address + "\", \"ssh\": {\"user\": \"" + Services.sshUser() + "\", \"port\": " + Services.sshPort()
                + ", \"hostKey\": " + MAPPER.writeValueAsString(hostKey) + (credentials == null ? "" : ", " + credentials)
                + "}}";
    }

    /** A freshly generated ed25519 host key line, which the test sshd does not have. */
    private static String otherHostKey() throws Exception {
        Path dir = Services.tempDir("caravan-ssh-other-key");
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("key").toString());
        return Files.readString(dir.resolve("key.pub")).strip();
    }

    private static String fingerprint(String hostKeyLine) throws Exception {
        Path file = Services.tempDir("caravan-ssh-fingerprint").resolve("key.pub");
        Files.writeString(file, hostKeyLine + "\n");
        return run("ssh-keygen", "-l", "-E", "sha256", "-f", file.toString()).split("\\s+")[1];
    }

    private String deploy(String edge, String venue, String providerId) {
        return TrackerDeployments.deployHer(http, edge, venue, providerId);
    }

    private JsonNode awaitFinal(String deploymentId) {
        return TrackerDeployments.awaitOutcome(http, deploymentId);
    }

    private JsonNode containerCommand(String edge, String action) {
        ResponseEntity<JsonNode> answered = HubClient.postJson(http, "/api/edges/" + edge + "/container/" + action, "");
        assertThat(answered.getStatusCode()).as("%s", answered.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        return answered.getBody();
    }

    private ResponseEntity<JsonNode> put(String path, String json) {
        return HubClient.putJson(http, path, json);
    }

    private JsonNode get(String path) {
        return HubClient.getJson(http, path);
    }

    private static Path edgeHome() throws Exception {
        return Path.of(run("getent", "passwd", Services.sshUser()).strip().split(":")[5]);
    }

    private static JsonNode inspect() throws Exception {
        return MAPPER.readTree(run("docker", "inspect", CONTAINER)).get(0);
    }

    private static String run(String... command) throws Exception {
        Services.CommandResult result = Services.run(command);
        assertThat(result.exitCode()).as("%s: %s", String.join(" ", command), result.output()).isZero();
        return result.output();
    }
}
