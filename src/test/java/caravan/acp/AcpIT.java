package caravan.acp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.testing.Services;
import caravan.testing.TestWorkloads;

/**
 * The hosting-orchestrator over the Agent Communication Protocol, as the marketplace calls it: every action in the
 * sync, async and stream modes against workloads on the suite's engine over mutual TLS, refusals with
 * {@code invalid_input}, a deploy cancelled while it runs, and no run without a key.
 */
@CamelSpringBootTest
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class AcpIT {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String RUN = "acp-" + UUID.randomUUID().toString().substring(0, 8);
    static final Path DATA_DIR = Services.tempDir("caravan-acp-it");
    static final String REPOSITORY = Services.registry() + "/caravan-it/acp-" + RUN;
    static final String IMAGE = REPOSITORY + ":1";
    static final List<String> MODES = List.of("sync", "async", "stream");
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, DATA_DIR);
        // long enough for a test to cancel a deploy between its container's start and its verdict
        registry.add("caravan.workloads.settle", () -> "5s");
    }

    @LocalServerPort
    int port;

    @BeforeAll
    static void pushImage() throws Exception {
        TestWorkloads.push(IMAGE, "acp");
    }

    @AfterAll
    static void removeContainersAndImages() throws Exception {
        TestWorkloads.removeContainersAndImages(RUN, REPOSITORY);
        Services.forgetEdges(RUN);
    }

    @Test
    void theManifest_isTheRepositorysOne_andNamesEveryActionWithItsSchemas() throws Exception {
        JsonNode manifest = MAPPER.readTree(Files.readString(Path.of("manifest.json")));
        JsonNode agents = get("/acp/agents");
        assertThat(agents.get("agents")).hasSize(1);
        assertThat(agents.get("agents").get(0)).isEqualTo(manifest);
        assertThat(get("/acp/agents/hosting-orchestrator")).isEqualTo(manifest);
        List<String> actions = new ArrayList<>();
        manifest.at("/metadata/annotations/caravan/actions").forEach(action -> actions.add(action.get("name").asText()));
        assertThat(actions).containsExactly(
                "deploy_to_cloud", "deploy_to_edge", "get_address", "stop_container", "restart_container",
                "delete_container", "health_check", "logs", "stats", "list_workloads");
        manifest.at("/metadata/annotations/caravan/actions").forEach(action -> {
            assertThat(action.get("input_schema").get("type").asText()).isEqualTo("object");
            assertThat(action.get("output_schema").get("type").asText()).isEqualTo("object");
        });
        HttpResponse<String> unknown = send("GET", "/acp/agents/weather", null, true);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(MAPPER.readTree(unknown.body()).get("code").asText()).isEqualTo("not_found");
    }

    @Test
    void everyAction_inEveryMode() throws Exception {
        List<String> workloadIds = new ArrayList<>();
        for (String mode : MODES) {
            int listenOn = TestWorkloads.freePort();
            JsonNode deployed = completed(mode, "{\"action\": \"deploy_to_cloud\", \"cloud_target\": \""
                    + Services.CLOUD_TARGET + "\", \"name\": \"" + RUN + "-" + mode + "\", \"image\": \"" + IMAGE + "\", "
                    + "\"network\": \"host\", \"ports\": [{\"container_port\": " + listenOn + "}], "
                    + "\"env\": {\"PORT\": \"" + listenOn + "\", \"GREETING\": \"" + mode + "\"}, "
                    + "\"secret_env\": {\"TOKEN\": \"acp-secret\"}, \"resources\": {\"cpus\": 0.25, \"memory\": \"64m\"}, "
                    + "\"health_check\": {\"type\": \"http\", \"path\": \"/health\", \"interval_seconds\": 1, "
                    + "\"timeout_seconds\": 1}}");
            assertThat(deployed.get("status").asText()).isEqualTo("running");
            assertThat(deployed.get("address").asText()).isEqualTo("127.0.0.1:" + listenOn);
            assertThat(deployed.get("pinned_image").asText()).startsWith(REPOSITORY + "@sha256:");
            assertThat(TestWorkloads.inspect(RUN + "-" + mode).at("/HostConfig/NanoCpus").asLong()).isEqualTo(250_000_000L);
            workloadIds.add(deployed.get("workload_id").asText());
        }
        String first = workloadIds.get(0);
        for (String mode : MODES) {
            assertThat(completed(mode, action("get_address", first)).get("address").asText()).startsWith("127.0.0.1:");
            // the server may still be coming back from the previous mode's restart
            JsonNode check = await().atMost(Duration.ofSeconds(30)).until(
                    () -> completed(mode, action("health_check", first)), c -> c.get("healthy").asBoolean());
            assertThat(check.get("detail").asText()).endsWith("/health answered 200");
            assertThat(check.get("response_time_ms").asLong()).isNotNegative();
            assertThat(completed(mode, "{\"action\": \"logs\", \"workload_id\": \"" + first + "\", \"tail\": 5}")
                    .get("logs").asText()).contains("listening on");
            assertThat(completed(mode, action("stats", first)).get("memoryUsageBytes").asLong()).isPositive();
            assertThat(completed(mode, "{\"action\": \"list_workloads\"}").get("workloads").findValuesAsText("workload_id"))
                    .containsAll(workloadIds);
            assertThat(completed(mode, action("stop_container", first)).get("status").asText()).isEqualTo("stopped");
            assertThat(TestWorkloads.inspect(RUN + "-sync").at("/State/Running").asBoolean()).isFalse();
            assertThat(completed(mode, action("restart_container", first)).get("status").asText()).isEqualTo("running");
            assertThat(TestWorkloads.inspect(RUN + "-sync").at("/State/Running").asBoolean()).isTrue();
        }
        for (int i = 0; i < MODES.size(); i++) {
            assertThat(completed(MODES.get(i), action("delete_container", workloadIds.get(i))).get("status").asText())
                    .isEqualTo("deleted");
            assertThat(TestWorkloads.containerExists(RUN + "-" + MODES.get(i))).isFalse();
        }
    }

    @Test
    void deployToEdge_onAnAgentlessEdge_inEveryMode() throws Exception {
        String venue = RUN + "-venue";
        String edge = RUN + "-edge";
        assertThat(send("PUT", "/api/venues/" + venue, "{\"name\": \"ACP hall\"}", true).statusCode()).isEqualTo(200);
        HttpResponse<String> registered = send("PUT", "/api/edges/" + edge, "{\"name\": \"ACP edge\", \"venueId\": \""
                + venue + "\", \"transport\": \"ssh\", \"address\": \"127.0.0.1\", \"ssh\": {\"user\": \""
                + Services.sshUser() + "\", \"port\": " + Services.sshPort() + ", \"hostKey\": "
                + MAPPER.writeValueAsString(Services.sshHostKey()) + ", \"privateKey\": "
                + MAPPER.writeValueAsString(Services.sshPrivateKey()) + "}}", true);
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(200);
        for (String mode : MODES) {
            int listenOn = TestWorkloads.freePort();
            String name = RUN + "-edge-" + mode;
            JsonNode deployed = completed(mode, "{\"action\": \"deploy_to_edge\", \"device_id\": \"" + edge + "\", "
                    + "\"name\": \"" + name + "\", \"image\": \"" + IMAGE + "\", \"network\": \"host\", "
                    + "\"ports\": [{\"container_port\": " + listenOn + "}], \"env\": {\"PORT\": \"" + listenOn + "\"}, "
                    + "\"resources\": {\"memory\": \"48m\"}}");
            assertThat(deployed.get("target").asText()).isEqualTo("edge");
            assertThat(deployed.get("address").asText()).isEqualTo("127.0.0.1:" + listenOn);
            assertThat(TestWorkloads.inspect(name).at("/HostConfig/Memory").asLong()).isEqualTo(48L * 1024 * 1024);
            assertThat(completed(mode, "{\"action\": \"list_workloads\", \"device_id\": \"" + edge + "\"}")
                    .get("workloads").findValuesAsText("name")).contains(name);
            completed(mode, action("delete_container", deployed.get("workload_id").asText()));
            assertThat(TestWorkloads.containerExists(name)).isFalse();
        }
    }

    @Test
    void anUnknownAction_andABadInput_failTheRunWithInvalidInput_namingEveryProblem() throws Exception {
        for (String mode : MODES) {
            JsonNode unknown = finished(mode, "{\"action\": \"fly\"}");
            assertThat(unknown.get("status").asText()).isEqualTo("failed");
            assertThat(unknown.at("/error/code").asText()).isEqualTo("invalid_input");
            assertThat(unknown.at("/error/message").asText()).contains("unknown action 'fly'", "deploy_to_cloud");
        }
        JsonNode bad = finished("sync", "{\"action\": \"deploy_to_cloud\", \"cloud_target\": 7, \"image\": \"x\", "
                + "\"name\": \"Not A Slug\", \"color\": \"red\"}");
        assertThat(bad.at("/error/code").asText()).isEqualTo("invalid_input");
        assertThat(bad.at("/error/message").asText()).contains("$.cloud_target", "$.name", "color");
        JsonNode noJson = run("sync", MAPPER.createObjectNode().put("agent_name", "hosting-orchestrator")
                .set("inputs", MAPPER.readTree("[{\"parts\": [{\"content_type\": \"text/plain\", \"content\": \"deploy\"}]}]")));
        assertThat(noJson.get("status").asText()).isEqualTo("failed");
        assertThat(noJson.at("/error/message").asText()).contains("one part of content_type application/json");
        // the workload API's own refusals come back the same way
        JsonNode unknownTarget = finished("sync", "{\"action\": \"deploy_to_cloud\", \"cloud_target\": \"moon\", "
                + "\"name\": \"" + RUN + "-moon\", \"image\": \"" + IMAGE + "\"}");
        assertThat(unknownTarget.at("/error/code").asText()).isEqualTo("invalid_input");
        assertThat(unknownTarget.at("/error/message").asText()).contains("cloudTarget 'moon' is not configured");
        JsonNode missing = finished("sync", action("get_address", "no-such-workload"));
        assertThat(missing.at("/error/code").asText()).isEqualTo("not_found");
    }

    @Test
    void cancellingARunningDeploy_removesWhatItStarted_andEndsCancelled() throws Exception {
        int listenOn = TestWorkloads.freePort();
        String name = RUN + "-cancelled";
        JsonNode accepted = run("async", request("{\"action\": \"deploy_to_cloud\", \"cloud_target\": \""
                + Services.CLOUD_TARGET + "\", \"name\": \"" + name + "\", \"image\": \"" + IMAGE + "\", "
                + "\"network\": \"host\", \"ports\": [{\"container_port\": " + listenOn + "}], "
                + "\"env\": {\"PORT\": \"" + listenOn + "\"}}"));
        String runId = accepted.get("run_id").asText();
        // cancelled once its container runs and before the settle window gives its verdict
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> TestWorkloads.containerExists(name));
        HttpResponse<String> cancel = send("POST", "/acp/runs/" + runId + "/cancel", null, true);
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
        JsonNode cancelled = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> get("/acp/runs/" + runId), r -> r.get("status").asText().matches("cancelled|completed|failed"));
        assertThat(cancelled.get("status").asText()).as("%s", cancelled).isEqualTo("cancelled");
        assertThat(TestWorkloads.containerExists(name)).isFalse();
        JsonNode workload = get("/api/workloads").findParents("name").stream()
                .filter(w -> w.get("name").asText().equals(name)).findFirst().orElseThrow();
        assertThat(workload.get("status").asText()).isEqualTo("cancelled");
        assertThat(workload.get("detail").asText()).contains("its container was removed");
        HttpResponse<String> again = send("POST", "/acp/runs/" + runId + "/cancel", null, true);
        assertThat(again.statusCode()).isEqualTo(409);
    }

    @Test
    void aRunWithoutAKey_isRefused() throws Exception {
        HttpResponse<String> refused = send("POST", "/acp/runs", request("{\"action\": \"list_workloads\"}").toString(), false);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(send("GET", "/acp/agents", null, false).statusCode()).isEqualTo(401);
    }

    private static String action(String action, String workloadId) {
        return "{\"action\": \"" + action + "\", \"workload_id\": \"" + workloadId + "\"}";
    }

    private static ObjectNode request(String content) {
        ObjectNode request = MAPPER.createObjectNode().put("agent_name", "hosting-orchestrator");
        request.putArray("inputs").addObject().put("role", "user").putArray("parts").addObject()
                .put("content_type", "application/json").put("content", content);
        return request;
    }

    /** The action's output, from a run that completed in {@code mode}. */
    private JsonNode completed(String mode, String content) throws Exception {
        JsonNode run = finished(mode, content);
        assertThat(run.get("status").asText()).as("%s", run).isEqualTo("completed");
        assertThat(run.get("outputs")).isEqualTo(run.get("output"));
        assertThat(run.at("/output/0/role").asText()).isEqualTo("agent/hosting-orchestrator");
        assertThat(run.at("/output/0/parts/0/content_type").asText()).isEqualTo("application/json");
        return MAPPER.readTree(run.at("/output/0/parts/0/content").asText());
    }

    /** The run once over, in {@code mode}: answered (sync), followed by its id (async) or streamed (stream). */
    private JsonNode finished(String mode, String content) throws Exception {
        JsonNode run = run(mode, request(content));
        if (mode.equals("async")) {
            assertThat(run.get("status").asText()).isIn("created", "in-progress", "failed");
            return await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                    .until(() -> get("/acp/runs/" + run.get("run_id").asText()),
                            r -> r.get("status").asText().matches("completed|failed|cancelled"));
        }
        return run;
    }

    /** POSTs the run in {@code mode}; a stream's events are checked for their order and its last run returned. */
    private JsonNode run(String mode, ObjectNode request) throws Exception {
        request.put("mode", mode);
        HttpResponse<String> response = send("POST", "/acp/runs", request.toString(), true);
        if (!mode.equals("stream")) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(mode.equals("async") ? 202 : 200);
            return MAPPER.readTree(response.body());
        }
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        List<String> types = new ArrayList<>();
        JsonNode last = null;
        for (String line : response.body().split("\n")) {
            if (line.startsWith("data:")) {
                JsonNode event = MAPPER.readTree(line.substring(5));
                types.add(event.get("type").asText());
                if (event.has("run")) {
                    last = event.get("run");
                }
            }
        }
        String end = "run." + last.get("status").asText();
        assertThat(types).startsWith("run.created", "run.in-progress").endsWith(end);
        if (end.equals("run.completed")) {
            assertThat(types).containsSubsequence("message.part", "message.completed", "run.completed");
        }
        return last;
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = send("GET", path, null, true);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return MAPPER.readTree(response.body());
    }

    private HttpResponse<String> send(String method, String path, String body, boolean withKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofMinutes(3)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (withKey) {
            request.header(Services.API_KEY_HEADER, Services.ADMIN_KEY);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
