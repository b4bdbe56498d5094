package caravan.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;

import caravan.testing.Services;

/**
 * The far end of a run: a bare MQTT subscriber (the ceiling), or browsers on a WebSocket (the hub, Node-RED) or on
 * a Socket.IO namespace (the seed service). Every kind counts tracks the same way ({@link Receipts}), so what the
 * clients cost on the shared cores is the same for every target.
 */
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

    /** {@code clients} browsers on a plain WebSocket, e.g. the hub's {@code ws://…/tracking} (all venues). */
    static Receivers webSockets(String url, int clients) {
        Receivers receivers = new Receivers();
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < clients; i++) {
            Receipts receipts = new Receipts();
            WebSocket socket = http.newWebSocketBuilder().header(Services.API_KEY_HEADER, Services.ADMIN_KEY)
                    .buildAsync(URI.create(url), new FrameListener(receipts)).join();
            receivers.add(receipts, socket);
        }
        return receivers;
    }

    /**
     * {@code clients} Socket.IO clients of {@code namespace}, speaking the protocol's WebSocket transport directly
     * (Engine.IO 4): the Java Socket.IO client parses every event into org.json objects, which would load the
     * shared cores more than the other targets' clients do.
     */
    static Receivers socketIo(String serverUrl, String namespace, int clients) throws Exception {
        Receivers receivers = new Receivers();
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create(serverUrl + "/socket.io/?EIO=4&transport=websocket");
        for (int i = 0; i < clients; i++) {
            Receipts receipts = new Receipts();
            SocketIoListener listener = new SocketIoListener(namespace, receipts);
            WebSocket socket = http.newWebSocketBuilder().buildAsync(uri, listener).join();
            if (!listener.joined.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the Socket.IO server did not let client " + i + " join " + namespace);
            }
            receivers.add(receipts, socket);
        }
        return receivers;
    }

    private void add(Receipts receipts, WebSocket socket) {
        this.receipts.add(receipts);
        connections.add(() -> socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS));
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
    private static class FrameListener implements WebSocket.Listener {

        private final Receipts receipts;
        private final StringBuilder frame = new StringBuilder();

        FrameListener(Receipts receipts) {
            this.receipts = receipts;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            frame.append(data);
            if (last) {
                onFrame(socket, frame.toString());
                frame.setLength(0);
            }
            socket.request(1);
            return null;
        }

        void onFrame(WebSocket socket, String text) {
            receipts.scan(text);
        }
    }

    /**
     * Engine.IO packets: {@code 0} open (answered by joining the namespace with {@code 40/ns,}), {@code 2} ping
     * (answered {@code 3}), {@code 40/ns,} joined, {@code 42/ns,["event",…]} an event, whose tracks are counted.
     */
    private static final class SocketIoListener extends FrameListener {

        private final String namespace;
        private final CountDownLatch joined = new CountDownLatch(1);

        SocketIoListener(String namespace, Receipts receipts) {
            super(receipts);
            this.namespace = namespace;
        }

        @Override
        void onFrame(WebSocket socket, String packet) {
            if (packet.startsWith("42")) {
                super.onFrame(socket, packet);
            } else if (packet.startsWith("0")) {
                socket.sendText("40" + namespace + ",", true);
            } else if (packet.equals("2")) {
                socket.sendText("3", true);
            } else if (packet.startsWith("40" + namespace + ",")) {
                joined.countDown();
            }
        }
    }
}
