package caravan.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.HdrHistogram.Histogram;

/**
 * The trajectory benchmark, run by {@code bench/trajectory.sh}: the same generated reference-format messages through
 * the same Mosquitto, first to a bare subscriber (the ceiling), then through the hub (mapping, validation, the
 * live WebSocket feed, storage and alert rules all on) to WebSocket clients. Prints a table and writes it as JSON
 * and Markdown under {@code bench/results/}.
 *
 * <p>Arguments: {@code broker=tcp://127.0.0.1:18830 hubJar=target/caravan-hub.jar hubPort=18080 seconds=10
 * commit=abc123 out=bench/results}; optionally {@code targets=ceiling,hub} and {@code hubJavaOpts=...} (e.g. a
 * JFR recording: {@code -XX:StartFlightRecording=filename=hub.jfr}).
 */
public final class TrajectoryBench {

    /** One run: what was offered, what the worst receiver got, how late, and what it cost the hub. */
    record Run(String target, int qos, int edges, int clients, int targetRate, long sent, double offeredPerSecond,
            long worstReceived, long lost, double deliveredPerSecond, double p50Ms, double p95Ms, double p99Ms,
            double maxMs, Double hubCpuPercent, Long hubRssMb) {
    }

    private final Map<String, String> args;
    private final int seconds;
    private final List<Run> runs = new ArrayList<>();

    private TrajectoryBench(Map<String, String> args) {
        this.args = args;
        this.seconds = Integer.parseInt(args.getOrDefault("seconds", "10"));
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (String arg : argv) {
            String[] pair = arg.split("=", 2);
            args.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        new TrajectoryBench(args).runAll();
        System.exit(0); // Paho and the WebSocket client leave non-daemon threads behind
    }

    private void runAll() throws Exception {
        String broker = args.getOrDefault("broker", "tcp://127.0.0.1:18830");
        List<String> targets = List.of(args.getOrDefault("targets", "ceiling,hub").split(","));
        if (targets.contains("ceiling")) {
            for (int qos : List.of(0, 1)) {
                for (int rate : List.of(5_000, 20_000)) {
                    runs.add(run("ceiling", broker, qos, 10, 1, rate, null));
                }
                ramp("ceiling", broker, qos, null);
            }
        }
        if (targets.contains("hub")) {
            hubRuns(broker);
        }
        report();
    }

    private void hubRuns(String broker) throws Exception {
        try (HubProcess hub = HubProcess.start(Path.of(args.get("hubJar")), args.getOrDefault("hubJavaOpts", ""), broker,
                Integer.parseInt(args.getOrDefault("hubPort", "18080")))) {
            for (int qos : List.of(0, 1)) {
                for (int rate : List.of(5_000, 20_000)) {
                    runs.add(run("hub", broker, qos, 10, 1, rate, hub));
                }
                ramp("hub", broker, qos, hub);
            }
            for (int clients : List.of(10, 100)) {
                runs.add(run("hub", broker, 1, 10, clients, 5_000, hub));
            }
            for (int edges : List.of(1, 100, 1_000)) {
                runs.add(run("hub", broker, 1, edges, 1, 5_000, hub));
            }
        }
    }

    /** Raises the offered rate until something is lost or the publisher cannot offer more. */
    private void ramp(String target, String broker, int qos, HubProcess hub) throws Exception {
        for (int rate : List.of(10_000, 30_000, 50_000, 80_000)) {
            Run run = run(target, broker, qos, 10, 1, rate, hub);
            runs.add(run);
            if (run.lost() > 0 || run.offeredPerSecond() < rate * 0.9) {
                return;
            }
        }
    }

    private Run run(String target, String broker, int qos, int edges, int clients, int rate, HubProcess hub)
            throws Exception {
        System.out.printf(Locale.ROOT, "%-8s qos %d, %4d edges, %3d clients, offering %,6d msg/s for %d s ...%n",
                target, qos, edges, clients, rate, seconds);
        try (Receivers receivers = hub == null ? Receivers.mqtt(broker, qos) : Receivers.webSockets(hub.trackingUrl(), clients)) {
            Thread.sleep(500);
            HubProcess.Usage before = hub == null ? null : hub.usage();
            long start = System.nanoTime();
            TrajectoryLoad.Offered offered = new TrajectoryLoad(broker, qos, edges).offer(rate, seconds);
            long sent = offered.messages();
            awaitDrained(receivers, sent * receivers.receipts().size());
            HubProcess.Usage after = hub == null ? null : hub.usage();
            Receipts worst = receivers.receipts().stream().min((a, b) -> Long.compare(a.received(), b.received())).orElseThrow();
            Histogram latency = new Histogram(60_000, 3);
            receivers.receipts().forEach(r -> latency.add(r.latency()));
            double elapsed = Math.max(1, worst.lastNanos() - start) / 1e9;
            Run run = new Run(target, qos, edges, clients, rate, sent, offered.perSecond(), worst.received(),
                    sent * receivers.receipts().size() - receivers.total(), worst.received() / elapsed,
                    latency.getValueAtPercentile(50), latency.getValueAtPercentile(95), latency.getValueAtPercentile(99),
                    latency.getMaxValue(), hub == null ? null : after.cpuPercentSince(before),
                    hub == null ? null : after.rssMb());
            System.out.println("         " + row(run));
            return run;
        }
    }

    /** Waits until everything arrived, or nothing more arrived for two seconds. */
    private static void awaitDrained(Receivers receivers, long expected) throws InterruptedException {
        long seen = -1;
        long quietSince = System.nanoTime();
        while (receivers.total() < expected && System.nanoTime() - quietSince < 2_000_000_000L) {
            long now = receivers.total();
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            }
            Thread.sleep(100);
        }
    }

