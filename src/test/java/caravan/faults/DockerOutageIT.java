package caravan.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.web.client.RestTemplateBuilder;
import org.springframework.http.HttpStatus;

import caravan.testing.DockerdProcess;
import caravan.testing.HubClient;
import caravan.testing.HubProcess;
import caravan.testing.RegistryProcess;
import caravan.testing.ServiceProcess;
import caravan.testing.Services;
import caravan.testing.TestDebs;

/**
 * The hub's jar building on a Docker engine, and pushing to a registry, of the test's own: the engine killed in the
 * middle of a build, or the registry in the middle of a push, ends the build {@code failed} with a reason naming the
 * engine or the registry; the hub goes on serving, and the same upload succeeds once they are back.
 */
class DockerOutageIT {

    static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);

    static DockerdProcess engine;
    static RegistryProcess registry;
    static ServiceProcess hub;
    static TestRestTemplate http;
    static Path deb;

    @BeforeAll
    static void start() throws Exception {
        engine = DockerdProcess.start(Services.tempDir("dk"));
        registry = RegistryProcess.start(Services.tempDir("caravan-outage-registry"));
        int port = HubProcess.freePort();
        hub = HubProcess.start(Services.tempDir("caravan-docker-outage-hub"), port, Map.of(
                "CARAVAN_DOCKER_HOST", engine.host(),
                "CARAVAN_REGISTRY_URL", registry.url(),
                "CARAVAN_BASE_IMAGE_2204", Services.baseImage(),
                "CARAVAN_MQTT_BROKER_URL", Services.mqttUrl(),
                "CARAVAN_DB_URL", Services.jdbcUrl(),
                "CARAVAN_DB_USERNAME", Services.jdbcUser(),
                "CARAVAN_DB_PASSWORD", Services.jdbcPassword(),
                "CARAVAN_TRAJECTORY_TOPIC", "it-" + UUID.randomUUID() + "/trajectories/#"));
        http = new TestRestTemplate(new RestTemplateBuilder().rootUri("http://127.0.0.1:" + port)
                .defaultHeader(Services.API_KEY_HEADER, Services.ADMIN_KEY));
        deb = TestDebs.helloDeb(Services.tempDir("caravan-debs"), "caravan-hello", "all", "gzip");
    }

    /** What a test killed is back for the next, whatever became of the test. */
    @AfterEach
    void restartWhatWasKilled() throws Exception {
        engine.startIfDead();
        registry.startIfDead();
    }

    @AfterAll
    static void stop() throws Exception {
        if (hub != null) {
            hub.close();
        }
        registry.close();
        engine.close();
    }

    @Test
    void theEngineKilledInTheMiddleOfABuildFailsItNamingTheEngine_andTheSameUploadSucceedsOnceItIsBack()
            throws Exception {
        String metadata = HubClient.helloMetadata("engine-outage-" + UUID.randomUUID().toString().substring(0, 8));
        String buildId = upload(metadata);
        await().atMost(BUILD_TIMEOUT).until(() -> build(buildId).path("logTail").toString().contains("Step 1/"));

        engine.kill();

        JsonNode failed = HubClient.awaitFinished(http, buildId, BUILD_TIMEOUT);
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.get("error").asText()).contains(engine.host());
        assertStillServing();

        engine.startIfDead();
        JsonNode again = HubClient.awaitFinished(http, upload(metadata), BUILD_TIMEOUT);
        assertThat(again.get("status").asText()).as("%s", again).isEqualTo("succeeded");
    }

    @Test
    void theRegistryKilledInTheMiddleOfAPushFailsItNamingTheRegistry_andTheSameUploadSucceedsOnceItIsBack()
            throws Exception {
        String metadata = HubClient.helloMetadata("registry-outage-" + UUID.randomUUID().toString().substring(0, 8));
        String buildId = upload(metadata);
        awaitStatus(buildId, "building");
        registry.freeze(); // the push will connect, and wait
        awaitStatus(buildId, "pushing");

        registry.kill();

        JsonNode failed = HubClient.awaitFinished(http, buildId, BUILD_TIMEOUT);
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.get("error").asText()).contains(registry.url());
        assertStillServing();

        registry.startIfDead();
        JsonNode again = HubClient.awaitFinished(http, upload(metadata), BUILD_TIMEOUT);
        assertThat(again.get("status").asText()).as("%s", again).isEqualTo("succeeded");
        assertThat(again.get("digest").asText()).startsWith("sha256:");
    }

    private static void awaitStatus(String buildId, String status) {
        JsonNode build = await().atMost(BUILD_TIMEOUT).until(() -> build(buildId),
                b -> b.path("status").asText().matches(status + "|failed|succeeded"));
        assertThat(build.path("status").asText()).as("%s", build).isEqualTo(status);
    }

    private static void assertStillServing() {
        assertThat(http.getForEntity("/actuator/health/liveness", String.class).getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(http.getForEntity("/api/algorithm-providers", String.class).getStatusCode()).isEqualTo(HttpStatus.OK);
    }

    private static String upload(String metadata) {
        var accepted = HubClient.upload(http, metadata, deb);
        assertThat(accepted.getStatusCode()).as("%s", accepted.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        return accepted.getBody().get("buildId").asText();
    }

    private static JsonNode build(String buildId) {
        return http.getForObject("/api/algorithm-providers/conversion/builds/" + buildId, JsonNode.class);
    }
}
