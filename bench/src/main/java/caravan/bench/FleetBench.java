package caravan.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.interfaces.ECPublicKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import caravan.deploy.MqttLogin;
import caravan.deploy.SignedCommands;
import caravan.testing.HubProcess;
import caravan.testing.ServiceProcess;
import caravan.testing.Services;

/**
 * The fleet benchmark, run by {@code bench/fleet.sh}: hubs (the jar, each a process, sharing the test services'
 * PostgreSQL and Mosquitto as a cluster's hubs do) and a fleet of simulated edge agents ({@link FleetAgent}) in this
 * process, each registered at the hubs with a broker credential of its own. In four phases: the fleet registered
 * through the API; connected, a few agents at a time; heartbeats alone; one provider deployed to every edge as a
 * deployment group, in waves held to the health gate (per wave, when it started and how long until all its edges
 * reported healthy; the whole rollout). Every second, the CPU and resident memory of each hub, the broker and this
 * process, per phase.
 * Arguments: {@code agents=1000 hubs=2 wave=10% (a share of the agents, or a number of edges) gateSeconds=5
 * heartbeatSeconds=10 idleSeconds=60 connectConcurrency=50 maxFailures=1 brokerPid=… brokerVersion=… commit=… out=…}
 * and optionally {@code hubJavaOpts=…}.
 */
public final class FleetBench {

