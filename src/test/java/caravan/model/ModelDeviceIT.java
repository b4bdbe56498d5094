package caravan.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

import caravan.CaravanApplication;
import caravan.edge.SshHostKey;
import caravan.testing.Services;
import caravan.testing.TestDevice;

/**
 * Policy models to real devices: the OpenSSH server of scripts/services.sh, a device user whose supervisord runs the
 * policy runner (real ONNX Runtime) as duck_policy, and the hub deploying over SSH through the reference's routes and
 * its own. The runner's status file says which model it serves.
 */
@CamelSpringBootTest
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class ModelDeviceIT {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static TestDevice device;
    static TestDevice otherDevice;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, Services.tempDir("caravan-model-device-it"));
        registry.add("caravan.models.health-window", () -> "5s");
        registry.add("caravan.models.keep-versions", () -> "2");
        // a lease shorter than a deployment: each runs to its end on the hub that claimed it only if it is renewed
        registry.add("caravan.models.deploy-lease", () -> "3s");
        registry.add("caravan.models.claim-period", () -> "1s");
    }

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcClient jdbc;

    @BeforeAll
    static void devices() throws Exception {
        device = TestDevice.install(Services.deviceUsers().get(0));
        otherDevice = TestDevice.install(Services.deviceUsers().get(1));
    }

    @AfterAll
    static void removeRunners() throws Exception {
        Services.forgetEdges("jetson-" + RUN);
        Services.forgetEdges("changed-key-" + RUN);
        Services.forgetEdges("fleet-" + RUN);
        Services.forgetEdges("stale-" + RUN);
        Services.forgetEdges("preflight-" + RUN);
        device.uninstall();
        otherDevice.uninstall();
    }

    @Test
    void deploysOverSsh_servesTheNewModel_rollsBackAModelItCannotServe_andRollsBackOnRequest() throws Exception {
        String name = "duck-" + RUN;
        String v1 = upload(name, "1", "policy-v1.onnx");
        String v2 = upload(name, "2", "policy-v2.onnx");
        String wrongContract = upload(name, "3", "policy-wrong-contract.onnx");
        String v4 = upload(name, "4", "policy-v3.onnx");

        // The reference's device registration: no host key given, so the hub fetches it and trusts it only once confirmed
        ResponseEntity<JsonNode> added = post("/deployment/devices", "{\"name\": \"Jetson " + RUN + "\", "
                + "\"ip_address\": \"127.0.0.1\", \"port\": " + Services.sshPort() + ", \"username\": \"" + device.user()
                + "\", \"password\": \"" + Services.devicePassword() + "\"}");
        assertThat(added.getStatusCode()).as("%s", added.getBody()).isEqualTo(HttpStatus.OK);
        String deviceId = added.getBody().get("id").asText();
        assertThat(deviceId).isEqualTo("jetson-" + RUN);
        String fingerprint = SshHostKey.parse(Services.sshHostKey()).fingerprint();
        assertThat(added.getBody().get("status").asText()).isEqualTo("unverified");
        assertThat(added.getBody().get("host_key_fingerprint").asText()).isEqualTo(fingerprint);
        assertThat(http.getForObject("/deployment/devices", String.class)).contains(deviceId).doesNotContain(Services.devicePassword());

        ResponseEntity<JsonNode> refused = post("/deployment/deploy", "{\"modelId\": \"" + v1 + "\", \"device_id\": \"" + deviceId + "\"}");
        assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(refused.getBody().get("error").asText()).contains("unconfirmed host key", fingerprint);
        JsonNode untrustedTest = post("/deployment/devices/" + deviceId + "/test", "").getBody();
        assertThat(untrustedTest.get("success").asBoolean()).isFalse();
        assertThat(untrustedTest.get("hostKeyFingerprint").asText()).isEqualTo(fingerprint);

        assertThat(post("/api/edges/" + deviceId + "/host-key/confirm", "{\"fingerprint\": \"SHA256:someone-elses\"}")
                .getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        ResponseEntity<JsonNode> confirmed = post("/api/edges/" + deviceId + "/host-key/confirm",
                "{\"fingerprint\": \"" + fingerprint + "\"}");
        assertThat(confirmed.getStatusCode()).as("%s", confirmed.getBody()).isEqualTo(HttpStatus.OK);
        assertThat(confirmed.getBody().at("/ssh/hostKeyVerified").asBoolean()).isTrue();

        JsonNode test = post("/deployment/devices/" + deviceId + "/test", "").getBody();
        assertThat(test.get("success").asBoolean()).as("%s", test).isTrue();
        assertThat(test.get("arch").asText()).isEqualTo(Services.run("uname", "-m").output().strip());
        assertThat(test.get("freeDiskMb").asLong()).isPositive();
        assertThat(test.get("gpu").asBoolean()).isFalse();
        assertThat(test.get("latencyMs").asLong()).isNotNegative();

        assertThat(put("/api/edges/" + deviceId + "/device", device.serviceSettings()).getStatusCode()).isEqualTo(HttpStatus.OK);

        // The reference's deploy, with its payload: the runner serves v1 with the parameters given
        ResponseEntity<JsonNode> started = post("/deployment/deploy", "{\"modelId\": \"" + v1 + "\", \"device_id\": \""
                + deviceId + "\", \"parameters\": {\"speed\": 0.5}}");
        assertThat(started.getStatusCode()).as("%s", started.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(started.getBody().get("message").asText()).isEqualTo("Deployment started");
        JsonNode first = awaitFinished("/deployment/deployments/" + started.getBody().get("task_id").asText());
        assertThat(first.get("status").asText()).as("%s", first).isEqualTo("deployed");
        assertThat(first.get("steps")).extracting(step -> step.get("step").asText())
                .containsExactly("connect", "preflight", "upload", "swap", "restart", "verify", "prune");
        assertThat(first.get("remote_path").asText()).isEqualTo("models/" + name + "/1-" + v1.substring(0, 12) + ".onnx");
        assertThat(first.get("completed_at").isNull()).isFalse();
        assertServing(v1, 0.5);
        assertThat(Files.isSymbolicLink(device.modelsDir().resolve("current_model.onnx"))).isTrue();

        // Caravan's own deploy
        JsonNode second = deploy(deviceId, v2, "{\"speed\": 0.7}");
        assertThat(second.get("status").asText()).as("%s", second).isEqualTo("deployed");
        assertServing(v2, 0.7);

        // Valid ONNX the runner cannot serve: the gate fails, v2 is served again, with the reason and the runner's log
        JsonNode failed = deploy(deviceId, wrongContract, "{}");
        assertThat(failed.get("status").asText()).as("%s", failed).isEqualTo("rolled-back");
        assertThat(failed.get("errorMessage").asText()).containsAnyOf("restart: ", "verify: ")
                .contains("rolled back to " + name + "/2-" + v2.substring(0, 12) + ".onnx");
        assertThat(failed.get("serviceLog").asText()).contains("obs");
        assertThat(failed.get("steps")).extracting(step -> step.get("step").asText()).contains("swap", "rollback");
        assertServing(v2, 0.7);

        // Rollback on request: the model before the current one, with its parameters
        ResponseEntity<JsonNode> rollback = post("/api/edges/" + deviceId + "/models/rollback", "");
        assertThat(rollback.getStatusCode()).as("%s", rollback.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        JsonNode rolledBack = awaitFinished(rollback.getBody().get("statusUrl").asText());
        assertThat(rolledBack.get("status").asText()).as("%s", rolledBack).isEqualTo("deployed");
        assertThat(rolledBack.get("modelId").asText()).isEqualTo(v1);
        assertThat(rolledBack.get("steps").get(2).get("detail").asText()).startsWith("already on the device");
        assertServing(v1, 0.5);

        // Older versions are pruned: keep-versions 2, besides the one served and the one before it
        assertThat(deploy(deviceId, v4, "{}").get("status").asText()).isEqualTo("deployed");
        assertServing(v4, null);
        try (Stream<Path> files = Files.list(device.modelsDir().resolve(name))) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".onnx")))
                    .containsExactlyInAnyOrder("4-" + v4.substring(0, 12) + ".onnx", "1-" + v1.substring(0, 12) + ".onnx");
        }
        assertThat(get("/api/edges/" + deviceId + "/models/deployments")).extracting(d -> d.get("status").asText())
                .containsExactly("deployed", "deployed", "rolled-back", "deployed", "deployed");
    }

    @Test
    void aDeviceWhoseHostKeyChanged_isRefusedBeforeAnythingIsTouched() throws Exception {
        String deviceId = "changed-key-" + RUN;
        String someoneElsesKey = Files.readString(Path.of(Services.get("CARAVAN_TEST_SSH_KEY") + ".pub")).strip();
        ResponseEntity<JsonNode> saved = put("/api/edges/" + deviceId, "{\"transport\": \"ssh\", \"address\": \"127.0.0.1\", "
                + "\"ssh\": {\"user\": \"" + otherDevice.user() + "\", \"port\": " + Services.sshPort() + ", \"hostKey\": \""
                + someoneElsesKey + "\", \"password\": \"" + Services.devicePassword() + "\"}}");
        assertThat(saved.getStatusCode()).as("%s", saved.getBody()).isEqualTo(HttpStatus.OK);
        put("/api/edges/" + deviceId + "/device", otherDevice.serviceSettings());
        JsonNode servedBefore = otherDevice.serving();
        List<String> filesBefore = otherDevice.files();

        JsonNode refused = deploy(deviceId, upload("refused-" + RUN, "1", "multi-input.onnx"), "{}");

        assertThat(refused.get("status").asText()).isEqualTo("failed");
        assertThat(refused.get("errorMessage").asText()).contains("presented host key", "not the pinned");
        assertThat(refused.get("steps")).extracting(step -> step.get("step").asText()).containsExactly("connect");
        assertThat(otherDevice.files()).isEqualTo(filesBefore);
        assertThat(otherDevice.serving()).isEqualTo(servedBefore);
    }

    @Test
    void preflightRefusesAModelBuiltForAnotherDevice_beforeTouchingIt() throws Exception {
        String deviceId = "preflight-" + RUN;
        assertThat(put("/api/edges/" + deviceId, "{\"transport\": \"ssh\", \"address\": \"127.0.0.1\", \"ssh\": "
                + "{\"user\": \"" + otherDevice.user() + "\", \"port\": " + Services.sshPort() + ", \"hostKey\": \""
                + Services.sshHostKey() + "\", \"password\": \"" + Services.devicePassword() + "\"}}").getStatusCode())
                .isEqualTo(HttpStatus.OK);
        put("/api/edges/" + deviceId + "/device", otherDevice.serviceSettings());
        String arch = Services.run("uname", "-m").output().strip();
        String otherArch = "x86_64".equals(arch) ? "aarch64" : "x86_64";
        String forJetson = upload("jetson-only-" + RUN, "1", "policy-v1.onnx", "{\"arch\": \"" + otherArch + "\"}");
        String needsGpu = upload("gpu-only-" + RUN, "1", "policy-v2.onnx", "{\"gpu\": true}");
        List<String> filesBefore = otherDevice.files();

        JsonNode wrongArch = deploy(deviceId, forJetson, "{}");
        JsonNode noGpu = deploy(deviceId, needsGpu, "{}");

        assertThat(wrongArch.get("status").asText()).isEqualTo("failed");
        assertThat(wrongArch.get("errorMessage").asText())
                .isEqualTo("preflight: the device is " + arch + ", the model is built for " + otherArch);
        assertThat(noGpu.get("status").asText()).isEqualTo("failed");
        assertThat(noGpu.get("errorMessage").asText()).contains("preflight: the model needs a GPU");
        for (JsonNode refused : List.of(wrongArch, noGpu)) {
            assertThat(refused.get("steps")).extracting(step -> step.get("step").asText()).containsExactly("connect", "preflight");
        }
        assertThat(otherDevice.files()).isEqualTo(filesBefore);
    }

    @Test
    void aGroupDeploysAModelToTwoDevicesInWaves_withEachDevicesOwnParameters() throws Exception {
        String fleet = "fleet-" + RUN;
        List<TestDevice> devices = List.of(device, otherDevice);
        for (int i = 0; i < devices.size(); i++) {
            String edge = fleet + "-" + i;
            ResponseEntity<JsonNode> saved = put("/api/edges/" + edge, "{\"transport\": \"ssh\", \"address\": \"127.0.0.1\", "
                    + "\"labels\": {\"fleet\": \"" + fleet + "\"}, \"ssh\": {\"user\": \"" + devices.get(i).user()
                    + "\", \"port\": " + Services.sshPort() + ", \"hostKey\": \"" + Services.sshHostKey()
                    + "\", \"privateKey\": " + MAPPER.writeValueAsString(Services.sshPrivateKey()) + "}}");
            assertThat(saved.getStatusCode()).as("%s", saved.getBody()).isEqualTo(HttpStatus.OK);
            assertThat(put("/api/edges/" + edge + "/device", devices.get(i).serviceSettings()).getStatusCode())
                    .isEqualTo(HttpStatus.OK);
        }
        String model = upload("fleet-policy-" + RUN, "1", "policy-v2.onnx");

        ResponseEntity<JsonNode> invalid = post("/api/deployments", "{\"modelId\": \"" + model + "\", \"providerId\": \"x\", "
                + "\"selector\": {\"fleet\": \"" + fleet + "\"}}");
        assertThat(invalid.getBody().get("problems").toString()).contains("give either providerId or modelId");
        ResponseEntity<JsonNode> accepted = post("/api/deployments", "{\"modelId\": \"" + model + "\", "
                + "\"selector\": {\"fleet\": \"" + fleet + "\"}, \"strategy\": {\"waveSize\": 1}, "
                + "\"parameters\": {\"speed\": 1.0, \"gait\": \"trot\"}, "
                + "\"values\": {\"" + fleet + "-1\": {\"parameters\": {\"speed\": 2.0}}}}");
        assertThat(accepted.getStatusCode()).as("%s", accepted.getBody()).isEqualTo(HttpStatus.ACCEPTED);

        JsonNode group = await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                .until(() -> http.getForObject(accepted.getBody().get("statusUrl").asText(), JsonNode.class),
                        g -> List.of("succeeded", "failed").contains(g.get("status").asText()));
        assertThat(group.get("status").asText()).as("%s", group).isEqualTo("succeeded");
        assertThat(group.get("modelId").asText()).isEqualTo(model);
        List<JsonNode> rollout = group.get("edges").findValues("deploymentId").stream()
                .map(id -> http.getForObject("/api/model-deployments/" + id.asText(), JsonNode.class)).toList();
        assertThat(rollout).extracting(d -> d.get("status").asText()).containsExactly("deployed", "deployed");
        // waves of one: the second device's deployment was created after the first had finished
        assertThat(OffsetDateTime.parse(rollout.get(1).get("createdAt").asText()))
                .isAfterOrEqualTo(OffsetDateTime.parse(rollout.get(0).get("completedAt").asText()));
        for (int i = 0; i < devices.size(); i++) {
            JsonNode serving = devices.get(i).serving();
            assertThat(serving.get("modelSha256").asText()).isEqualTo(model);
            assertThat(serving.at("/parameters/gait").asText()).isEqualTo("trot");
            assertThat(serving.at("/parameters/speed").asDouble()).isEqualTo(i == 0 ? 1.0 : 2.0);
        }
    }

    @Test
    void aDeploymentAHubLeftAfterItsSwap_isTakenUpByAnotherHub_andRolledBackToWhatWasServedBefore() throws Exception {
        String deviceId = "stale-" + RUN;
        assertThat(put("/api/edges/" + deviceId, "{\"transport\": \"ssh\", \"address\": \"127.0.0.1\", \"ssh\": "
                + "{\"user\": \"" + otherDevice.user() + "\", \"port\": " + Services.sshPort() + ", \"hostKey\": \""
                + Services.sshHostKey() + "\", \"password\": \"" + Services.devicePassword() + "\"}}").getStatusCode())
                .isEqualTo(HttpStatus.OK);
        put("/api/edges/" + deviceId + "/device", otherDevice.serviceSettings());
        String name = "stale-" + RUN;
        String v1 = upload(name, "1", "policy-v1.onnx");
        String wrongContract = upload(name, "2", "policy-wrong-contract.onnx");
        assertThat(deploy(deviceId, v1, "{\"speed\": 0.25}").get("status").asText()).isEqualTo("deployed");
        Path models = otherDevice.modelsDir();
        Path modelLink = models.resolve(ModelDeploySteps.CURRENT_MODEL);
        Path parametersLink = models.resolve(ModelDeploySteps.CURRENT_PARAMETERS);
        String servedModel = Files.readSymbolicLink(modelLink).toString();
        String servedParameters = Files.readSymbolicLink(parametersLink).toString();

        // What a hub that died between its swap and the restart left: the links on a model the runner cannot serve
        // (it still runs v1, loaded before) and its parameters, and the deployment claimed by that hub until a minute ago
        String swappedTo = name + "/2-" + wrongContract.substring(0, 12) + ".onnx";
        String swappedParameters = name + "/2-" + wrongContract.substring(0, 12) + ".left.parameters.json";
        Files.write(models.resolve(swappedTo), Services.testModelOfRun(RUN + " " + name, "policy-wrong-contract.onnx"));
        Files.writeString(models.resolve(swappedParameters), "{\"speed\": 0.5}");
        Services.run("ln", "-sfn", swappedTo, modelLink.toString());
        Services.run("ln", "-sfn", swappedParameters, parametersLink.toString());
        Services.run("chown", "-h", otherDevice.user() + ":", models.resolve(swappedTo).toString(),
                models.resolve(swappedParameters).toString(), modelLink.toString(), parametersLink.toString());
        String leftBehind = UUID.randomUUID().toString();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        jdbc.sql("""
                INSERT INTO model_deployments (deployment_id, edge_id, model_id, status, parameters, steps, requested_by,
                    created_at, remote_path, previous_path, previous_parameters, swapped_at, claimed_by,
                    claimed_until)
                VALUES (:id, :edge, :model, 'restarting', '{"speed": 0.5}', '[]', 'an operator', :then, :remote,
                    :previous, :previousParameters, :then, 'a-hub-that-died', :leaseEnded)""")
                .param("id", leftBehind).param("edge", deviceId).param("model", wrongContract)
                .param("then", now.minusMinutes(2)).param("remote", "models/" + swappedTo)
                .param("previous", "models/" + servedModel).param("previousParameters", "models/" + servedParameters)
                .param("leaseEnded", now.minusMinutes(1)).update();

        JsonNode ended = awaitFinished("/api/model-deployments/" + leftBehind);
        assertThat(ended.get("status").asText()).as("%s", ended).isEqualTo("rolled-back");
        assertThat(ended.get("steps").findValuesAsText("step")).as("%s", ended).containsOnlyOnce("take-up", "rollback");
        assertThat(ended.get("steps").get(0).get("detail").asText())
                .contains("hub a-hub-that-died stopped running it while restarting");
        // ended is ended: no hub takes it up again
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10)).until(
                () -> http.getForObject("/api/model-deployments/" + leftBehind, JsonNode.class), ended::equals);
        assertThat(ended.get("errorMessage").asText()).containsAnyOf("restart: ", "verify: ").endsWith("rolled back to " + servedModel);
        // what the dead hub recorded was restored, not what the links pointed at when the deployment was taken up
        assertThat(Files.readSymbolicLink(modelLink)).hasToString(servedModel);
        assertThat(Files.readSymbolicLink(parametersLink)).hasToString(servedParameters);
        JsonNode serving = await().atMost(Duration.ofSeconds(30)).until(otherDevice::serving,
                s -> s != null && v1.equals(s.get("modelSha256").asText()));
        assertThat(serving.at("/parameters/speed").asDouble()).isEqualTo(0.25);
    }

    private JsonNode deploy(String deviceId, String modelId, String parameters) {
        ResponseEntity<JsonNode> accepted = post("/api/edges/" + deviceId + "/models/deploy",
                "{\"modelId\": \"" + modelId + "\", \"parameters\": " + parameters + "}");
        assertThat(accepted.getStatusCode()).as("%s", accepted.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        JsonNode finished = awaitFinished(accepted.getBody().get("statusUrl").asText());
        assertThat(finished.get("steps").findValuesAsText("step")).as("run by the hub that claimed it, its lease renewed")
                .doesNotContain("take-up");
        return finished;
    }

    private JsonNode awaitFinished(String url) {
        return await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> http.getForObject(url, JsonNode.class),
                        d -> ModelDeployments.FINAL.contains(d.get("status").asText()));
    }

    private void assertServing(String modelId, Double speed) throws Exception {
        JsonNode serving = await().atMost(Duration.ofSeconds(30)).until(device::serving,
                s -> s != null && modelId.equals(s.get("modelSha256").asText()));
        assertThat(serving.get("action")).hasSize(2);
        if (speed != null) {
            assertThat(serving.at("/parameters/speed").asDouble()).isEqualTo(speed);
        }
    }

    private String upload(String name, String version, String file) throws Exception {
        return upload(name, version, file, null);
    }

    private String upload(String name, String version, String file, String target) throws Exception {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        byte[] bytes = Services.testModelOfRun(RUN + " " + name, file); // bytes of this name alone
        parts.add("model", new ByteArrayResource(bytes) {
            @Override
            public String getFilename() {
                return file;
            }
        });
        parts.add("metadata", "{\"name\": \"" + name + "\", \"version\": \"" + version + "\""
                + (target == null ? "" : ", \"target\": " + target) + "}");
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        ResponseEntity<JsonNode> stored = http.postForEntity("/api/models", new HttpEntity<>(parts, headers), JsonNode.class);
        assertThat(stored.getStatusCode()).as("%s", stored.getBody()).isIn(HttpStatus.CREATED, HttpStatus.OK);
        return stored.getBody().get("modelId").asText();
    }

    private ResponseEntity<JsonNode> post(String path, String json) {
        return http.exchange(path, HttpMethod.POST, json(json), JsonNode.class);
    }

    private ResponseEntity<JsonNode> put(String path, String json) {
        return http.exchange(path, HttpMethod.PUT, json(json), JsonNode.class);
    }

    private List<JsonNode> get(String path) {
        JsonNode answer = http.getForObject(path, JsonNode.class);
        return List.of(MAPPER.convertValue(answer, JsonNode[].class));
    }

    private static HttpEntity<String> json(String body) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return new HttpEntity<>(body, headers);
    }
}
