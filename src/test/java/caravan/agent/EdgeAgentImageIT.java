package caravan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import caravan.testing.Services;
import caravan.testing.TestCommandSigner;

/**
 * The agent's container image, built by {@code scripts/build-image.sh edge-agent} on the local Debian base and run as
 * the Dockerfile documents (engine socket and its group, state directory mounted, a memory limit): non-root under
 * tini, it heartbeats with the engine's version, so it reaches Docker from inside its container, simulates
 * trajectories, and its health check finds it healthy.
 */
class EdgeAgentImageIT {

    static final ObjectMapper MAPPER = new ObjectMapper();
    final String run = UUID.randomUUID().toString().substring(0, 8);
    final String edge = "image-it-" + run;
    final String tag = "caravan-test/edge-agent:" + run;
    MqttClient observer;

    @AfterEach
    void cleanUp() throws Exception {
        Services.run("docker", "rm", "-f", "caravan-edge-agent-" + run);
        Services.run("docker", "rmi", tag);
        if (observer != null) {
            observer.disconnect();
            observer.close();
        }
        Services.forgetEdges(edge);
    }

    @Test
    void theImageRunsTheAgentAgainstTheHostsEngine() throws Exception {
        Services.CommandResult build = Services.run("env", "BASE_IMAGE=" + Services.baseImage(),
                "scripts/build-image.sh", "edge-agent", tag);
        assertThat(build.exitCode()).as(build.output()).isZero();

        List<JsonNode> heartbeats = new CopyOnWriteArrayList<>();
        List<JsonNode> trajectories = new CopyOnWriteArrayList<>();
        observer = new MqttClient(Services.mqttUrl(), "image-it-observer-" + run, new MemoryPersistence());
        observer.connect(Services.mqttHubLogin());
        observer.subscribe(new MqttSubscription[] {new MqttSubscription("caravan/edges/" + edge + "/events", 1),
                        new MqttSubscription("hyperspace/trajectories/" + edge, 0)},
                new IMqttMessageListener[] {
                        (topic, message) -> heartbeats.add(MAPPER.readTree(message.getPayload())),
                        (topic, message) -> trajectories.add(MAPPER.readTree(message.getPayload()))});

        String state = Services.tempDir("caravan-agent-image-state").toString();
        // the image's user owns its state, as an operator sets it up on the device
        assertThat(Services.run("chown", "10001:10001", state).exitCode()).isZero();
        String dockerGroup = Services.run("stat", "--format", "%g", "/var/run/docker.sock").output().strip();
        List<String> dockerRun = new ArrayList<>(List.of("docker", "run", "-d", "--name", "caravan-edge-agent-" + run,
                "--network", "host", "--memory", "192m", "--group-add", dockerGroup,
                "-v", "/var/run/docker.sock:/var/run/docker.sock", "-v", state + ":" + state,
                "-e", "CARAVAN_AGENT_EDGE_ID=" + edge, "-e", "CARAVAN_AGENT_BROKER_URL=" + Services.mqttUrl(),
                "-e", "CARAVAN_AGENT_STATE_DIR=" + state, "-e", "CARAVAN_AGENT_HEARTBEAT_INTERVAL_MS=1000"));
        TestCommandSigner signer = new TestCommandSigner();
        Services.addEdgeAccount(edge, signer.edgeSecret());
        signer.agentEnvironment().forEach((name, value) -> dockerRun.addAll(List.of("-e", name + "=" + value)));
        dockerRun.add(tag);
        Services.CommandResult started = Services.run(dockerRun.toArray(String[]::new));
        assertThat(started.exitCode()).as(started.output()).isZero();

        JsonNode heartbeat = await().atMost(Duration.ofSeconds(90)).until(
                () -> heartbeats.stream().filter(h -> "heartbeat".equals(h.path("type").asText())).findFirst().orElse(null),
                h -> h != null);
        assertThat(heartbeat.path("agentVersion").asText()).startsWith("caravan-edge-agent ");
        assertThat(heartbeat.path("dockerVersion").asText()).as("%s", heartbeat).isNotBlank();
        await().atMost(Duration.ofSeconds(30)).until(() -> !trajectories.isEmpty());
        assertThat(trajectories.get(0).path("deviceId").asText()).isEqualTo(edge);
        assertThat(docker("inspect", "--format", "{{.Config.User}}", "caravan-edge-agent-" + run)).isEqualTo("10001:10001");
        assertThat(docker("exec", "caravan-edge-agent-" + run, "cat", "/proc/1/cmdline").replace('\0', ' '))
                .startsWith("/usr/bin/tini -- /opt/caravan-edge-agent/bin/caravan-edge-agent");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).until(() -> docker("inspect",
                "--format", "{{.State.Health.Status}}", "caravan-edge-agent-" + run).equals("healthy"));
    }

    private static String docker(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(arguments));
        Services.CommandResult result = Services.run(command.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.output()).isZero();
        return result.output().strip();
    }
}
