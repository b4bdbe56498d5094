package caravan.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.UUID;

import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;

import caravan.mqtt.EdgeTopics;
import caravan.mqtt.MosquittoDynamicSecurity;

/**
 * A Mosquitto of a test's own, on a free loopback port, that the test can stop and start again: it does not persist,
 * so a restart forgets every session and subscription, as a broker that crashed does. Configured as the suite's is,
 * by {@code scripts/mosquitto-conf.sh}: no anonymous clients, and a hub account administering its dynamic security
 * (whose accounts outlive a restart).
 */
public final class MosquittoProcess implements AutoCloseable {

    private static final String HUB_USER = "caravan-hub";

    private final Path dir;
    private final int port;
    private final String hubPassword = "hub-" + UUID.randomUUID();
    private Process process;

    private MosquittoProcess(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Writes its configuration into {@code dir/mosquitto} and starts it; its log is {@code dir/mosquitto.log}. */
    public static MosquittoProcess start(Path dir) throws IOException, InterruptedException {
        MosquittoProcess broker = new MosquittoProcess(dir, freePort());
        // The broker runs as user mosquitto, which must pass through the test's folder (made 0700) to its own.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path passwordFile = Files.createTempFile(dir, "hub-password", "");
        Files.writeString(passwordFile, broker.hubPassword);
        Services.CommandResult configured = Services.run("bash", "scripts/mosquitto-conf.sh",
                broker.config().toString(), Integer.toString(broker.port), HUB_USER, passwordFile.toString());
        Files.delete(passwordFile);
        if (configured.exitCode() != 0) {
            throw new IllegalStateException("scripts/mosquitto-conf.sh: " + configured.output());
        }
        broker.start();
        broker.accounts().prepare();
        return broker;
    }

    private Path config() {
        return dir.resolve("mosquitto");
    }

    public void start() throws IOException {
        process = new ProcessBuilder("mosquitto", "-c", config().resolve("mosquitto.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile())).start();
        await().atMost(Duration.ofSeconds(15)).until(this::listening);
    }

    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            process.waitFor();
            process = null;
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    public String hubUser() {
        return HUB_USER;
    }

    public String hubPassword() {
        return hubPassword;
    }

    /** An account for {@code edgeId}, with its topics only, as the hub makes one when it issues a credential. */
    public void addEdge(String edgeId, String password) {
        accounts().issued(edgeId, password);
    }

    private MosquittoDynamicSecurity accounts() {
        return accounts(url(), HUB_USER, hubPassword);
    }

    /** The accounts on any broker with dynamic security that {@code hubUser} administers, kept as the hub keeps them. */
    static MosquittoDynamicSecurity accounts(String url, String hubUser, String hubPassword) {
        return new MosquittoDynamicSecurity(url, hubUser, hubPassword, new EdgeTopics("hyperspace/trajectories/#"),
                null);
    }

    /** Paho options logged in with the hub's account. */
    public MqttConnectionOptions hubLogin() {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(HUB_USER);
        options.setPassword(hubPassword.getBytes(StandardCharsets.UTF_8));
        return options;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private boolean listening() {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
