package caravan.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;

/** The far end of a run: a bare MQTT subscriber (the ceiling) or browsers on the hub's {@code /tracking} WebSocket. */
final class Receivers implements AutoCloseable {

    private final List<Receipts> receipts = new ArrayList<>();
    private final List<AutoCloseable> connections = new ArrayList<>();

    /** A subscriber that only counts: what the broker can deliver on this machine. */
    static Receivers mqtt(String brokerUrl, int qos) throws Exception {
        Receivers receivers = new Receivers();
        Receipts receipts = new Receipts();
        URI broker = URI.create(brokerUrl);
        Mqtt5AsyncClient client = Mqtt5Client.builder().identifier("bench-sub-" + UUID.randomUUID())
                .serverHost(broker.getHost()).serverPort(broker.getPort()).buildAsync();
        client.connectWith().restrictions().receiveMaximum(65_535).applyRestrictions().send().get(10, TimeUnit.SECONDS);
        client.subscribeWith().topicFilter("hyperspace/trajectories/#").qos(MqttQos.fromCode(qos))
                .callback(publish -> receipts.scan(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8)))
                .send().get(10, TimeUnit.SECONDS);
        receivers.receipts.add(receipts);
        receivers.connections.add(() -> client.disconnect().get(10, TimeUnit.SECONDS));
        return receivers;
    }

    /** {@code clients} browsers on {@code ws://…/tracking} (all venues). */
    static Receivers webSockets(String url, int clients) {
        Receivers receivers = new Receivers();
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < clients; i++) {
            Receipts receipts = new Receipts();
            WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(url), new FrameListener(receipts)).join();
            receivers.receipts.add(receipts);
            receivers.connections.add(() -> socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS));
        }
        return receivers;
    }

    List<Receipts> receipts() {
        return receipts;
    }

    long total() {
        return receipts.stream().mapToLong(Receipts::received).sum();
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable connection : connections) {
            connection.close();
        }
    }

    /** Joins a frame's parts, then counts the tracks in it. */
    private static final class FrameListener implements WebSocket.Listener {

        private final Receipts receipts;
        private final StringBuilder frame = new StringBuilder();

        FrameListener(Receipts receipts) {
            this.receipts = receipts;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            frame.append(data);
            if (last) {
                receipts.scan(frame.toString());
                frame.setLength(0);
            }
            socket.request(1);
            return null;
        }
    }
}
