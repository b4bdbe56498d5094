package caravan.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A service run as its users run it (the hub's jar, a benchmark's peer), with its data and log in a directory of its
 * own; what it costs, from /proc; and its end, asked for (SIGTERM) or not (SIGKILL).
 */
public final class ServiceProcess implements AutoCloseable {

    /** A hub's jar starts in 20 to 70 s here; on 2 cores shared with the suite's other hubs, once in 121 s. */
    private static final Duration READY_WITHIN = Duration.ofMinutes(3);

    /** CPU time (in clock ticks of 1/100 s, as Linux reports them) and resident memory at one moment. */
    public record Usage(long cpuTicks, long nanos, long rssKb) {

        /** 100 % = one core. */
        public double cpuPercentSince(Usage before) {
            return (cpuTicks - before.cpuTicks) / 100.0 / ((nanos - before.nanos) / 1e9) * 100;
        }

        public long rssMb() {
            return rssKb / 1024;
        }
    }

    private final String name;
    private final Process process;
    private final Path data;
    private final Path log;

    private ServiceProcess(String name, Process process, Path data, Path log) {
        this.name = name;
        this.process = process;
        this.data = data;
        this.log = log;
    }

    /** As {@link #start(String, List, Path, Path, Map, URI, boolean)}, with a fresh data directory. */
    public static ServiceProcess start(String name, List<String> command, Path workDir, Map<String, String> env,
            URI ready, boolean strict) throws IOException, InterruptedException {
        return start(name, command, workDir, Files.createTempDirectory("caravan-" + name), env, ready, strict);
    }

    /**
     * Starts {@code command} in {@code workDir} and waits until {@code ready} answers HTTP with a status below 500
     * (or exactly 200 when {@code strict}). {@code {data}} in the command and the environment is {@code data}, which
     * also holds its log (appended to, so a restarted service keeps one log).
     */
    public static ServiceProcess start(String name, List<String> command, Path workDir, Path data,
            Map<String, String> env, URI ready, boolean strict) throws IOException, InterruptedException {
        Path log = data.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command.stream().map(word -> word.replace("{data}", data.toString())).toList())
                .directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        env.forEach((key, value) -> builder.environment().put(key, value.replace("{data}", data.toString())));
        ServiceProcess service = new ServiceProcess(name, builder.start(), data, log);
        // HTTP/1.1: the client's default h2c upgrade request is never answered by a Socket.IO server
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            await().atMost(READY_WITHIN).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .failFast(name + " exited while starting", () -> !service.process.isAlive())
                    .until(() -> {
                        int status = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode();
                        return strict ? status == 200 : status < 500;
                    });
        } catch (RuntimeException notReady) {
            service.close();
            throw new IllegalStateException(name + " is not ready (" + notReady.getMessage() + "); see " + log,
                    notReady);
        }
        System.out.println(name + " ready (pid " + service.process.pid() + ", log " + log + ")");
        return service;
    }

    /** The directory {@code {data}} named. */
    public Path data() {
        return data;
    }

    public Path log() {
        return log;
    }

    public Usage usage() throws IOException {
        return usage(process.pid());
    }

    /** As {@link #usage()}, of any process on this machine: say a service the test services started. */
    public static Usage usage(long processId) throws IOException {
        String pid = Long.toString(processId);
        String[] stat = Files.readString(Path.of("/proc", pid, "stat")).replaceFirst("^.*\\) ", "").split(" ");
        long ticks = Long.parseLong(stat[11]) + Long.parseLong(stat[12]); // utime, stime
        long rss = Files.readAllLines(Path.of("/proc", pid, "status")).stream()
                .filter(line -> line.startsWith("VmRSS:")).mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
                .findFirst().orElse(-1);
        return new Usage(ticks, System.nanoTime(), rss);
    }

    /** Kills it with SIGKILL, as the OOM killer or a power cut would: no chance to finish anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Stops it with SIGTERM, as a service manager would, and waits for it. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            System.out.println(name + " did not stop in 30 s and was killed; see " + log);
        }
    }
}
