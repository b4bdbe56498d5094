package caravan.bench;

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
 * A service under test between the broker and the clients (the hub, or a peer), started as its users start it,
 * with its log in a temporary directory; and what it costs, from /proc.
 */
final class ServiceProcess implements AutoCloseable {

    /** CPU time (in clock ticks of 1/100 s, as Linux reports them) and resident memory at one moment. */
    record Usage(long cpuTicks, long nanos, long rssKb) {

        /** 100 % = one core. */
        double cpuPercentSince(Usage before) {
            return (cpuTicks - before.cpuTicks) / 100.0 / ((nanos - before.nanos) / 1e9) * 100;
        }

        long rssMb() {
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

    /**
     * Starts {@code command} in {@code workDir} and waits until {@code ready} answers HTTP with a status below 500
     * (or exactly 200 when {@code strict}). {@code {data}} in the command and the environment is a fresh directory
     * of its own, which also holds its log.
     */
    static ServiceProcess start(String name, List<String> command, Path workDir, Map<String, String> env, URI ready,
            boolean strict) throws Exception {
        Path data = Files.createTempDirectory("caravan-bench-" + name);
        Path log = data.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command.stream().map(word -> word.replace("{data}", data.toString())).toList())
                .directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        env.forEach((key, value) -> builder.environment().put(key, value.replace("{data}", data.toString())));
        ServiceProcess service = new ServiceProcess(name, builder.start(), data, log);
        // HTTP/1.1: the client's default h2c upgrade request is never answered by a Socket.IO server
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 240; i++) {
            try {
                int status = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (strict ? status == 200 : status < 500) {
                    System.out.println(name + " ready (pid " + service.process.pid() + ", log " + log + ")");
                    return service;
                }
            } catch (IOException notYet) {
                // still starting
            }
            if (!service.process.isAlive()) {
                throw new IllegalStateException(name + " exited while starting; see " + log);
            }
            Thread.sleep(500);
        }
        service.close();
        throw new IllegalStateException(name + " did not get ready in 2 minutes; see " + log);
    }

    /** The directory {@code {data}} named. */
    Path data() {
        return data;
    }

    Usage usage() throws IOException {
        String pid = Long.toString(process.pid());
        String[] stat = Files.readString(Path.of("/proc", pid, "stat")).replaceFirst("^.*\\) ", "").split(" ");
        long ticks = Long.parseLong(stat[11]) + Long.parseLong(stat[12]); // utime, stime
        long rss = Files.readAllLines(Path.of("/proc", pid, "status")).stream()
                .filter(line -> line.startsWith("VmRSS:")).mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
                .findFirst().orElse(-1);
        return new Usage(ticks, System.nanoTime(), rss);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            System.out.println(name + " did not stop in 30 s and was killed; see " + log);
        }
    }
}
