package caravan.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;

/**
 * A Docker engine of a test's own, configured as scripts/services.sh configures the shared one (vfs, host networking
 * only) but with its own data, socket and containerd, so the test can stop it in the middle of a build. It is given
 * the shared engine's base image.
 */
public final class DockerdProcess implements AutoCloseable {

    private final Path dir;
    private Process process;

    private DockerdProcess(Path dir) {
        this.dir = dir;
    }

    public static DockerdProcess start(Path dir) throws IOException, InterruptedException {
        DockerdProcess engine = new DockerdProcess(dir);
        engine.start();
        Services.CommandResult loaded = Services.run("sh", "-c", "docker save \"$0\" | docker -H \"$1\" load",
                Services.baseImage(), engine.host());
        if (loaded.exitCode() != 0) {
            throw new IllegalStateException("could not load " + Services.baseImage() + ": " + loaded.output());
        }
        return engine;
    }

    public void startIfDead() throws IOException {
        if (!process.isAlive()) {
            start();
        }
    }

    public void start() throws IOException {
        process = new ProcessBuilder(List.of("dockerd", "--data-root", dir.resolve("data").toString(),
                "--exec-root", dir.resolve("exec").toString(), "--pidfile", dir.resolve("docker.pid").toString(),
                "-H", host(), "--storage-driver=vfs", "--iptables=false", "--ip-masq=false", "--bridge=none"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dockerd.log").toFile())).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> Services.run("docker", "-H", host(), "info").exitCode() == 0);
    }

    /** Stops it as a crash would in the middle of work: SIGKILL, its containerd with it. */
    public void kill() throws IOException, InterruptedException {
        Services.run("pkill", "-KILL", "-f", "containerd.*" + dir.resolve("exec"));
        process.destroyForcibly();
        process.waitFor();
        unmountWhatItLeft();
        // The killed containerd stays a zombie where nothing reaps orphans (as in this sandbox); its pid file would
        // make the next dockerd wait for it rather than start its own.
        Files.deleteIfExists(dir.resolve("exec/containerd/containerd.pid"));
    }

    /**
     * dockerd mounts its data directory onto itself, and its network namespace under its exec root, and unmounts
     * them when it stops; a killed one leaves them.
     */
    private void unmountWhatItLeft() throws IOException, InterruptedException {
        List<String> mounts = Files.readAllLines(Path.of("/proc/mounts")).stream().map(line -> line.split(" ")[1])
                .filter(mount -> mount.startsWith(dir + "/")).sorted(Comparator.reverseOrder()).toList();
        for (String mount : mounts) {
            Services.CommandResult unmounted = Services.run("umount", mount);
            if (unmounted.exitCode() != 0) {
                throw new IllegalStateException("umount " + mount + ": " + unmounted.output());
            }
        }
    }

    /** The engine's address, as {@code caravan.docker.host} takes it. */
    public String host() {
        return "unix://" + dir.resolve("docker.sock");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor();
        }
        unmountWhatItLeft();
        Files.deleteIfExists(dir.resolve("docker.sock"));
    }
}
