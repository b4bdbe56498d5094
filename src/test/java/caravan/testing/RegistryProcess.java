package caravan.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * An image registry of a test's own (Debian's docker-registry, without authentication, on a free loopback port),
 * that the test can freeze, kill and start again with what it stored.
 */
public final class RegistryProcess implements AutoCloseable {

    private final Path dir;
    private final int port;
    private Process process;

    private RegistryProcess(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static RegistryProcess start(Path dir) throws IOException {
        RegistryProcess registry = new RegistryProcess(dir, HubProcess.freePort());
        Files.writeString(dir.resolve("registry.yml"), """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("data"), registry.port));
        registry.start();
        return registry;
    }

    public void startIfDead() throws IOException {
        if (!process.isAlive()) {
            start();
        }
    }

    public void start() throws IOException {
        process = new ProcessBuilder("docker-registry", "serve", dir.resolve("registry.yml").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("registry.log").toFile())).start();
        await().atMost(Duration.ofSeconds(30)).until(this::listening);
    }

    /** Freezes it (SIGSTOP): connections are still accepted, and then wait. */
    public void freeze() throws IOException, InterruptedException {
        Services.run("kill", "-STOP", Long.toString(process.pid()));
    }

    /** Kills it (SIGKILL): whatever it was in the middle of is cut off. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Its address, as {@code caravan.registry.url} takes it. */
    public String url() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }

    private boolean listening() {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
