package caravan.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import caravan.testing.HubProcess;
import caravan.testing.ServiceProcess;
import caravan.testing.Services;

/**
 * What a run measures: a bare MQTT subscriber (the ceiling), or a service between the broker and browser clients,
 * started as its users start it: the hub's jar, the seed-style Node.js service, Node-RED.
 */
final class Target implements AutoCloseable {

    /** Opens {@code clients} receivers; {@code qos} is what the publisher sends with. */
    @FunctionalInterface
    interface Clients {
        Receivers connect(int clients, int qos) throws Exception;
    }

    private final String name;
    private final ServiceProcess service;
    private final Clients clients;

    private Target(String name, ServiceProcess service, Clients clients) {
        this.name = name;
        this.service = service;
        this.clients = clients;
    }

    /** Mosquitto to a subscriber that only counts: what the broker can deliver on this machine. */
    static Target ceiling(String broker) {
        return new Target("ceiling", null, (count, qos) -> Receivers.mqtt(broker, qos));
    }

    /** The hub on the benchmark's broker (embedded H2 storage, the shipped alert rules) with clients on /tracking. */
    static Target hub(Path jar, String javaOpts, String broker, int port) throws Exception {
        ServiceProcess hub = ServiceProcess.start("hub", HubProcess.command(jar, javaOpts), Path.of("."), Map.of(
                        "CARAVAN_DATA_DIR", "{data}", "CARAVAN_MQTT_BROKER_URL", broker,
                        "SERVER_PORT", Integer.toString(port), "CARAVAN_API_KEYS", Services.ADMIN_KEY),
                URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"), true);
        return new Target("hub", hub, (count, qos) -> Receivers.webSockets("ws://127.0.0.1:" + port + "/tracking", count));
    }

    /** Peer 1: {@code bench/peers/seed/seed.js} with Socket.IO clients on its /tracking namespace. */
    static Target seed(Path dir, String broker, int port) throws Exception {
        ServiceProcess seed = ServiceProcess.start("seed", List.of("node", "seed.js"), dir,
                Map.of("MQTT_BROKER", broker.replace("tcp://", "mqtt://"), "PORT", Integer.toString(port)),
                URI.create("http://127.0.0.1:" + port + "/socket.io/?EIO=4&transport=polling"), true);
        return new Target("seed", seed, (count, qos) -> Receivers.socketIo("ws://127.0.0.1:" + port, "/tracking", count));
    }

    /** Peer 2: Node-RED running {@code bench/peers/node-red/flow.json}, WebSocket clients on its /ws/tracking. */
    static Target nodeRed(Path dir, String broker, int port) throws Exception {
        URI mqtt = URI.create(broker);
        ServiceProcess nodeRed = ServiceProcess.start("node-red",
                List.of("node", "node_modules/node-red/red.js", "--settings", "settings.js",
                        "--userDir", "{data}", "flow.json"), dir,
                Map.of("MQTT_HOST", mqtt.getHost(), "MQTT_PORT", Integer.toString(mqtt.getPort()),
                        "PORT", Integer.toString(port)),
                URI.create("http://127.0.0.1:" + port + "/ws/tracking"), false);
        return new Target("node-red", nodeRed,
                (count, qos) -> Receivers.webSockets("ws://127.0.0.1:" + port + "/ws/tracking", count));
    }

    String name() {
        return name;
    }

    boolean isService() {
        return service != null;
    }

    Receivers connect(int count, int qos) throws Exception {
        return clients.connect(count, qos);
    }

    /** The service's CPU time and memory now; null for the ceiling, which has no service. */
    ServiceProcess.Usage usage() throws IOException {
        return service == null ? null : service.usage();
    }

    @Override
    public void close() throws InterruptedException {
        if (service != null) {
            service.close();
        }
    }
}
