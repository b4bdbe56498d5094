package caravan.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/**
 * Deploying the stand-in tracker provider ({@code src/test/resources/edge-agent-it}) to an edge, by whichever
 * transport: its images in the registry, its registration, deploy-her, the outcome, and the container the
 * reference expects on the edge.
 */
public final class TrackerDeployments {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TrackerDeployments() {
    }

    /**
     * Builds a tracker that publishes ({@code good}) and one that fails its calibration and exits 3 ({@code failing}),
     * pushes both and removes them from the engine, so the edge must pull them with credentials.
     */
    public static void pushImages(String good, String failing) throws Exception {
        Path context = Path.of("src/test/resources/edge-agent-it");
        for (String[] image : List.of(new String[] {good, "no"}, new String[] {failing, "yes"})) {
            run("docker", "build", "--network", "host", "--build-arg", "BASE_IMAGE=" + Services.baseImage(),
                    "--build-arg", "FAIL=" + image[1], "-t", image[0], context.toString());
        }
        Services.dockerLogin();
        run("docker", "push", good);
        run("docker", "push", failing);
        run("docker", "rmi", good, failing);
    }

    /** Pushes the failing tracker under {@code image}'s tag: the tag now names other content than was approved. */
    public static void repushFailingAs(String image) throws Exception {
        run("docker", "build", "--network", "host", "--build-arg", "BASE_IMAGE=" + Services.baseImage(),
                "--build-arg", "FAIL=yes", "-t", image, "src/test/resources/edge-agent-it");
        Services.dockerLogin();
        run("docker", "push", image);
        run("docker", "rmi", image);
    }

    /** {@code registry/path@sha256:…}: the image as the registry serves its tag now, pinned. */
    public static String pinned(String image) throws Exception {
        String path = image.substring(image.indexOf('/') + 1, image.lastIndexOf(':'));
        String digest = Services.registryManifest(path, image.substring(image.lastIndexOf(':') + 1)).headers()
                .firstValue("Docker-Content-Digest").orElseThrow();
        return image.substring(0, image.lastIndexOf(':')) + "@" + digest;
    }

    public static void registerProvider(TestRestTemplate http, String providerId, String image) {
        ResponseEntity<JsonNode> created = HubClient.postJson(http, "/api/algorithm-providers",
                "{\"providerId\": \"" + providerId + "\", \"version\": \"1.0\", \"dockerImage\": \"" + image + "\"}");
        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
    }

    /** deploy-her with the test broker as the provider's; returns the deployment id. */
    public static String deployHer(TestRestTemplate http, String edge, String venue, String providerId) {
        ResponseEntity<JsonNode> accepted = HubClient.postJson(http, "/api/edge-commissioning/edge/" + edge + "/deploy-her",
                "{\"venueId\": \"" + venue + "\", \"providerId\": \"" + providerId + "\", "
                        + "\"mqttBrokerUrl\": \"mqtt://127.0.0.1:1883\"}");
        assertThat(accepted.getStatusCode()).as("%s", accepted.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        return accepted.getBody().path("deploymentId").asText();
    }

    /** The deployment once healthy or failed. */
    public static JsonNode awaitOutcome(TestRestTemplate http, String deploymentId) {
        return Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> HubClient.getJson(http, "/api/deployments/" + deploymentId),
                        d -> d.path("status").asText().matches("healthy|failed"));
    }

    /**
     * {@code docker inspect} of the provider container shows the reference's settings for this deployment, and the
     * image it runs is the one registered, pinned to its digest.
     */
    public static void assertReferenceContainer(JsonNode container, String edge, String venue, String deploymentId,
            String pinnedImage) {
        assertThat(container.at("/Config/Labels/caravan.deployment").asText()).isEqualTo(deploymentId);
        assertThat(container.at("/Config/Image").asText()).isEqualTo(pinnedImage);
        assertThat(MAPPER.convertValue(container.at("/Config/Env"), List.class)).contains(
                "MQTT_BROKER=mqtt://127.0.0.1:1883", "MQTT_TOPIC=hyperspace/trajectories/" + edge, "MQTT_QOS=1",
                "EDGE_ID=" + edge, "VENUE_ID=" + venue, "CONFIG_FILE=/config/extrinsics.json", "MQTT_USERNAME=" + edge);
        assertThat(container.at("/HostConfig/NetworkMode").asText()).isEqualTo("host");
        assertThat(container.at("/HostConfig/RestartPolicy/Name").asText()).isEqualTo("unless-stopped");
        assertThat(container.at("/HostConfig/Memory").asLong()).isEqualTo(2L * 1024 * 1024 * 1024);
        assertThat(container.at("/HostConfig/NanoCpus").asLong()).isEqualTo(2_000_000_000L);
        assertThat(container.at("/HostConfig/Binds").get(0).asText()).endsWith(":/config:ro");
    }

    /** A provider that exits fails the gate, seen exited or already brought back by the restart policy. */
    public static void assertFailedAndRolledBack(JsonNode failed, String rolledBackTo) {
        assertThat(failed.path("status").asText()).isEqualTo("failed");
        assertThat(failed.path("error").asText()).contains("health gate", "calibration failed",
                "rolled back to deployment " + rolledBackTo).containsPattern("exit code 3|restarted \\d+ times");
    }

    private static void run(String... command) throws Exception {
        Services.CommandResult result = Services.run(command);
        assertThat(result.exitCode()).as("%s: %s", String.join(" ", command), result.output()).isZero();
    }
}
