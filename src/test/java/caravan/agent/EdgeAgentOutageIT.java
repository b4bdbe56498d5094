package caravan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import caravan.testing.EdgeAgentProcess;
import caravan.testing.MosquittoProcess;
import caravan.testing.Services;
import caravan.testing.TestCommandSigner;
import caravan.testing.TestWorkloads;
import caravan.testing.TrackerDeployments;

/**
 * The edge agent through outages, on a Mosquitto of its own that the test stops and starts: a command sent while the
 * edge is offline arrives when the agent is back (its persistent session), and after the broker was down — and, not
 * persisting, forgot every session — the agent reconnects, subscribes again, heartbeats and answers commands; an
 * agent killed in the middle of a deploy finishes it when started again, leaving one container. The test plays the
 * hub, with a command-signing key and an edge credential of its own.
 */
class EdgeAgentOutageIT {

    static final ObjectMapper MAPPER = new ObjectMapper();
    final String run = UUID.randomUUID().toString().substring(0, 8);
    final String edge = "outage-it-" + run;
    final String trackerRepository = Services.registry() + "/caravan-test/outage-tracker-" + run;
    final Path dir = Services.tempDir("caravan-outage-it");
    final List<JsonNode> events = new CopyOnWriteArrayList<>();
    final TestCommandSigner signer = new TestCommandSigner();
    MosquittoProcess broker;
    MqttClient hub;
    EdgeAgentProcess agent;

    @BeforeEach
    void startBrokerAndHub() throws Exception {
        broker = MosquittoProcess.start(dir);
        broker.addEdge(edge, signer.edgeSecret());
        connectHub();
    }

    @AfterEach
    void stopAll() throws Exception {
        if (agent != null) {
            agent.close();
        }
        TestWorkloads.removeContainersAndImages(edge, trackerRepository);
        if (hub != null && hub.isConnected()) {
            hub.disconnect();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void commandsReachAnEdgeThatWasOffline_andTheAgentComesBackAfterABrokerOutage() throws Exception {
        Path state = Files.createDirectories(dir.resolve("agent"));
        Path log = dir.resolve("agent.log");
        Map<String, String> env = agentEnvironment();

        agent = EdgeAgentProcess.start(edge, broker.url(), state, log, env);
        awaitHeartbeatAfter(0);

        // The edge goes offline; commands sent meanwhile wait in its persistent session and all arrive, in the
        // first moments of the next connection.
        agent.close();
        agent = null;
        List<String> whileOffline = List.of(sendStats(), sendStats(), sendStats());
        agent = EdgeAgentProcess.start(edge, broker.url(), state, log, env);
        for (String commandId : whileOffline) {
            JsonNode answer = awaitResult(commandId);
            assertThat(answer.path("action").asText()).isEqualTo("stats");
            assertThat(answer.path("error").asText()).contains("her-provider-" + edge); // nothing deployed: no container
        }

        // The broker goes down and comes back: the agent reconnects, heartbeats and takes commands again.
        broker.stop();
        int seen = events.size();
        broker.start();
        connectHub();
        awaitHeartbeatAfter(seen);
        assertThat(awaitResult(sendStats()).path("action").asText()).isEqualTo("stats");
        assertThat(Files.readString(log)).doesNotContain("Exception in thread \"main\"");
    }

    @Test
    void aDeployInterruptedByKillingTheAgentEndsInADefiniteState_withOneContainer() throws Exception {
        String image = trackerRepository + ":ok";
        TrackerDeployments.pushImages(image, trackerRepository + ":crash");
        Path state = Files.createDirectories(dir.resolve("agent"));
        Path log = dir.resolve("agent.log");
        Map<String, String> env = agentEnvironment();
        agent = EdgeAgentProcess.start(edge, broker.url(), state, log, env);
        awaitHeartbeatAfter(0);

        String deploymentId = UUID.randomUUID().toString();
        send("{\"type\": \"deploy\", \"commandId\": \"" + deploymentId + "\", \"deployment\": {\"deploymentId\": \""
                + deploymentId + "\", \"edgeId\": \"" + edge + "\", \"venueId\": \"hall\", \"mqtt\": {\"broker\": \"mqtt://127.0.0.1:"
                + broker.port() + "\", \"topic\": \"hyperspace/trajectories/" + edge + "\", \"qos\": 1}, \"provider\": {\"providerId\": "
                + "\"tracker\", \"image\": \"" + image + "\"}, \"resources\": {\"cpus\": 0.5, \"memory\": \"256m\"}}, "
                + "\"healthGate\": {\"windowSeconds\": 15, \"requireTrajectories\": false, \"rollbackOnFailure\": true}, "
                + "\"registryAuth\": {\"serverAddress\": \"" + Services.registry() + "\", \"username\": \""
                + Services.registryUser() + "\", \"password\": \"" + Services.registryPassword() + "\"}}");
        awaitStatus(deploymentId, "running");

        // Killed while the new provider is held to the health gate; started again on the same state.
        agent.kill();
        agent = EdgeAgentProcess.start(edge, broker.url(), state, log, env);
        assertThat(awaitStatus(deploymentId, "healthy|failed").path("status").asText()).isEqualTo("healthy");
        assertThat(Services.run("docker", "ps", "--all", "--quiet", "--filter", "label=caravan.deployment=" + deploymentId)
                .output().strip().lines()).hasSize(1);
        assertThat(Files.exists(state.resolve("deploying.json"))).isFalse();
        assertThat(Files.readString(log)).contains("Resuming deployment " + deploymentId);
        try (var files = Files.walk(state)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(file)).as("%s", file).doesNotContain(Services.registryPassword());
            }
        }
    }