    /** Every run's edges, venue and provider are named so: what an interrupted run left is found by it. */
    private static final String PREFIX = "bench-fleet-";
    /** The provider's image is pinned to this digest: the hub asks no registry, the agents pull nothing. */
    private static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);
    private static final List<String> PHASES = List.of("register", "connect", "idle", "deploy");
    private static final List<String> FINISHED = List.of("succeeded", "failed");
    /** Requests to the hubs at once while registering and cleaning up, as DeviceBench registers its devices. */
    private static final int API_THREADS = 8;

    /**
     * One wave of the rollout, on this process's clock: when its first edge took its command (seconds after the
     * group was requested), over how long its commands arrived, from its first command until the last of its edges
     * reported healthy (the broker took the report), how many of its edges the hub shows healthy at the end, and how
     * long it waited to start: since the request (the first wave), or since the wave before was all reported healthy
     * (the hubs applying those reports, then their next group tick).
     */
    record Wave(int wave, int edges, double startedSeconds, double commandsOverSeconds, double toHealthySeconds,
            int healthyAtHub, double waitedSeconds) {
    }

    /** A process's CPU (100 % = one core) over the per-second samples that ended in a phase, and its largest RSS. */
    record PhaseUsage(String process, String phase, double meanCpuPercent, double maxCpuPercent, long maxRssMb,
            int samples) {
    }

    record Result(int agents, int hubs, int waveSize, int maxFailures, int gateSeconds, int heartbeatSeconds,
            int idleSeconds, int connectConcurrency, double registerSeconds, double connectSeconds,
            double slowestConnectMs, long onlineAfterIdle, String groupStatus, String stoppedReason,
            double rolloutSeconds, List<Wave> waves, List<PhaseUsage> usage, long eventsTaken, long eventsFailed,
            long commandsRefused) {
    }

    private record Connected(double seconds, double slowestMs) {
    }

    private record Rollout(String status, String stoppedReason, double seconds, List<Wave> waves) {
    }

    private final Map<String, String> args;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ExecutorService api = Executors.newFixedThreadPool(API_THREADS);
    /** Every agent's callbacks, heartbeats and health windows. */
    private final ScheduledExecutorService agentWork = Executors.newScheduledThreadPool(2);
    private final int agents;
    private final int hubCount;
    private final int waveSize;
    private final int gateSeconds;
    private final int heartbeatSeconds;
    private final int idleSeconds;
    private final int connectConcurrency;
    private final int maxFailures;

    private FleetBench(Map<String, String> args) {
        this.args = args;
        this.agents = Integer.parseInt(args.getOrDefault("agents", "1000"));
        this.hubCount = Integer.parseInt(args.getOrDefault("hubs", "2"));
        String wave = args.getOrDefault("wave", "10%");
        this.waveSize = wave.endsWith("%")
                ? Math.max(1, (int) Math.round(agents * Double.parseDouble(wave.substring(0, wave.length() - 1)) / 100))
                : Integer.parseInt(wave);
        this.gateSeconds = Integer.parseInt(args.getOrDefault("gateSeconds", "5"));
        this.heartbeatSeconds = Integer.parseInt(args.getOrDefault("heartbeatSeconds", "10"));
        this.idleSeconds = Integer.parseInt(args.getOrDefault("idleSeconds", "60"));
        this.connectConcurrency = Integer.parseInt(args.getOrDefault("connectConcurrency", "50"));
        this.maxFailures = Integer.parseInt(args.getOrDefault("maxFailures", "1"));
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (String arg : argv) {
            String[] pair = arg.split("=", 2);
            args.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        // the agents' clients and the pools' threads would keep the JVM alive after the run
        try {
            new FleetBench(args).runAll();
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private void runAll() throws Exception {
        String run = PREFIX + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = HubProcess.sharedIntake(run);
        // The run's own group for the agents' events: the hubs measured apply every one of them, whatever other hubs
        // share the broker.
        env.put("CARAVAN_EDGE_EVENTS_GROUP", run);
        env.put("CARAVAN_DEPLOY_HEALTH_WINDOW", gateSeconds + "s");
        // No provider runs to publish trajectories: the gate holds each deployment for its window only.
        env.put("CARAVAN_DEPLOY_HEALTH_REQUIRES_TRAJECTORIES", "false");
        List<ServiceProcess> hubs = new ArrayList<>();
        List<String> bases = new ArrayList<>();
        List<FleetAgent> fleet = new ArrayList<>();
        try {
            for (int i = 1; i <= hubCount; i++) {
                int port = HubProcess.freePort();
                hubs.add(HubProcess.start(Files.createTempDirectory("caravan-bench-fleet-hub-" + i), port, env,
                        args.getOrDefault("hubJavaOpts", "")));
                bases.add("http://127.0.0.1:" + port);
            }
            forget(bases.get(0), PREFIX);
            try (Sampler sampler = new Sampler(processes(hubs))) {
                sampler.phase("register");
                long registering = System.nanoTime();
                ECPublicKey hubKey = commandKey(bases);
                List<MqttLogin> logins = register(bases, run);
                double registerSeconds = seconds(System.nanoTime() - registering);
                System.out.printf(Locale.ROOT, "%d edges registered with their credentials in %.1f s%n", agents,
                        registerSeconds);

                sampler.phase("connect");
                for (int i = 0; i < agents; i++) {
                    fleet.add(new FleetAgent(Services.mqttUrl(), edgeId(run, i), logins.get(i), hubKey, agentWork,
                            Duration.ofSeconds(heartbeatSeconds)));
                }
                Connected connected = connect(fleet);
                System.out.printf(Locale.ROOT, "%d agents connected in %.1f s%n", agents, connected.seconds());

                sampler.phase("idle");
                Thread.sleep(TimeUnit.SECONDS.toMillis(idleSeconds));
                long online = online(bases.get(0), run);
                System.out.printf(Locale.ROOT, "after %d s of heartbeats, %d of %d edges online at the hubs%n",
                        idleSeconds, online, agents);

                sampler.phase("deploy");
                Rollout rollout = deploy(bases.get(0), run, fleet);
                System.out.printf(Locale.ROOT, "group %s after %.1f s%n", rollout.status(), rollout.seconds());

                report(new Result(agents, hubCount, waveSize, maxFailures, gateSeconds, heartbeatSeconds, idleSeconds,
                        connectConcurrency, registerSeconds, connected.seconds(), connected.slowestMs(), online,
                        rollout.status(), rollout.stoppedReason(), rollout.seconds(), rollout.waves(),
                        sampler.results(), fleet.stream().mapToLong(FleetAgent::eventsTaken).sum(),
                        fleet.stream().mapToLong(FleetAgent::eventsFailed).sum(),
                        fleet.stream().mapToLong(FleetAgent::commandsRefused).sum()));
            }
        } finally {
            try {
                disconnect(fleet);
                if (!bases.isEmpty()) {
                    forget(bases.get(0), run);
                }
            } finally {
                // they are processes of their own: System.exit would leave them running
                for (ServiceProcess hub : hubs) {
                    hub.close();
                }
            }
        }
    }

    /** Each hub, the test services' broker (when the script found its process) and this process, the agents'. */
    private Map<String, Callable<ServiceProcess.Usage>> processes(List<ServiceProcess> hubs) {
        Map<String, Callable<ServiceProcess.Usage>> processes = new LinkedHashMap<>();
        for (int i = 0; i < hubs.size(); i++) {
            processes.put("hub " + (i + 1), hubs.get(i)::usage);
        }
        String brokerPid = args.getOrDefault("brokerPid", "");
        if (brokerPid.isBlank()) {
            System.out.println("the broker's process was not found: its CPU and memory are not reported");
        } else {
            processes.put("broker", () -> ServiceProcess.usage(Long.parseLong(brokerPid)));
        }
        long self = ProcessHandle.current().pid();
        processes.put("agents (this JVM)", () -> ServiceProcess.usage(self));
        return processes;
    }

    /** The key the hubs sign commands with: one, as they share the database and CARAVAN_SECRETS_KEY. */
    private ECPublicKey commandKey(List<String> bases) throws Exception {
        Set<String> keys = new HashSet<>();
        for (String base : bases) {
            keys.add(call("GET", base + "/api/hub/command-key", null, 200).get("publicKey").asText());
        }
        if (keys.size() != 1) {
            throw new IllegalStateException("the hubs sign commands with " + keys.size() + " different keys");
        }
        return SignedCommands.publicKey(keys.iterator().next());
    }

    /**
     * The venue, the provider (registered as an image pinned to a digest: nothing is built) and every edge with its
     * credential, the edges spread over the hubs. Answers the edges' broker logins, in order.
     */
    private List<MqttLogin> register(List<String> bases, String run) throws Exception {
        call("PUT", bases.get(0) + "/api/venues/" + run, "{\"name\": \"Fleet benchmark\"}", 200);
        call("POST", bases.get(0) + "/api/algorithm-providers", "{\"providerId\": \"" + run + "\", "
                + "\"version\": \"1.0\", \"dockerImage\": \"registry.example.com/vendor/fleet-bench:1.0@" + DIGEST
                + "\"}", 201);
        List<Callable<MqttLogin>> edges = new ArrayList<>();
        for (int i = 0; i < agents; i++) {
            String edgeId = edgeId(run, i);
            String base = bases.get(i % bases.size());
            edges.add(() -> {
                call("PUT", base + "/api/edges/" + edgeId,
                        "{\"venueId\": \"" + run + "\", \"labels\": {\"fleet\": \"" + run + "\"}}", 200);
                JsonNode issued = call("POST", base + "/api/edges/" + edgeId + "/credentials", null, 201);
                return new MqttLogin(issued.get("username").asText(), issued.get("password").asText());
            });
        }
        return inParallel(edges);
    }

    /** Connects the agents, {@code connectConcurrency} at a time, so that the broker is not flooded. */
    private Connected connect(List<FleetAgent> fleet) throws Exception {
        Semaphore connecting = new Semaphore(connectConcurrency);
        List<CompletableFuture<Long>> connects = new ArrayList<>();
        long start = System.nanoTime();
        for (FleetAgent agent : fleet) {
            if (!connecting.tryAcquire(1, TimeUnit.MINUTES)) {
                throw new IllegalStateException("no agent's connect finished within a minute");
            }
            long began = System.nanoTime();
            connects.add(agent.connect().whenComplete((connected, error) -> connecting.release())
                    .thenApply(connected -> System.nanoTime() - began));
        }
        long slowest = 0;
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < connects.size(); i++) {
            try {
                slowest = Math.max(slowest, connects.get(i).get(1, TimeUnit.MINUTES));
            } catch (ExecutionException | TimeoutException e) {
                failed.add(fleet.get(i).edgeId() + ": " + (e.getCause() == null ? e : e.getCause()));
            }
        }
        // the rollout would wait for their deployments until the hubs' ack timeout (10 minutes)
        if (!failed.isEmpty()) {
            throw new IllegalStateException(failed.size() + " agents could not connect, the first " + failed.get(0));
        }
        return new Connected(seconds(System.nanoTime() - start), slowest / 1e6);
    }

    /** The run's edges the hubs show online. */
    private long online(String base, String run) throws Exception {
        long online = 0;
        for (JsonNode edge : call("GET", base + "/api/edges", null, 200)) {
            if (edge.path("edgeId").asText().startsWith(run) && "online".equals(edge.path("status").asText())) {
                online++;
            }
        }
        return online;
    }

    /**
     * Deploys the run's provider to every edge of the run (by its label) in waves of {@code waveSize}, and waits until
     * the group has finished. Reading a group costs the hub a query per edge, so it is read every 15 s until every
     * agent has reported healthy, then every half second.
     */
    private Rollout deploy(String base, String run, List<FleetAgent> fleet) throws Exception {
        long start = System.nanoTime();
        JsonNode accepted = call("POST", base + "/api/deployments", "{\"providerId\": \"" + run + "\", "
                + "\"selector\": {\"fleet\": \"" + run + "\"}, "
                + "\"strategy\": {\"waveSize\": " + waveSize + ", \"maxFailures\": " + maxFailures + "}}", 202);
        String groupUrl = base + accepted.get("statusUrl").asText();
        // a wave takes its window and a few seconds; a deployment no agent answers fails after the ack timeout (10m)
        long deadline = start + TimeUnit.SECONDS.toNanos(waveCount() * (gateSeconds + 60L) + 600);
        JsonNode group;
        while (true) {
            long lookAgain = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (fleet.stream().filter(FleetAgent::reportedHealthy).count() < fleet.size()
                    && System.nanoTime() < lookAgain) {
                Thread.sleep(100);
            }
            group = call("GET", groupUrl, null, 200);
            if (FINISHED.contains(group.path("status").asText()) || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(500);
        }
        double seconds = seconds(System.nanoTime() - start);
        Map<String, FleetAgent> byEdge = new HashMap<>();
        fleet.forEach(agent -> byEdge.put(agent.edgeId(), agent));
        return new Rollout(group.path("status").asText(), group.path("stoppedReason").asText(null), seconds,
                waves(group.path("edges"), byEdge, start));
    }

    /** The group's edges, in rollout order, taken {@code waveSize} at a time, with what their agents saw. */
    private List<Wave> waves(JsonNode members, Map<String, FleetAgent> byEdge, long start) {
        List<Wave> waves = new ArrayList<>();
        long previousHealthy = start;
        for (int first = 0; first < members.size(); first += waveSize) {
            int edges = Math.min(waveSize, members.size() - first);
            List<Long> commands = new ArrayList<>();
            List<Long> healthy = new ArrayList<>();
            int healthyAtHub = 0;
            for (int i = first; i < first + edges; i++) {
                JsonNode member = members.get(i);
                if ("healthy".equals(member.path("status").asText())) {
                    healthyAtHub++;
                }
                FleetAgent agent = byEdge.get(member.path("edgeId").asText());
                String deploymentId = member.path("deploymentId").asText(null);
                if (agent != null && deploymentId != null) {
                    addIfPresent(commands, agent.commandAt(deploymentId));
                    addIfPresent(healthy, agent.healthyAt(deploymentId));
                }
            }
            int wave = first / waveSize + 1;
            if (commands.isEmpty()) { // skipped: the group stopped before it
                waves.add(new Wave(wave, edges, Double.NaN, Double.NaN, Double.NaN, healthyAtHub, Double.NaN));
                continue;
            }
            long firstCommand = Collections.min(commands);
            waves.add(new Wave(wave, edges, seconds(firstCommand - start),
                    seconds(Collections.max(commands) - firstCommand),
                    healthy.size() == edges ? seconds(Collections.max(healthy) - firstCommand) : Double.NaN,
                    healthyAtHub, seconds(firstCommand - previousHealthy)));
            if (!healthy.isEmpty()) {
                previousHealthy = Collections.max(healthy);
            }
        }
        return waves;
    }

    private static void addIfPresent(List<Long> times, Long time) {
        if (time != null) {
            times.add(time);
        }
    }

    /** Disconnects every agent; the broker forgets their sessions. */
    private static void disconnect(List<FleetAgent> fleet) throws Exception {
        CompletableFuture.allOf(fleet.stream().map(agent -> agent.disconnect().exceptionally(notConnected -> null))
                .toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
    }

    /**
     * Revokes the credentials of the edges whose ids start with {@code prefix} (the hub removes their broker accounts),
     * stops the unfinished groups of its providers, then removes the edges, which no API does. Their deployments, the
     * groups, the venue and the provider stay.
     */
    private void forget(String base, String prefix) throws Exception {
        List<Callable<Integer>> revocations = new ArrayList<>();
        for (JsonNode edge : call("GET", base + "/api/edges", null, 200)) {
            String edgeId = edge.path("edgeId").asText();
            if (edgeId.startsWith(prefix)) {
                revocations.add(() -> {
                    int status = send("DELETE", base + "/api/edges/" + edgeId + "/credentials", null).statusCode();
                    if (status != 200 && status != 404) { // 404: the edge had no credential
                        throw new IllegalStateException("revoking the credential of " + edgeId + ": " + status);
                    }
                    return status;
                });
            }
        }
        inParallel(revocations);
        stopGroups(prefix);
        Services.forgetEdges(prefix);
        if (!revocations.isEmpty()) {
            System.out.println(revocations.size() + " edges " + prefix + "* removed");
        }
    }

    /**
     * Fails the unfinished groups of the providers whose ids start with {@code prefix} (an interrupted run's, or one
     * that did not finish in time), before their edges are removed: their next waves would only fail on them.
     */
    private static void stopGroups(String prefix) throws SQLException {
        try (Connection db = DriverManager.getConnection(Services.jdbcUrl(), Services.jdbcUser(),
                Services.jdbcPassword());
                PreparedStatement stop = db.prepareStatement("UPDATE deployment_groups SET status = 'failed', "
                        + "stopped_reason = 'its benchmark run ended before it', updated_at = CURRENT_TIMESTAMP "
                        + "WHERE provider_id LIKE ? AND status IN ('scheduled', 'rolling')")) {
            stop.setString(1, prefix + "%");
            stop.executeUpdate();
        }
    }

    /** Runs the calls {@link #API_THREADS} at a time; answers their results in order, or throws the first failure. */
    private <T> List<T> inParallel(List<Callable<T>> calls) throws Exception {
        List<T> results = new ArrayList<>();
        for (Future<T> result : api.invokeAll(calls)) {
            results.add(result.get());
        }
        return results;
    }

    /** The answer's JSON, when its status is {@code expected}; otherwise fails naming the call and the answer. */
    private JsonNode call(String method, String url, String body, int expected) throws IOException,
            InterruptedException {
        HttpResponse<String> response = send(method, url, body);
        if (response.statusCode() != expected) {
            throw new IllegalStateException(method + " " + url + ": " + response.statusCode() + " " + response.body());
        }
        return json.readTree(response.body());
    }

    private HttpResponse<String> send(String method, String url, String body) throws IOException,
            InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header(Services.API_KEY_HEADER, Services.ADMIN_KEY);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int waveCount() {
        return (agents + waveSize - 1) / waveSize;
    }

    /** Zero-padded, so that id order (the group's rollout order) is the order the agents were made in. */
    private static String edgeId(String run, int index) {
        return String.format(Locale.ROOT, "%s-%05d", run, index);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private void report(Result r) throws Exception {
        Map<String, Object> result = BenchReport.start("fleet", args, "broker",
                args.getOrDefault("brokerVersion", "mosquitto"));
        result.put("results", r);
        StringBuilder md = new StringBuilder("# Fleet: " + agents + " simulated edge agents, " + hubCount
                + " hub(s) on one machine\n\n")
                .append(BenchReport.headline(result))
                .append(" Hubs, broker, database and agents on one machine.\n\n")
                .append(String.format(Locale.ROOT, "The hubs share the test services' PostgreSQL and Mosquitto. Each "
                        + "agent is registered with a credential of its own (`PUT /api/edges/{id}`, `POST "
                        + "/api/edges/{id}/credentials`), logs in to the broker with it on a persistent session, sends "
                        + "a heartbeat every %d s, verifies each command's signature with the hubs' key and answers a "
                        + "deploy with the statuses of the real agent's steps, pulling and running nothing. The "
                        + "rollout: one provider to every edge (`POST /api/deployments`, by label), %d waves of %d, "
                        + "at most %d failure(s), a health window of %d s.%n%n",
                        heartbeatSeconds, waveCount(), waveSize, maxFailures, gateSeconds))
                .append("| phase | what | took |\n|---|---|---|\n")
                .append(String.format(Locale.ROOT, "| register | %d edges and their credentials through the API, %d "
                        + "requests at a time | %.1f s |%n", agents, API_THREADS, r.registerSeconds()))
                .append(String.format(Locale.ROOT, "| connect | %d agents connected and subscribed, %d at a time | "
                        + "%.1f s (slowest agent %.0f ms) |%n", agents, connectConcurrency, r.connectSeconds(),
                        r.slowestConnectMs()))
                .append(String.format(Locale.ROOT, "| idle | heartbeats only | %d s; then %d of %d edges online at "
                        + "the hubs |%n", idleSeconds, r.onlineAfterIdle(), agents))
                .append(String.format(Locale.ROOT, "| deploy | the group, from its request until seen finished | "
                        + "%.1f s: %s%s |%n%n", r.rolloutSeconds(), r.groupStatus(),
                        r.stoppedReason() == null ? "" : " (" + r.stoppedReason() + ")"))
                .append("Waves, on the agents' clock: started = the wave's first command taken, seconds after the "
                        + "group was requested; waited = since the request (wave 1) or since the wave before was all "
                        + "reported healthy (the hubs applying those reports, then their next group tick).\n\n")
                .append("| wave | edges | started | commands over | first command → all reported healthy "
                        + "| healthy at the hub | waited |\n|---|---|---|---|---|---|---|\n");
        for (Wave w : r.waves()) {
            md.append(String.format(Locale.ROOT, "| %d | %d | %.1f s | %.2f s | %.2f s | %d | %.2f s |%n", w.wave(),
                    w.edges(), w.startedSeconds(), w.commandsOverSeconds(), w.toHealthySeconds(), w.healthyAtHub(),
                    w.waitedSeconds()));
        }
        md.append("\nResources, sampled every second (CPU: 100 % = one core):\n\n")
                .append("| process | phase | CPU mean | CPU max | RSS max |\n|---|---|---|---|---|\n");
        for (PhaseUsage u : r.usage()) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.0f %% | %.0f %% | %d MB |%n", u.process(), u.phase(),
                    u.meanCpuPercent(), u.maxCpuPercent(), u.maxRssMb()));
        }
        md.append(String.format(Locale.ROOT, "%nEvents the broker took from the agents: %d (not taken: %d); commands "
                + "the agents refused: %d.%n", r.eventsTaken(), r.eventsFailed(), r.commandsRefused()));
        BenchReport.write(args, BenchReport.fileName("fleet", result), result, md);
    }

    /**
     * Every second, each process's CPU since the sample before and its resident memory, filed under the phase then
     * running.
     */
    private static final class Sampler implements AutoCloseable {

        private static final class Stats {
            int samples;
            double cpuSum;
            double cpuMax;
            long rssMax;
        }

        private final Map<String, Callable<ServiceProcess.Usage>> processes;
        private final Map<String, ServiceProcess.Usage> last = new HashMap<>();
        private final Map<String, Map<String, Stats>> stats = new HashMap<>();
        private final Set<String> unreadable = new HashSet<>();
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private volatile String phase;

        Sampler(Map<String, Callable<ServiceProcess.Usage>> processes) {
            this.processes = processes;
            timer.scheduleAtFixedRate(this::sample, 0, 1, TimeUnit.SECONDS);
        }

        void phase(String phase) {
            this.phase = phase;
        }

        private synchronized void sample() {
            String running = phase;
            processes.forEach((name, process) -> {
                try {
                    ServiceProcess.Usage now = process.call();
                    ServiceProcess.Usage before = last.put(name, now);
                    if (before != null && running != null) {
                        Stats s = stats.computeIfAbsent(name, n -> new HashMap<>())
                                .computeIfAbsent(running, p -> new Stats());
                        double cpu = now.cpuPercentSince(before);
                        s.samples++;
                        s.cpuSum += cpu;
                        s.cpuMax = Math.max(s.cpuMax, cpu);
                        s.rssMax = Math.max(s.rssMax, now.rssMb());
                    }
                } catch (Exception e) { // a task that throws is never run again: the other processes go on
                    if (unreadable.add(name)) {
                        System.out.println("cannot sample " + name + ": " + e);
                    }
                }
            });
        }

        /** By process, then phase in the order they ran. */
        synchronized List<PhaseUsage> results() {
            List<PhaseUsage> results = new ArrayList<>();
            for (String name : processes.keySet()) {
                for (String p : PHASES) {
                    Stats s = stats.getOrDefault(name, Map.of()).get(p);
                    if (s != null) {
                        results.add(new PhaseUsage(name, p, s.cpuSum / s.samples, s.cpuMax, s.rssMax, s.samples));
                    }
                }
            }
            return results;
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }
}
