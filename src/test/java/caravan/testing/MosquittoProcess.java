package caravan.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A Mosquitto of a test's own, on a free loopback port, that the test can stop and start again: it does not persist,
 * so a restart forgets every session and subscription, as a broker that crashed does.
 */
public final class MosquittoProcess implements AutoCloseable {

    private final Path dir;
    private final int port;
    private Process process;

    private MosquittoProcess(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Writes its configuration into {@code dir} and starts it; its log is {@code dir/mosquitto.log}. */
    public static MosquittoProcess start(Path dir) throws IOException {
        MosquittoProcess broker = new MosquittoProcess(dir, freePort());
        Files.writeString(dir.resolve("mosquitto.conf"), "listener " + broker.port + " 127.0.0.1\n"
                + "allow_anonymous true\npersistence false\n");
        broker.start();
        return broker;
    }

    public void start() throws IOException {
        process = new ProcessBuilder("mosquitto", "-c", dir.resolve("mosquitto.conf").toString())
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
