package caravan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import org.junit.jupiter.api.Test;

import caravan.testing.EdgeAgentProcess;
import caravan.testing.Services;

/**
 * The edge agent through outages, on a Mosquitto of its own that the test stops and starts: a command sent while the
 * edge is offline arrives when the agent is back (its persistent session), and after the broker was down — and, not
 * persisting, forgot every session — the agent reconnects, subscribes again, heartbeats and answers commands.
 */
class EdgeAgentOutageIT {

    static final ObjectMapper MAPPER = new ObjectMapper();
    final String edge = "outage-it-" + UUID.randomUUID().toString().substring(0, 8);
    final Path dir = Services.tempDir("caravan-outage-it");
    final List<JsonNode> events = new CopyOnWriteArrayList<>();
    int port;
    Process broker;
    MqttClient hub;
    EdgeAgentProcess agent;

    @AfterEach
    void stopAll() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (hub != null && hub.isConnected()) {
            hub.disconnect();
        }
        stopBroker();
    }

    @Test
    void commandsReachAnEdgeThatWasOffline_andTheAgentComesBackAfterABrokerOutage() throws Exception {
        port = freePort();
        Files.writeString(dir.resolve("mosquitto.conf"), "listener " + port + " 127.0.0.1\nallow_anonymous true\n"
                + "persistence false\n");
        startBroker();
        connectHub();
        Path state = Files.createDirectories(dir.resolve("agent"));
        Path log = dir.resolve("agent.log");
        Map<String, String> env = Map.of("CARAVAN_AGENT_SIMULATOR_ENABLED", "false",
                "CARAVAN_AGENT_CONTAINER_NAME", "her-provider-" + edge);

        agent = EdgeAgentProcess.start(edge, brokerUrl(), state, log, env);
        awaitHeartbeatAfter(0);

        // The edge goes offline; commands sent meanwhile wait in its persistent session and all arrive, in the
        // first moments of the next connection.
        agent.close();
        agent = null;
        List<String> whileOffline = List.of(sendStats(), sendStats(), sendStats());
        agent = EdgeAgentProcess.start(edge, brokerUrl(), state, log, env);
        for (String commandId : whileOffline) {
            JsonNode answer = awaitResult(commandId);
            assertThat(answer.path("action").asText()).isEqualTo("stats");
            assertThat(answer.path("error").asText()).contains("her-provider-" + edge); // nothing deployed: no container
        }

        // The broker goes down and comes back: the agent reconnects, heartbeats and takes commands again.
        stopBroker();
        int seen = events.size();
        startBroker();
        connectHub();
        awaitHeartbeatAfter(seen);
        assertThat(awaitResult(sendStats()).path("action").asText()).isEqualTo("stats");
        assertThat(Files.readString(log)).doesNotContain("Exception in thread \"main\"");
    }

    private String sendStats() throws Exception {
        String commandId = UUID.randomUUID().toString();
        MqttMessage message = new MqttMessage(("{\"type\": \"container\", \"commandId\": \"" + commandId
                + "\", \"action\": \"stats\"}").getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        hub.publish("caravan/edges/" + edge + "/commands", message);
        return commandId;
    }

    private JsonNode awaitResult(String commandId) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> events.stream()
                .filter(e -> commandId.equals(e.path("commandId").asText())).findFirst().orElse(null), e -> e != null);
    }

    private void awaitHeartbeatAfter(int index) {
        await().atMost(Duration.ofSeconds(60)).until(() -> events.subList(index, events.size()).stream()
                .anyMatch(e -> "heartbeat".equals(e.path("type").asText())));
    }

    /** Stands in for the hub: a persistent session on the agent's events topic. */
    private void connectHub() throws Exception {
        if (hub == null) {
            hub = new MqttClient(brokerUrl(), "outage-it-hub-" + edge, new MemoryPersistence());
        }
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(600L);
        hub.connect(options);
        hub.subscribe(new MqttSubscription[] {new MqttSubscription("caravan/edges/" + edge + "/events", 1)},
                new IMqttMessageListener[] {(topic, message) -> events.add(MAPPER.readTree(message.getPayload()))});
    }

    private void startBroker() throws Exception {
        broker = new ProcessBuilder("mosquitto", "-c", dir.resolve("mosquitto.conf").toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile())).start();
        await().atMost(Duration.ofSeconds(15)).until(this::brokerListening);
    }

    private void stopBroker() throws InterruptedException {
        if (broker != null) {
            broker.destroy();
            broker.waitFor();
            broker = null;
        }
    }

    private boolean brokerListening() {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String brokerUrl() {
        return "tcp://127.0.0.1:" + port;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