    private JsonNode awaitStatus(String deploymentId, String statuses) {
        return await().atMost(Duration.ofMinutes(2)).until(() -> events.stream()
                .filter(e -> deploymentId.equals(e.path("deploymentId").asText())
                        && e.path("status").asText().matches(statuses))
                .findFirst().orElse(null), e -> e != null);
    }

    private Map<String, String> agentEnvironment() {
        Map<String, String> env = new HashMap<>(signer.agentEnvironment());
        env.put("CARAVAN_AGENT_SIMULATOR_ENABLED", "false");
        env.put("CARAVAN_AGENT_CONTAINER_NAME", "her-provider-" + edge);
        return env;
    }

    private void send(String command) throws Exception {
        MqttMessage message = new MqttMessage(signer.sign(edge, command).getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        hub.publish("caravan/edges/" + edge + "/commands", message);
    }

    private String sendStats() throws Exception {
        String commandId = UUID.randomUUID().toString();
        send("{\"type\": \"container\", \"commandId\": \"" + commandId + "\", \"action\": \"stats\"}");
        return commandId;
    }

    private JsonNode awaitResult(String commandId) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> events.stream()
                .filter(e -> commandId.equals(e.path("commandId").asText())).findFirst().orElse(null), e -> e != null);
    }

    private void awaitHeartbeatAfter(int index) {
        await().atMost(Duration.ofSeconds(60)).until(() -> events.stream().skip(index)
                .anyMatch(e -> "heartbeat".equals(e.path("type").asText())));
    }

    /** Stands in for the hub: a persistent session on the agent's events topic. */
    private void connectHub() throws Exception {
        if (hub == null) {
            hub = new MqttClient(broker.url(), "outage-it-hub-" + edge, new MemoryPersistence());
        }
        MqttConnectionOptions options = broker.hubLogin();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(600L);
        hub.connect(options);
        hub.subscribe(new MqttSubscription[] {new MqttSubscription("caravan/edges/" + edge + "/events", 1)},
                new IMqttMessageListener[] {(topic, message) -> events.add(MAPPER.readTree(message.getPayload()))});
    }
}