    private void report() throws IOException {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("memoryMb", memoryMb());
        machine.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("broker", args.getOrDefault("brokerVersion", "mosquitto"));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", "trajectory");
        result.put("date", LocalDate.now().toString());
        result.put("commit", args.getOrDefault("commit", "unknown"));
        result.put("machine", machine);
        result.put("secondsPerRun", seconds);
        Map<String, Object> summary = summary();
        result.put("summary", summary);
        result.put("runs", runs);

        StringBuilder md = new StringBuilder("# Trajectory benchmark\n\n");
        md.append("Date ").append(result.get("date")).append(", commit ").append(result.get("commit")).append(", ")
                .append(machine.get("cores")).append(" cores, ").append(machine.get("memoryMb")).append(" MB, ")
                .append(machine.get("jvm")).append(", ").append(machine.get("broker")).append(". ")
                .append(seconds).append(" s per run; latency from the publisher's send time to the receiver.\n\n");
        md.append("| target | QoS | edges | clients | offered msg/s | delivered msg/s (worst client) | lost | p50 ms | p95 ms "
                + "| p99 ms | max ms | hub CPU % | hub RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Run run : runs) {
            md.append(row(run)).append('\n');
        }
        md.append("\n## Summary\n\n");
        summary.forEach((key, value) -> md.append("- ").append(key).append(": ").append(value).append('\n'));

        Path out = Path.of(args.getOrDefault("out", "bench/results"));
        Files.createDirectories(out);
        String name = "trajectory-" + result.get("date");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve(name + ".json").toFile(), result);
        Files.writeString(out.resolve(name + ".md"), md);
        System.out.println();
        System.out.println(md);
        System.out.println("written to " + out.resolve(name + ".md") + " and .json");
    }

    /** Sustained rate with nothing lost per target and QoS, and the hub's share of the ceiling. */
    private Map<String, Object> summary() {
        Map<String, Object> summary = new LinkedHashMap<>();
        for (int qos : List.of(0, 1)) {
            Optional<Double> ceiling = sustained("ceiling", qos);
            Optional<Double> hub = sustained("hub", qos);
            summary.put("ceiling, QoS " + qos + ", sustained msg/s with nothing lost", ceiling.map(TrajectoryBench::round).orElse(null));
            summary.put("hub, QoS " + qos + ", sustained msg/s with nothing lost", hub.map(TrajectoryBench::round).orElse(null));
            if (ceiling.isPresent() && hub.isPresent()) {
                summary.put("hub/ceiling, QoS " + qos, String.format(Locale.ROOT, "%.2f", hub.get() / ceiling.get()));
            }
        }
        return summary;
    }

    private Optional<Double> sustained(String target, int qos) {
        return runs.stream().filter(r -> r.target().equals(target) && r.qos() == qos && r.clients() == 1
                        && r.edges() == 10 && r.lost() == 0)
                .map(Run::deliveredPerSecond).max(Double::compare);
    }

    private static String row(Run run) {
        return String.format(Locale.ROOT, "| %s | %d | %d | %d | %,.0f | %,.0f | %,d | %.0f | %.0f | %.0f | %.0f | %s | %s |",
                run.target(), run.qos(), run.edges(), run.clients(), run.offeredPerSecond(), run.deliveredPerSecond(),
                run.lost(), run.p50Ms(), run.p95Ms(), run.p99Ms(), run.maxMs(),
                run.hubCpuPercent() == null ? "" : String.format(Locale.ROOT, "%.0f", run.hubCpuPercent()),
                run.hubRssMb() == null ? "" : run.hubRssMb().toString());
    }

    private static long round(double value) {
        return Math.round(value);
    }

    private static long memoryMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }

    /** The hub as a user runs it: its jar, on the benchmark's broker, embedded database, no Docker engine needed. */
    static final class HubProcess implements AutoCloseable {

        record Usage(long cpuTicks, long nanos, long rssKb) {

            double cpuPercentSince(Usage before) {
                return (cpuTicks - before.cpuTicks) / 100.0 / ((nanos - before.nanos) / 1e9) * 100;
            }

            long rssMb() {
                return rssKb / 1024;
            }
        }

        private final Process process;
        private final int port;

        private HubProcess(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static HubProcess start(Path jar, String javaOpts, String broker, int port) throws Exception {
            Path data = Files.createTempDirectory("caravan-bench-hub");
            List<String> command = new ArrayList<>(List.of("java"));
            if (!javaOpts.isBlank()) {
                command.addAll(List.of(javaOpts.trim().split("\\s+")));
            }
            command.addAll(List.of("-jar", jar.toString()));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(data.resolve("hub.log").toFile());
            builder.environment().put("CARAVAN_DATA_DIR", data.toString());
            builder.environment().put("CARAVAN_MQTT_BROKER_URL", broker);
            builder.environment().put("SERVER_PORT", Integer.toString(port));
            HubProcess hub = new HubProcess(builder.start(), port);
            HttpClient http = HttpClient.newHttpClient();
            URI ready = URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness");
            for (int i = 0; i < 240; i++) {
                try {
                    if (http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        System.out.println("hub ready (pid " + hub.process.pid() + ", log " + data.resolve("hub.log") + ")");
                        return hub;
                    }
                } catch (IOException notYet) {
                    // still starting
                }
                if (!hub.process.isAlive()) {
                    throw new IllegalStateException("the hub exited while starting; see " + data.resolve("hub.log"));
                }
                Thread.sleep(500);
            }
            hub.close();
            throw new IllegalStateException("the hub did not get ready in 2 minutes; see " + data.resolve("hub.log"));
        }

        String trackingUrl() {
            return "ws://127.0.0.1:" + port + "/tracking";
        }

        /** CPU time (in clock ticks of 1/100 s, as Linux reports them) and resident memory, from /proc. */
        Usage usage() throws IOException {
            String[] stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"))
                    .replaceFirst("^.*\\) ", "").split(" ");
            long ticks = Long.parseLong(stat[11]) + Long.parseLong(stat[12]); // utime, stime
            long rss = Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status")).stream()
                    .filter(line -> line.startsWith("VmRSS:")).mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
                    .findFirst().orElse(-1);
            return new Usage(ticks, System.nanoTime(), rss);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
