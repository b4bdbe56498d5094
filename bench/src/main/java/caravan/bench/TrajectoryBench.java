package caravan.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.HdrHistogram.Histogram;

import caravan.testing.ServiceProcess;

/**
 * The trajectory benchmark, run by {@code bench/trajectory.sh}: the same generated reference-format messages through
 * the same Mosquitto, one target after another: a bare subscriber (the ceiling); the hub (mapping, validation, the
 * live WebSocket feed, storage and alert rules all on) with WebSocket clients; peer 1, the seed-style Node.js
 * service, with Socket.IO clients; peer 2, Node-RED's mqtt-in → websocket-out, with WebSocket clients. Prints a
 * table and writes it as JSON and Markdown under {@code bench/results/}.
 *
 * <p>Arguments: {@code broker=tcp://127.0.0.1:18830 hubJar=target/caravan-hub.jar peers=bench/peers seconds=10
 * commit=abc123 out=bench/results}; optionally {@code targets=ceiling,hub,seed,node-red}, {@code hubJavaOpts=...}
 * (e.g. a JFR recording: {@code -XX:StartFlightRecording=filename=hub.jfr}) and {@code quick=true} (only 1k, 5k and 20k
 * msg/s at QoS 0 and 1 and 10 and 100 clients at 5k: for profiling, not for the record).
 */
public final class TrajectoryBench {

    private static final int HUB_PORT = 18080;
    private static final int SEED_PORT = 18082;
    private static final int NODE_RED_PORT = 18081;
    private static final int WARM_UP_SECONDS = 30;

    /** One run: what was offered, what the worst receiver got, how late, and what it cost the service. */
    record Run(String target, int qos, int edges, int clients, int targetRate, long sent, double offeredPerSecond,
            long worstReceived, long lost, double deliveredPerSecond, double p50Ms, double p95Ms, double p99Ms,
            double maxMs, Double serviceCpuPercent, Long serviceRssMb) {
    }

    private final Map<String, String> args;
    private final int seconds;
    private final boolean quick;
    private final List<Run> runs = new ArrayList<>();
    /** Each service's resident memory when started and idle, before any load. */
    private final Map<String, Long> idleRssMb = new LinkedHashMap<>();

