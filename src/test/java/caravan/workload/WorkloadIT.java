package caravan.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.testing.HubClient;
import caravan.testing.Services;
import caravan.testing.TestWorkloads;

/**
 * Workloads on a cloud target: the suite's Docker engine behind a listener that wants a client certificate signed by
 * the test CA, as a cloud VM's dockerd --tlsverify does. Images from the real registry, limits read back with the
 * engine's inspect, and the workloads answering on their addresses.
 */
@CamelSpringBootTest
@AutoConfigureObservability // Prometheus as in the real run
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class WorkloadIT {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final Path DATA_DIR = Services.tempDir("caravan-workload-it");
    static final String REPOSITORY = Services.registry() + "/caravan-it/workload-" + RUN;
    static final String IMAGE = REPOSITORY + ":a";
    /** Pushed, never pulled by the hub: what a refused deploy must not have fetched. */
    static final String UNPULLED_IMAGE = REPOSITORY + ":b";
    static final String HTTP_CHECK = "\"healthCheck\": {\"type\": \"http\", \"path\": \"/health\", "
            + "\"intervalSeconds\": 1, \"timeoutSeconds\": 1, \"retries\": 2}";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, DATA_DIR);
        registry.add("caravan.workloads.settle", () -> "2s");
        registry.add("caravan.workloads.interruption-check", () -> "1s");
    }

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcClient jdbc;

    @BeforeAll
    static void pushImages() throws Exception {
        TestWorkloads.push(IMAGE, "a");
        TestWorkloads.push(UNPULLED_IMAGE, "b");
    }

    @AfterAll
    static void removeContainersAndImages() throws Exception {
        TestWorkloads.removeContainersAndImages(RUN, REPOSITORY);
    }

    @Test
    void twoWorkloadsWithTheirOwnLimits_run_answer_stop_start_restart_andAreDeleted() throws Exception {
        int portA = TestWorkloads.freePort();
        int portB = TestWorkloads.freePort();
        String a = "web-a-" + RUN;
        String b = "web-b-" + RUN;
        JsonNode createdA = accepted(workload(a, IMAGE, Services.CLOUD_TARGET, portA,
                "\"env\": {\"GREETING\": \"a\", \"PORT\": \"" + portA + "\"}, \"secretEnv\": {\"TOKEN\": \"s3cret-" + RUN + "\"}, "
                        + "\"resources\": {\"cpus\": 0.5, \"memory\": \"64m\", \"pids\": 64}, " + HTTP_CHECK));
        JsonNode createdB = accepted(workload(b, IMAGE, Services.CLOUD_TARGET, portB,
                "\"env\": {\"GREETING\": \"b\", \"PORT\": \"" + portB + "\"}, "
                        + "\"resources\": {\"cpus\": 0.25, \"memory\": \"96m\", \"pids\": 32}, "
                        + "\"healthCheck\": {\"type\": \"tcp\", \"intervalSeconds\": 1, \"timeoutSeconds\": 1}"));
        String idA = createdA.get("workloadId").asText();
        String idB = createdB.get("workloadId").asText();
        String pinned = createdA.get("pinnedImage").asText();
        assertThat(pinned).startsWith(REPOSITORY + "@sha256:");

        // the same name on the same target is taken
        ResponseEntity<JsonNode> again = HubClient.postJson(http, "/api/workloads",
                workload(a, IMAGE, Services.CLOUD_TARGET, portA, "\"env\": {}"));
        assertThat(again.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(again.getBody().get("error").asText()).contains(a, "cloud target " + Services.CLOUD_TARGET);

        JsonNode runningA = awaitStatus(idA, "running");
        awaitStatus(idB, "running");
        assertThat(runningA.get("address").asText()).isEqualTo("127.0.0.1:" + portA);
        assertThat(runningA.get("secretEnv").toString()).isEqualTo("[\"TOKEN\"]");
        assertThat(runningA.toString()).doesNotContain("s3cret");
        assertThat(jdbc.sql("SELECT secret_env FROM workloads WHERE workload_id = :id").param("id", idA)
                .query(String.class).single()).contains("TOKEN").doesNotContain("s3cret");

        JsonNode containerA = TestWorkloads.inspect(a);
        assertThat(containerA.at("/Config/Image").asText()).isEqualTo(pinned);
        assertThat(containerA.at("/Config/Labels/caravan.workload").asText()).isEqualTo(idA);
        assertThat(containerA.at("/HostConfig/NanoCpus").asLong()).isEqualTo(500_000_000L);
        assertThat(containerA.at("/HostConfig/Memory").asLong()).isEqualTo(64L * 1024 * 1024);
        assertThat(containerA.at("/HostConfig/PidsLimit").asLong()).isEqualTo(64);
        assertThat(containerA.at("/Config/Env").toString()).contains("TOKEN=s3cret-" + RUN, "GREETING=a");
        JsonNode containerB = TestWorkloads.inspect(b);
        assertThat(containerB.at("/HostConfig/NanoCpus").asLong()).isEqualTo(250_000_000L);
        assertThat(containerB.at("/HostConfig/Memory").asLong()).isEqualTo(96L * 1024 * 1024);
        assertThat(containerB.at("/HostConfig/PidsLimit").asLong()).isEqualTo(32);

        assertThat(awaitHealth(idA, "healthy").get("checks").get(0).get("detail").asText())
                .isEqualTo("GET http://127.0.0.1:" + portA + "/health answered 200");
        assertThat(awaitHealth(idB, "healthy").get("checks").get(0).get("detail").asText())
                .isEqualTo("connected to 127.0.0.1:" + portB);
        assertThat(awaitAnswer(runningA.get("address").asText())).isEqualTo("hello from a, with a token\n");
        assertThat(awaitAnswer("127.0.0.1:" + portB)).isEqualTo("hello from b\n");
        assertThat(HubClient.getJson(http, "/api/workloads").findValuesAsText("workloadId")).contains(idA, idB);

        JsonNode stopped = control(idA, "stop");
        assertThat(stopped.get("status").asText()).isEqualTo("stopped");
        assertThat(TestWorkloads.inspect(a).at("/State/Running").asBoolean()).isFalse();
        assertThat(control(idA, "start").get("status").asText()).isEqualTo("running");
        assertThat(awaitAnswer("127.0.0.1:" + portA)).isEqualTo("hello from a, with a token\n");
        String startedAt = TestWorkloads.inspect(a).at("/State/StartedAt").asText();
        assertThat(control(idA, "restart").get("status").asText()).isEqualTo("running");
        assertThat(TestWorkloads.inspect(a).at("/State/StartedAt").asText()).isNotEqualTo(startedAt);
        assertThat(awaitAnswer("127.0.0.1:" + portA)).isEqualTo("hello from a, with a token\n");

        assertThat(HubClient.getJson(http, "/api/workloads/" + idA + "/logs?tail=20").get("logs").asText())
                .contains("listening on " + portA);
        JsonNode stats = HubClient.getJson(http, "/api/workloads/" + idA + "/stats");
        assertThat(stats.get("memoryUsageBytes").asLong()).isPositive();
        assertThat(stats.get("pids").asLong()).isPositive();

        ResponseEntity<JsonNode> deleted = http.exchange("/api/workloads/" + idB, HttpMethod.DELETE, null, JsonNode.class);
        assertThat(deleted.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(deleted.getBody().get("status").asText()).isEqualTo("deleted");
        assertThat(TestWorkloads.containerExists(b)).isFalse();
        assertThat(http.getForEntity("/api/workloads/" + idB, JsonNode.class).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(HubClient.getJson(http, "/api/workloads").findValuesAsText("workloadId")).contains(idA)
                .doesNotContain(idB);
        http.delete("/api/workloads/" + idA);
    }

    @Test
    void anHttpCheckThatStartsFailing_turnsTheWorkloadUnhealthy_withHistory_andAnAlert_andACommandCheckRunsInside()
            throws Exception {
        int port = TestWorkloads.freePort();
        String web = "sickly-" + RUN;
        String idWeb = accepted(workload(web, IMAGE, Services.CLOUD_TARGET, port,
                "\"env\": {\"PORT\": \"" + port + "\"}, " + HTTP_CHECK)).get("workloadId").asText();
        String inside = "inside-" + RUN;
        String idInside = accepted(workload(inside, IMAGE, Services.CLOUD_TARGET, TestWorkloads.freePort(), "\"env\": {}, "
                + "\"healthCheck\": {\"type\": \"command\", \"command\": [\"test\", \"-e\", \"/etc/workload-variant\"], "
                + "\"intervalSeconds\": 1, \"timeoutSeconds\": 1, \"retries\": 1}")).get("workloadId").asText();
        awaitStatus(idWeb, "running");
        awaitStatus(idInside, "running");
        String healthySince = awaitHealth(idWeb, "healthy").get("healthSince").asText();
        assertThat(awaitHealth(idInside, "healthy").get("checks").get(0).get("detail").asText())
                .isEqualTo("test -e /etc/workload-variant exited 0");

        TestWorkloads.run("docker", "exec", web, "touch", "/tmp/unhealthy");
        JsonNode unhealthy = awaitHealth(idWeb, "unhealthy");
        assertThat(unhealthy.get("healthSince").asText()).isNotEqualTo(healthySince);
        JsonNode checks = unhealthy.get("checks");
        assertThat(checks.get(0).get("healthy").asBoolean()).isFalse();
        assertThat(checks.get(0).get("detail").asText()).isEqualTo("GET http://127.0.0.1:" + port
                + "/health answered 503 (expected 200)");
        assertThat(checks.get(1).get("healthy").asBoolean()).as("two failures in a row before unhealthy").isFalse();
        assertThat(checks.findValuesAsText("healthy")).contains("true");
        checks.forEach(check -> assertThat(check.get("responseTimeMs").asLong()).isNotNegative());
        JsonNode alert = await().atMost(Duration.ofSeconds(30)).until(() -> StreamSupport.stream(
                HubClient.getJson(http, "/api/alerts?limit=100").spliterator(), false)
                .filter(a -> idWeb.equals(a.path("workloadId").asText())).findFirst(), Optional::isPresent)
                .orElseThrow();
        assertThat(alert.get("type").asText()).isEqualTo("workload-unhealthy");
        assertThat(alert.get("message").asText()).contains("workload " + web + " on cloud target "
                + Services.CLOUD_TARGET + " is unhealthy: 2 failed http checks in a row", "answered 503");
        assertThat(HubClient.getJson(http, "/api/workloads/" + idWeb).get("health").asText()).isEqualTo("unhealthy");
        // counted from the database at each health tick (the checks themselves may run on any hub of the suite's
        // database, and are timed there)
        await().atMost(Duration.ofSeconds(10)).until(() -> http.getForObject("/actuator/prometheus", String.class),
                text -> text.matches("(?s).*caravan_workloads\\{health=\"unhealthy\"} [1-9].*"));

        TestWorkloads.run("docker", "exec", web, "rm", "/tmp/unhealthy");
        awaitHealth(idWeb, "healthy");
        TestWorkloads.run("docker", "exec", inside, "rm", "/etc/workload-variant");
        assertThat(awaitHealth(idInside, "unhealthy").get("checks").get(0).get("detail").asText())
                .isEqualTo("test -e /etc/workload-variant exited 1");
        await().atMost(Duration.ofSeconds(30)).until(() -> HubClient.getJson(http, "/api/alerts?limit=100")
                .findValuesAsText("workloadId").contains(idInside));
        http.delete("/api/workloads/" + idWeb);
        http.delete("/api/workloads/" + idInside);
    }

    @Test
    void aContainerThatExits_failsTheDeploy_withItsLastOutput() throws Exception {
        JsonNode created = accepted(workload("crash-" + RUN, IMAGE, Services.CLOUD_TARGET, TestWorkloads.freePort(),
                "\"env\": {\"PORT\": \"not-a-port\"}"));
        JsonNode failed = awaitStatus(created.get("workloadId").asText(), "failed");
        assertThat(failed.get("detail").asText()).contains("container crash-" + RUN, "cannot listen on not-a-port",
                "stopped, kept for its logs");
        assertThat(TestWorkloads.inspect("crash-" + RUN).at("/State/Running").asBoolean()).as("no crash loop left running").isFalse();
        http.delete("/api/workloads/" + created.get("workloadId").asText());
    }

    @Test
    void aContainerOfTheSameNameThatIsNotTheWorkloads_isNeverReplacedNorRemoved() throws Exception {
        String name = "foreign-" + RUN;
        TestWorkloads.run("docker", "run", "--detach", "--name", name, "--network", "none", Services.baseImage(),
                "sleep", "infinity");
        JsonNode created = accepted(workload(name, IMAGE, Services.CLOUD_TARGET, TestWorkloads.freePort(), "\"env\": {}"));
        JsonNode failed = awaitStatus(created.get("workloadId").asText(), "failed");
        assertThat(failed.get("detail").asText()).contains("a container named " + name, "was left as it is");
        ResponseEntity<JsonNode> deleted = http.exchange("/api/workloads/" + created.get("workloadId").asText(),
                HttpMethod.DELETE, null, JsonNode.class);
        assertThat(deleted.getBody().get("detail").asText()).contains("is not this workload's and was left as it is");
        assertThat(TestWorkloads.inspect(name).at("/Config/Cmd").toString()).isEqualTo("[\"sleep\",\"infinity\"]");
        assertThat(TestWorkloads.inspect(name).at("/State/Running").asBoolean()).isTrue();
    }

    @Test
    void moreMemoryThanTheTargetHas_isRefusedBeforeThePull() throws Exception {
        JsonNode created = accepted(workload("huge-" + RUN, UNPULLED_IMAGE, Services.CLOUD_TARGET, TestWorkloads.freePort(),
                "\"resources\": {\"memory\": \"4096g\"}"));
        JsonNode failed = awaitStatus(created.get("workloadId").asText(), "failed");
        assertThat(failed.get("detail").asText()).contains("cloud target " + Services.CLOUD_TARGET + " has",
                "of memory, the workload asks for 4194304 MB");
        assertThat(Services.run("docker", "image", "inspect", created.get("pinnedImage").asText()).exitCode())
                .as("the image was not pulled").isNotZero();
        assertThat(TestWorkloads.containerExists("huge-" + RUN)).isFalse();
        http.delete("/api/workloads/" + created.get("workloadId").asText());
    }

    @Test
    void anEngineThatDoesNotTrustTheHubsClientCertificate_refusesIt() throws Exception {
        JsonNode created = accepted(workload("untrusted-" + RUN, IMAGE, Services.UNTRUSTED_CLOUD_TARGET, TestWorkloads.freePort(),
                "\"env\": {}"));
        JsonNode failed = awaitStatus(created.get("workloadId").asText(), "failed");
        assertThat(failed.get("detail").asText()).startsWith("Docker engine not reachable at " + Services.dockerTlsHost());
        assertThat(TestWorkloads.containerExists("untrusted-" + RUN)).isFalse();
        http.delete("/api/workloads/" + created.get("workloadId").asText());
    }

    @Test
    void aDeployAndAnAcpRunInterruptedByAStoppedHub_areTakenUpByAnother() throws Exception {
        String name = "resumed-" + RUN;
        int port = TestWorkloads.freePort();
        String id = accepted(workload(name, IMAGE, Services.CLOUD_TARGET, port, "\"env\": {\"PORT\": \"" + port
                + "\"}")).get("workloadId").asText();
        String firstContainer = awaitStatus(id, "running").get("containerId").asText();
        // As a hub killed while pulling leaves it: no step since, longer ago than any step takes.
        jdbc.sql("UPDATE workloads SET status = 'pulling', updated_at = now() - interval '1 day' WHERE workload_id = :id")
                .param("id", id).update();
        String runId = UUID.randomUUID().toString();
        jdbc.sql("INSERT INTO acp_runs (run_id, agent_name, mode, action, status, inputs, requested_by, created_at) "
                        + "VALUES (:id, 'hosting-orchestrator', 'async', 'deploy_to_cloud', 'in-progress', '[]', 'it', "
                        + "now() - interval '1 day')").param("id", runId).update();

        JsonNode resumed = await().atMost(Duration.ofSeconds(60)).until(() -> HubClient.getJson(http, "/api/workloads/" + id),
                w -> "running".equals(w.path("status").asText()) && !firstContainer.equals(w.path("containerId").asText()));
        assertThat(TestWorkloads.inspect(name).at("/Id").asText()).isEqualTo(resumed.get("containerId").asText());
        assertThat(resumed.get("deployAttempt").asInt()).isEqualTo(1);
        JsonNode run = await().atMost(Duration.ofSeconds(30)).until(() -> HubClient.getJson(http, "/acp/runs/" + runId),
                r -> "failed".equals(r.path("status").asText()));
        assertThat(run.at("/error/code").asText()).isEqualTo("server_error");
        assertThat(run.at("/error/message").asText()).contains("the run was interrupted");
        http.delete("/api/workloads/" + id);
        jdbc.sql("DELETE FROM acp_runs WHERE run_id = :id").param("id", runId).update();
    }

    @Test
    void badRequests_nameEveryProblem() {
        ResponseEntity<JsonNode> rejected = HubClient.postJson(http, "/api/workloads", "{\"name\": \"Bad_Name\", "
                + "\"target\": \"cloud\", \"cloudTarget\": \"nowhere\", \"image\": \"" + REPOSITORY + ":missing\", "
                + "\"env\": {\"1BAD\": \"x\", \"TOKEN\": \"y\", \"MOTD\": \"two\\nlines\"}, \"secretEnv\": {\"TOKEN\": \"z\"}, "
                + "\"resources\": {\"memory\": \"lots\"}, \"ports\": [{\"containerPort\": 0}], "
                + "\"healthCheck\": {\"type\": \"ping\", \"timeoutSeconds\": 20}}");
        assertThat(rejected.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(rejected.getBody().get("problems").toString()).contains("name 'Bad_Name'",
                "cloudTarget 'nowhere' is not configured", Services.CLOUD_TARGET, "env name '1BAD'",
                "TOKEN is in both env and secretEnv", "env MOTD holds a line break", "resources.memory 'lots'", "ports:", "(no such image or tag)",
                "healthCheck.type must be http, tcp or command", "healthCheck.timeoutSeconds must be from 1 to intervalSeconds");
        assertThat(HubClient.postJson(http, "/api/workloads", "{\"target\": \"moon\"}").getBody().get("problems")
                .toString()).contains("name is required", "target must be edge or cloud", "image is required");
    }

    private String workload(String name, String image, String target, int port, String more) {
        return "{\"name\": \"" + name + "\", \"target\": \"cloud\", \"cloudTarget\": \"" + target + "\", \"image\": \""
                + image + "\", \"network\": \"host\", \"ports\": [{\"containerPort\": " + port + "}], "
                + "\"labels\": {\"suite\": \"" + RUN + "\"}, " + more + "}";
    }

    /** The workload's health history once its health is {@code health}. */
    private JsonNode awaitHealth(String workloadId, String health) {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> HubClient.getJson(http, "/api/workloads/" + workloadId + "/health"),
                        h -> h.get("health").asText().equals(health));
    }

    private JsonNode accepted(String body) {
        ResponseEntity<JsonNode> created = HubClient.postJson(http, "/api/workloads", body);
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        return created.getBody();
    }

    /** The workload once it has the status, or has failed trying. */
    private JsonNode awaitStatus(String workloadId, String status) {
        JsonNode workload = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(300))
                .until(() -> HubClient.getJson(http, "/api/workloads/" + workloadId),
                        w -> w.get("status").asText().matches(status + "|failed"));
        assertThat(workload.get("status").asText()).as("%s", workload).isEqualTo(status);
        return workload;
    }

    private JsonNode control(String workloadId, String action) {
        ResponseEntity<JsonNode> answer = HubClient.postJson(http, "/api/workloads/" + workloadId + "/" + action, "");
        assertThat(answer.getStatusCode()).as("%s", answer.getBody()).isEqualTo(HttpStatus.OK);
        return answer.getBody();
    }

    private static String awaitAnswer(String address) {
        return await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> HTTP.send(
                HttpRequest.newBuilder(URI.create("http://" + address + "/")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body(), body -> body != null && !body.isEmpty());
    }
}
