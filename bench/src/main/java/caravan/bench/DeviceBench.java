package caravan.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import caravan.testing.DeviceSimulator;
import caravan.testing.HubProcess;
import caravan.testing.ServiceProcess;
import caravan.testing.Services;
import peers.PlainSseHub;

/**
 * The device benchmark, run by {@code bench/devices.sh}: thousands of simulated camera devices
 * ({@link DeviceSimulator}) streaming from one hub on PostgreSQL and Mosquitto, against the same devices on
 * {@link PlainSseHub} (a plain Spring {@code SseEmitter} service, no persistence). For each: resident memory per
 * 1,000 open streams; trigger-to-event latency (the trigger's request sent to its command event read by the device)
 * at a steady rate of triggers spread over random devices, while a share of the devices drop their stream and
 * reconnect (with {@code Last-Event-ID}); and what was lost (a trigger answered 2xx whose command never reached its
 * device) or repeated (a command read twice by one device).
 * Arguments: {@code devices=5000 rates=50,100,200 seconds=60 warmup=15 reconnectShare=0.1 heap=2g commit=… out=…}
 * (each rate a run of its own on the same open streams, slowest first); optionally
 * {@code targets=hub,peer} and {@code hubJavaOpts=…} (say a JFR recording).
 */
public final class DeviceBench {

    private static final int HUB_PORT = 18095;
    private static final int PEER_PORT = 18096;

    /** One trigger as the load sent it and the target answered it. */
    record Trigger(int device, Instant sentAt, int httpStatus, String commandId, String status) {
    }

    record Result(String target, int rate, int devices, List<Long> rssMbByThousands, double rssMbPerThousand,
            long triggers,
            long accepted, long unanswered, long delivered, long lost, long repeated, int reconnects,
            int reconnectsFailed, double p50Ms, double p99Ms,
            double maxMs, double triggersPerSecond) {
    }