    private TrajectoryBench(Map<String, String> args) {
        this.args = args;
        this.seconds = Integer.parseInt(args.getOrDefault("seconds", "10"));
        this.quick = Boolean.parseBoolean(args.getOrDefault("quick", "false"));
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (String arg : argv) {
            String[] pair = arg.split("=", 2);
            args.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        new TrajectoryBench(args).runAll();
        System.exit(0); // the MQTT and WebSocket clients leave non-daemon threads behind
    }

    private void runAll() throws Exception {
        String broker = args.getOrDefault("broker", "tcp://127.0.0.1:18830");
        for (String name : args.getOrDefault("targets", "ceiling,hub,seed,node-red").split(",")) {
            try (Target target = open(name, broker)) {
                awaitFlowing(target, broker);
                idleRss(target);
                warmUp(target, broker);
                measure(target, broker);
            }
        }
        report();
    }

    private Target open(String name, String broker) throws Exception {
        Path peers = Path.of(args.getOrDefault("peers", "bench/peers"));
        return switch (name) {
            case "ceiling" -> Target.ceiling(broker);
            case "hub" -> Target.hub(Path.of(args.get("hubJar")), args.getOrDefault("hubJavaOpts", ""), broker, HUB_PORT);
            case "seed" -> Target.seed(peers.resolve("seed"), broker, SEED_PORT);
            case "node-red" -> Target.nodeRed(peers.resolve("node-red"), broker, NODE_RED_PORT);
            default -> throw new IllegalArgumentException("no target '" + name + "': ceiling, hub, seed or node-red");
        };
    }

    /** Publishes a few messages a second until one arrives: the target has subscribed and passes messages on. */
    private static void awaitFlowing(Target target, String broker) throws Exception {
        try (Receivers probe = target.connect(1, 1)) {
            for (int attempt = 0; probe.total() == 0; attempt++) {
                if (attempt == 60) {
                    throw new IllegalStateException(target.name() + " passed no message on within a minute");
                }
                new TrajectoryLoad(broker, 1, 1).offer(4, 1);
            }
            awaitDrained(probe, Long.MAX_VALUE); // the probe's last messages must not count in the first run
        }
    }

    /** The service's resident memory after a quiet spell once it passes messages on (its periodic collections). */
    private void idleRss(Target target) throws Exception {
        if (target.isService()) {
            Thread.sleep(15_000);
            idleRssMb.put(target.name(), target.usage().rssMb());
        }
    }

    /**
     * Half a minute at 5k msg/s before anything is measured, for every target alike: the JVM's and V8's compilers
     * finish their work on the hot paths here rather than inside the first runs (after 10 s the hub's C2 compiler
     * still took a seventh of a core).
     */
    private static void warmUp(Target target, String broker) throws Exception {
        System.out.println(target.name() + ": warming up for " + WARM_UP_SECONDS + " s at 5,000 msg/s");
        try (Receivers receivers = target.connect(1, 1)) {
            long sent = new TrajectoryLoad(broker, 1, 10).offer(5_000, WARM_UP_SECONDS).messages();
            awaitDrained(receivers, sent);
        }
    }

    private void measure(Target target, String broker) throws Exception {
        for (int qos : List.of(0, 1)) {
            for (int rate : List.of(1_000, 5_000, 20_000)) {
                runs.add(run(target, broker, qos, 10, 1, rate));
            }
            if (!quick) {
                ramp(target, broker, qos);
            }
        }
        if (target.isService()) {
            for (int clients : List.of(10, 100)) {
                runs.add(run(target, broker, 1, 10, clients, 5_000));
            }
        }
        // Only the hub cares which edge a message comes from: its lanes, mappings and metrics are per edge.
        if (target.name().equals("hub") && !quick) {
            for (int edges : List.of(1, 100, 1_000)) {
                runs.add(run(target, broker, 1, edges, 1, 5_000));
            }
        }
    }

    /** Raises the offered rate until the target does not keep up or the publisher cannot offer more. */
    private void ramp(Target target, String broker, int qos) throws Exception {
        for (int rate : List.of(10_000, 30_000, 50_000, 80_000)) {
            Run run = run(target, broker, qos, 10, 1, rate);
            runs.add(run);
            if (!keptUp(run) || run.offeredPerSecond() < rate * 0.9) {
                return;
            }
        }
    }

    /**
     * Nothing lost, at least 95 % of the offered rate delivered, p99 under a second: a run that lost nothing but
     * fell seconds behind (it drained its backlog after the publisher stopped) did not keep up.
     */
    private static boolean keptUp(Run run) {
        return run.lost() == 0 && run.deliveredPerSecond() >= 0.95 * run.offeredPerSecond() && run.p99Ms() < 1_000;
    }

    private Run run(Target target, String broker, int qos, int edges, int clients, int rate) throws Exception {
        System.out.printf(Locale.ROOT, "%-8s qos %d, %4d edges, %3d clients, offering %,6d msg/s for %d s ...%n",
                target.name(), qos, edges, clients, rate, seconds);
        try (Receivers receivers = target.connect(clients, qos)) {
            Thread.sleep(500);
            ServiceProcess.Usage before = target.usage();
            long start = System.nanoTime();
            TrajectoryLoad.Offered offered = new TrajectoryLoad(broker, qos, edges).offer(rate, seconds);
            long sent = offered.messages();
            awaitDrained(receivers, sent * receivers.receipts().size());
            ServiceProcess.Usage after = target.usage();
            Receipts worst = receivers.receipts().stream().min((a, b) -> Long.compare(a.received(), b.received())).orElseThrow();
            Histogram latency = new Histogram(60_000, 3);
            receivers.receipts().forEach(r -> latency.add(r.latency()));
            double elapsed = Math.max(1, worst.lastNanos() - start) / 1e9;
            Run run = new Run(target.name(), qos, edges, clients, rate, sent, offered.perSecond(), worst.received(),
                    sent * receivers.receipts().size() - receivers.total(), worst.received() / elapsed,
                    latency.getValueAtPercentile(50), latency.getValueAtPercentile(95), latency.getValueAtPercentile(99),
                    latency.getMaxValue(), after == null ? null : after.cpuPercentSince(before),
                    after == null ? null : after.rssMb());
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
        Map<String, Object> result = BenchReport.start("trajectory", args, "broker",
                args.getOrDefault("brokerVersion", "mosquitto"));
        result.put("secondsPerRun", seconds);
        Map<String, Object> summary = summary();
        result.put("summary", summary);
        result.put("runs", runs);

        StringBuilder md = new StringBuilder("# Trajectory benchmark\n\n");
        md.append(BenchReport.headline(result)).append(' ')
                .append(seconds).append(" s per run; latency from the publisher's send time to the receiver.\n\n");
        md.append("| target | QoS | edges | clients | offered msg/s | delivered msg/s (worst client) | lost | p50 ms | p95 ms "
                + "| p99 ms | max ms | service CPU % | service RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Run run : runs) {
            md.append(row(run)).append('\n');
        }
        md.append("\n## Summary\n\n");
        summary.forEach((key, value) -> md.append("- ").append(key).append(": ").append(value).append('\n'));
        BenchReport.write(args, BenchReport.fileName("trajectory", result) + (quick ? "-quick" : ""), result, md);
    }

    /**
     * Per target and QoS the sustained rate with nothing lost (one client, 10 edges), the hub's ratios to the
     * others, and the hub against the goals: p99 at 20k msg/s, every client keeping up at 5k msg/s.
     */
    private Map<String, Object> summary() {
        Map<String, Object> summary = new LinkedHashMap<>();
        List<String> targets = runs.stream().map(Run::target).distinct().toList();
        for (int qos : List.of(0, 1)) {
            for (String target : targets) {
                sustained(target, qos).ifPresent(rate -> summary.put(
                        target + ", QoS " + qos + ", sustained msg/s (kept up, nothing lost)", round(rate)));
            }
            Optional<Double> hub = sustained("hub", qos);
            for (String other : targets) {
                Optional<Double> theirs = sustained(other, qos);
                if (!other.equals("hub") && hub.isPresent() && theirs.isPresent()) {
                    summary.put("hub/" + other + ", QoS " + qos, String.format(Locale.ROOT, "%.2f", hub.get() / theirs.get()));
                }
            }
        }
        idleRssMb.forEach((target, rss) -> summary.put(target + ", idle RSS MB", rss));
        for (int qos : List.of(0, 1)) {
            for (int rate : List.of(1_000, 5_000)) {
                Optional<Run> ceiling = find("ceiling", qos, rate);
                for (String target : targets) {
                    Optional<Run> theirs = find(target, qos, rate);
                    if (!target.equals("ceiling") && ceiling.isPresent() && theirs.isPresent()) {
                        summary.put(String.format(Locale.ROOT, "%s, QoS %d, median at %,d msg/s", target, qos, rate),
                                String.format(Locale.ROOT, "%.0f ms (ceiling %.0f ms)", theirs.get().p50Ms(),
                                        ceiling.get().p50Ms()));
                    }
                }
            }
        }
        for (Run run : runs) {
            boolean atTwentyThousand = run.clients() == 1 && run.edges() == 10 && run.targetRate() == 20_000;
            boolean manyClients = run.clients() > 1;
            if (!run.target().equals("ceiling") && (atTwentyThousand || manyClients)) {
                summary.put(String.format(Locale.ROOT, "%s, QoS %d, %d client(s) at %,d msg/s", run.target(), run.qos(),
                        run.clients(), run.targetRate()), String.format(Locale.ROOT,
                        "worst client %,.0f msg/s, p99 %.0f ms, %,d lost, RSS %s MB", run.deliveredPerSecond(),
                        run.p99Ms(), run.lost(), run.serviceRssMb()));
            }
        }
        return summary;
    }

    /** The target's run at {@code rate}, one client, 10 edges. */
    private Optional<Run> find(String target, int qos, int rate) {
        return runs.stream().filter(r -> r.target().equals(target) && r.qos() == qos && r.clients() == 1
                && r.edges() == 10 && r.targetRate() == rate).findFirst();
    }

    /** The highest rate a target kept up with, one client, 10 edges. */
    private Optional<Double> sustained(String target, int qos) {
        return runs.stream().filter(r -> r.target().equals(target) && r.qos() == qos && r.clients() == 1
                        && r.edges() == 10 && keptUp(r))
                .map(Run::deliveredPerSecond).max(Double::compare);
    }

    private static String row(Run run) {
        return String.format(Locale.ROOT, "| %s | %d | %d | %d | %,.0f | %,.0f | %,d | %.0f | %.0f | %.0f | %.0f | %s | %s |",
                run.target(), run.qos(), run.edges(), run.clients(), run.offeredPerSecond(), run.deliveredPerSecond(),
                run.lost(), run.p50Ms(), run.p95Ms(), run.p99Ms(), run.maxMs(),
                run.serviceCpuPercent() == null ? "" : String.format(Locale.ROOT, "%.0f", run.serviceCpuPercent()),
                run.serviceRssMb() == null ? "" : run.serviceRssMb().toString());
    }

    private static long round(double value) {
        return Math.round(value);
    }
}