    private final Map<String, String> args;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(8)).build();
    private final int devices;
    private final List<Integer> rates;
    private final int seconds;
    private final int warmup;
    private final double reconnectShare;
    private final String heap;
    private final List<String> targets;

    private DeviceBench(Map<String, String> args) {
        this.args = args;
        this.devices = Integer.parseInt(args.getOrDefault("devices", "5000"));
        this.rates = Arrays.stream(args.getOrDefault("rates", "50,100,200").split(",")).map(Integer::valueOf)
                .sorted().toList();
        this.seconds = Integer.parseInt(args.getOrDefault("seconds", "60"));
        this.warmup = Integer.parseInt(args.getOrDefault("warmup", "15"));
        this.reconnectShare = Double.parseDouble(args.getOrDefault("reconnectShare", "0.1"));
        this.heap = args.getOrDefault("heap", "2g");
        this.targets = List.of(args.getOrDefault("targets", "hub,peer").split(","));
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (String arg : argv) {
            String[] pair = arg.split("=", 2);
            args.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        // the simulators' and pools' threads would keep a failed run alive
        int status = 1;
        try {
            new DeviceBench(args).runAll();
            status = 0;
        } finally {
            System.exit(status);
        }
    }

    private void runAll() throws Exception {
        String run = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        List<Result> results = new ArrayList<>();
        if (targets.contains("hub")) {
            results.addAll(loadHub(run));
        }
        if (targets.contains("peer")) {
            results.addAll(loadPeer(run));
        }
        report(results);
    }

    private List<Result> loadHub(String run) throws Exception {
        // the devices of an interrupted run would be in every scan of the hub's database: the same hub code measured a
        // p99 of 208 ms at 200 a second with 15,000 of them, 8 ms without
        Services.forgetEdges("bench-");
        Map<String, String> env = HubProcess.trajectoryEnvironment(run, Services.jdbcUrl(), Services.jdbcUser(),
                Services.jdbcPassword());
        try (ServiceProcess hub = HubProcess.start(Files.createTempDirectory("caravan-bench-devices"), HUB_PORT, env,
                "-Xmx" + heap + " " + args.getOrDefault("hubJavaOpts", ""))) {
            String base = "http://127.0.0.1:" + HUB_PORT;
            List<String> tokens = register(base, run);
            return load("caravan hub", base, run, tokens, hub);
        } finally {
            Services.forgetEdges(run);
        }
    }

    private List<Result> loadPeer(String run) throws Exception {
        List<String> peerCommand = new ArrayList<>(HubProcess.java());
        peerCommand.addAll(List.of("-Xmx" + heap, "-cp", System.getProperty("java.class.path"),
                PlainSseHub.class.getName(),
                "--server.port=" + PEER_PORT, "--server.address=127.0.0.1"));
        try (ServiceProcess peer = ServiceProcess.start("plain-sse-hub", peerCommand, Path.of("."), Map.of(),
                URI.create("http://127.0.0.1:" + PEER_PORT + "/ready"), false)) {
            return load("plain SseEmitter service", "http://127.0.0.1:" + PEER_PORT, run,
                    Collections.nCopies(devices, null), peer);
        }
    }

    /** Registers the devices as streaming edges; answers their tokens, in order. */
    private List<String> register(String base, String run) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<String>> tokens = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            String id = run + "-" + i;
            tokens.add(pool.submit(() -> {
                HttpResponse<String> saved = http.send(HttpRequest.newBuilder(URI.create(base + "/api/edges/" + id))
                        .header(Services.API_KEY_HEADER, Services.ADMIN_KEY).header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"transport\": \"sse\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (saved.statusCode() != 200) {
                    throw new IllegalStateException("registering " + id + ": " + saved.statusCode() + " " + saved.body());
                }
                return json.readTree(saved.body()).get("deviceToken").asText();
            }));
        }
        List<String> answered = new ArrayList<>();
        for (Future<String> token : tokens) {
            answered.add(token.get());
        }
        pool.shutdown();
        System.out.println(devices + " devices registered");
        return answered;
    }

    /** Opens every device's stream, reading the server's memory each thousand, then runs the load at each rate. */
    private List<Result> load(String target, String base, String run, List<String> tokens, ServiceProcess server)
            throws Exception {
        List<Long> rss = new ArrayList<>();
        rss.add(server.usage().rssKb() / 1024);
        List<DeviceSimulator> fleet = new ArrayList<>();
        ExecutorService connecting = Executors.newFixedThreadPool(16);
        for (int i = 0; i < devices; i++) {
            fleet.add(new DeviceSimulator(base, run + "-" + i, tokens.get(i), Duration.ofSeconds(70), false));
        }
        for (int thousand = 0; thousand < devices; thousand += 1000) {
            List<Future<?>> opened = new ArrayList<>();
            for (DeviceSimulator device : fleet.subList(thousand, Math.min(devices, thousand + 1000))) {
                opened.add(connecting.submit(() -> device.connect(null)));
            }
            for (Future<?> open : opened) {
                open.get();
            }
            Thread.sleep(2_000); // let the servers settle before reading their memory
            rss.add(server.usage().rssKb() / 1024);
            System.out.printf(Locale.ROOT, "%s: %d streams, %d MB resident%n", target, Math.min(devices, thousand + 1000),
                    rss.get(rss.size() - 1));
        }

        warmUp(base, run, rates.get(0));
        List<Result> results = new ArrayList<>();
        try {
            for (int rate : rates) {
                results.add(atRate(target, rate, base, run, fleet, rss));
            }
        } finally {
            fleet.forEach(DeviceSimulator::disconnect);
            connecting.shutdown();
        }
        return results;
    }

    /**
     * Triggers at {@code rate} a second for {@code seconds} to random devices while a share of them reconnect; what
     * arrived, how fast, what was lost or read twice.
     */
    private Result atRate(String target, int rate, String base, String run, List<DeviceSimulator> fleet,
            List<Long> rss) throws Exception {
        long readBefore = repeated(fleet);
        Random random = new Random(42L + rate);
        List<Trigger> triggers = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger reconnects = new AtomicInteger();
        AtomicInteger reconnectsFailed = new AtomicInteger();
        ScheduledExecutorService load = Executors.newScheduledThreadPool(4);
        int total = rate * seconds;
        AtomicInteger sent = new AtomicInteger();
        long periodNanos = 1_000_000_000L / rate;
        Instant start = Instant.now();
        load.scheduleAtFixedRate(() -> {
            if (sent.incrementAndGet() > total) {
                return;
            }
            int device = random.nextInt(devices);
            Instant sentAt = Instant.now();
            try {
                http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/devices/" + run + "-" + device
                                        + "/trigger")).header(Services.API_KEY_HEADER, Services.ADMIN_KEY)
                                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString())
                        .whenComplete((response, error) -> triggers.add(trigger(device, sentAt, response)));
            } catch (RuntimeException e) {
                // a task that throws is never run again: the rest of the load would not be sent
                triggers.add(new Trigger(device, sentAt, 0, null, e.toString()));
            }
        }, 0, periodNanos, TimeUnit.NANOSECONDS);
        int toReconnect = (int) (devices * reconnectShare);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        for (int i = 0; i < toReconnect; i++) {
            DeviceSimulator device = fleet.get(order.get(i));
            load.schedule(() -> {
                device.disconnect();
                load.schedule(() -> {
                    try {
                        device.reconnect();
                        reconnects.incrementAndGet();
                    } catch (IOException e) {
                        reconnectsFailed.incrementAndGet();
                    }
                }, 500, TimeUnit.MILLISECONDS);
            }, (long) i * seconds * 1000 / toReconnect, TimeUnit.MILLISECONDS);
        }
        // answers that never come are counted, not waited for past a minute after the load
        long loadDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 60L);
        while ((triggers.size() < total || reconnects.get() + reconnectsFailed.get() < toReconnect)
                && System.nanoTime() < loadDeadline) {
            Thread.sleep(200);
        }
        double triggersPerSecond = total / (Duration.between(start, Instant.now()).toMillis() / 1000.0);
        load.shutdownNow();

        // what was answered 2xx should arrive; give stragglers up to 30 s
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<Trigger> answered = List.copyOf(triggers);
        List<Trigger> accepted = answered.stream().filter(t -> t.httpStatus() / 100 == 2).toList();
        while (System.nanoTime() < deadline && accepted.stream().anyMatch(t -> receivedAt(fleet, t) == null)) {
            Thread.sleep(500);
        }
        List<Double> latencies = new ArrayList<>();
        long lost = 0;
        for (Trigger trigger : accepted) {
            Instant received = receivedAt(fleet, trigger);
            if (received == null) {
                lost++;
            } else {
                latencies.add(Duration.between(trigger.sentAt(), received).toNanos() / 1e6);
            }
        }
        long repeated = repeated(fleet) - readBefore;
        Collections.sort(latencies);
        Result result = new Result(target, rate, devices, rss, (rss.get(rss.size() - 1) - rss.get(0)) * 1000.0 / devices,
                total, accepted.size(), total - answered.size(), latencies.size(), lost, repeated, reconnects.get(),
                reconnectsFailed.get(), percentile(latencies, 50),
                percentile(latencies, 99), latencies.isEmpty() ? Double.NaN : latencies.get(latencies.size() - 1),
                triggersPerSecond);
        System.out.println(result);
        return result;
    }

    /** Commands read more than once, over the whole fleet. */
    private static long repeated(List<DeviceSimulator> fleet) {
        return fleet.stream().mapToLong(device -> device.commandIds().size()
                - device.commandIds().stream().distinct().count()).sum();
    }

    /** Triggers at {@code rate} for {@code warmup} seconds, not counted: the JIT compiles the paths measured. */
    private void warmUp(String base, String run, int rate) throws InterruptedException {
        Random random = new Random(7);
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger answered = new AtomicInteger();
        int total = rate * warmup;
        AtomicInteger sent = new AtomicInteger();
        load.scheduleAtFixedRate(() -> {
            if (sent.incrementAndGet() <= total) {
                http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/devices/" + run + "-"
                                        + random.nextInt(devices) + "/trigger"))
                                .header(Services.API_KEY_HEADER, Services.ADMIN_KEY)
                                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding())
                        .whenComplete((response, error) -> answered.incrementAndGet());
            }
        }, 0, 1_000_000_000L / rate, TimeUnit.NANOSECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup + 60L);
        while (answered.get() < total && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        load.shutdownNow();
        System.out.printf(Locale.ROOT, "warmed up: %d triggers in %d s, %d answered%n", total, warmup, answered.get());
    }

    private Trigger trigger(int device, Instant sentAt, HttpResponse<String> response) {
        if (response == null) {
            return new Trigger(device, sentAt, 0, null, "no answer");
        }
        try {
            JsonNode body = json.readTree(response.body());
            return new Trigger(device, sentAt, response.statusCode(), body.path("command_id").asText(null),
                    body.path("status").asText());
        } catch (Exception e) {
            return new Trigger(device, sentAt, response.statusCode(), null, "unreadable answer");
        }
    }

    private static Instant receivedAt(List<DeviceSimulator> fleet, Trigger trigger) {
        return fleet.get(trigger.device()).commands().stream()
                .filter(event -> event.data().path("command_id").asText().equals(trigger.commandId()))
                .map(DeviceSimulator.Event::receivedAt).findFirst().orElse(null);
    }

    private static double percentile(List<Double> sorted, int percent) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(percent / 100.0 * sorted.size()) - 1));
    }

    private void report(List<Result> results) throws Exception {
        Map<String, Object> result = BenchReport.start("devices", args, "postgresql", Services.jdbcUrl());
        result.put("devices", devices);
        result.put("rates", rates);
        result.put("seconds", seconds);
        result.put("warmup", warmup);
        result.put("reconnectShare", reconnectShare);
        result.put("heap", heap);
        result.put("results", results);
        StringBuilder md = new StringBuilder("# Devices: command streams, " + devices + " devices on one machine\n\n")
                .append(BenchReport.headline(result)).append(" Server, devices and database on one machine.\n\n")
                .append(String.format(Locale.ROOT, "At each rate, triggers for %d s, spread over random devices, while "
                        + "%.0f %% of the devices drop their stream and reconnect (after 0.5 s, with Last-Event-ID); "
                        + "the rates one after the other on the same open streams, and before them %d s of triggers "
                        + "at the first rate, not counted, to warm up.%n%n",
                        seconds, reconnectShare * 100, warmup))
                .append("Both servers run with -Xmx").append(heap).append(" (the hub after its own JVM options): each "
                        + "open stream holds Tomcat's buffers for its request, about 0.1 MB of heap.\n\n")
                .append("| target | triggers a second | resident MB per 1,000 streams | trigger → event p50 | p99 | max "
                        + "| triggers answered 2xx | no answer | lost | read twice | reconnects failed |\n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            md.append(String.format(Locale.ROOT,
                    "| %s | %d | %.1f | %.1f ms | %.1f ms | %.0f ms | %d of %d | %d | %d | %d | %d of %d |%n",
                    r.target(), r.rate(), r.rssMbPerThousand(), r.p50Ms(), r.p99Ms(), r.maxMs(), r.accepted(), r.triggers(),
                    r.unanswered(), r.lost(), r.repeated(), r.reconnectsFailed(),
                    r.reconnects() + r.reconnectsFailed()));
        }
        md.append("| the reference's claim (CommandHub) | | | | under 100 ms | | | | | | |\n\n")
                .append("Resident memory by open streams (MB, at 0, 1,000, …): ");
        results.stream().collect(Collectors.toMap(Result::target, Result::rssMbByThousands, (a, b) -> a,
                LinkedHashMap::new)).forEach((target, rss) -> md.append(target).append(' ').append(rss).append("; "));
        md.append("\n");
        BenchReport.write(args, BenchReport.fileName("devices", result), result, md);
    }
}
