package caravan.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import caravan.provider.DockerfileGenerator;
import caravan.testing.HubProcess;
import caravan.testing.ServiceProcess;
import caravan.testing.TestDebs;
import caravan.testing.Services;

/**
 * The build benchmark, run by {@code bench/build.sh}: a {@code .deb} through the hub (REST upload until the image
 * is pushed) against what a user would do by hand with the hub's own Dockerfile and context ({@code docker build}
 * + {@code docker push}); then the same upload again (the hub reuses the image) against a cached
 * {@code docker build} + {@code docker push}. Each round uses a package of its own, so no layer of it is cached
 * when the hub builds; the hand-made build then runs with {@code --no-cache}, because the hub's build just filled
 * the engine's cache with the same layers. A first round, not counted, puts the base image's layers in the
 * registry for both.
 *
 * <p>Arguments: {@code hubJar=… registry=127.0.0.1:5000 registryUsername=… baseImage=caravan/base:bookworm
 * rounds=3 commit=… out=bench/results}; the registry password comes from {@code CARAVAN_BENCH_REGISTRY_PASSWORD}.
 */
public final class BuildBench {

    private static final int HUB_PORT = 18090;
    private static final Pattern DEB_DIR = Pattern.compile("COPY (\\S+)/ /tmp/caravan-debs/");

    /** One round's wall-clock seconds. */
    record Round(int round, double hubSeconds, double manualSeconds, double hubReuseSeconds, double manualCachedSeconds) {
    }

    private final Map<String, String> args;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Path work;

    private BuildBench(Map<String, String> args) throws IOException {
        this.args = args;
        this.work = Files.createTempDirectory("caravan-bench-build");
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (String arg : argv) {
            String[] pair = arg.split("=", 2);
            args.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        BuildBench bench = new BuildBench(args);
        try {
            bench.runAll();
        } finally {
            bench.deleteWork();
        }
    }

    private void deleteWork() throws IOException {
        try (var paths = Files.walk(work)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    private void runAll() throws Exception {
        String registry = args.get("registry");
        String password = System.getenv("CARAVAN_BENCH_REGISTRY_PASSWORD");
        run(password, "docker", "login", "--username", args.get("registryUsername"), "--password-stdin", registry);
        int rounds = Integer.parseInt(args.getOrDefault("rounds", "3"));
        List<Round> results = new ArrayList<>();
        try (ServiceProcess hub = ServiceProcess.start("hub", HubProcess.command(Path.of(args.get("hubJar")), ""),
                Path.of("."), Map.of(
                        "CARAVAN_DATA_DIR", "{data}", "SERVER_PORT", Integer.toString(HUB_PORT),
                        "CARAVAN_MQTT_EMBEDDED_PORT", "18831", "CARAVAN_REGISTRY_URL", registry,
                        "CARAVAN_REGISTRY_USERNAME", args.get("registryUsername"), "CARAVAN_REGISTRY_PASSWORD", password,
                        "CARAVAN_BASE_IMAGE_2204", args.get("baseImage"), "CARAVAN_API_KEYS", Services.ADMIN_KEY),
                URI.create("http://127.0.0.1:" + HUB_PORT + "/actuator/health/readiness"), true)) {
            for (int round = 0; round <= rounds; round++) {
                Round result = round(hub, registry, round);
                System.out.printf(Locale.ROOT, "round %d%s: hub %.1f s, by hand %.1f s; again: hub %.1f s, by hand %.1f s%n",
                        round, round == 0 ? " (warm-up, not counted)" : "", result.hubSeconds(), result.manualSeconds(),
                        result.hubReuseSeconds(), result.manualCachedSeconds());
                if (round > 0) {
                    results.add(result);
                }
            }
        }
        report(results);
    }

    private Round round(ServiceProcess hub, String registry, int round) throws Exception {
        String name = "bench-hello-" + ProcessHandle.current().pid() + "-" + round;
        Path deb = TestDebs.helloDeb(Files.createDirectories(work.resolve(name)), name, "all", "xz");
        String metadata = json.writeValueAsString(Map.of("providerId", name, "displayName", "Build benchmark " + round,
                "version", "1.0.0", "runCommand", List.of("/usr/bin/" + name), "ubuntuBase", "22.04"));

        long start = System.nanoTime();
        JsonNode built = upload(deb, metadata);
        double hubSeconds = seconds(start);

        Path context = handMadeContext(hub.data().resolve("work/builds").resolve(built.get("buildId").asText()), deb,
                work.resolve(name + "-context"));
        String tag = registry + "/caravan/by-hand/" + name + ":1.0.0";
        start = System.nanoTime();
        run(null, "docker", "build", "--no-cache", "--network", "host", "--quiet", "--tag", tag, context.toString());
        run(null, "docker", "push", "--quiet", tag);
        double manualSeconds = seconds(start);

        start = System.nanoTime();
        JsonNode reused = upload(deb, metadata);
        double hubReuseSeconds = seconds(start);
        if (reused.path("reusedFromBuildId").isMissingNode() || reused.path("reusedFromBuildId").isNull()) {
            throw new IllegalStateException("the second identical upload was built again: " + reused);
        }

        start = System.nanoTime();
        run(null, "docker", "build", "--network", "host", "--quiet", "--tag", tag, context.toString());
        run(null, "docker", "push", "--quiet", tag);
        double manualCachedSeconds = seconds(start);
        return new Round(round, hubSeconds, manualSeconds, hubReuseSeconds, manualCachedSeconds);
    }

    /** Uploads as the reference's curl does, then follows the build's status until it is pushed. */
    private JsonNode upload(Path deb, String metadata) throws Exception {
        String accepted = run(null, "curl", "--silent", "--show-error", "--fail-with-body",
                "-H", Services.API_KEY_HEADER + ": " + Services.ADMIN_KEY,
                "-F", "debFiles[]=@" + deb, "-F", "metadata=" + metadata,
                "http://127.0.0.1:" + HUB_PORT + "/api/algorithm-providers/conversion/build");
        URI status = URI.create("http://127.0.0.1:" + HUB_PORT + json.readTree(accepted).get("statusUrl").asText());
        for (long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos(); System.nanoTime() < deadline; ) {
            JsonNode build = json.readTree(http.send(HttpRequest.newBuilder(status)
                            .header(Services.API_KEY_HEADER, Services.ADMIN_KEY).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            switch (build.get("status").asText()) {
                case "succeeded" -> {
                    return build;
                }
                case "failed" -> throw new IllegalStateException("the hub's build failed: " + build);
                default -> Thread.sleep(100);
            }
        }
        throw new IllegalStateException("the hub's build did not finish in 15 minutes: " + status);
    }

    /** The context the hub built from: its Dockerfile as written to the build's directory, the entrypoint, the package. */
    private static Path handMadeContext(Path buildDir, Path deb, Path context) throws IOException {
        String dockerfile = Files.readString(buildDir.resolve("Dockerfile"));
        Matcher debDir = DEB_DIR.matcher(dockerfile);
        if (!debDir.find()) {
            throw new IllegalStateException("no COPY of the packages in " + buildDir.resolve("Dockerfile"));
        }
        Matcher debPath = Pattern.compile("/tmp/caravan-debs/(\\S+\\.deb)").matcher(dockerfile);
        if (!debPath.find()) {
            throw new IllegalStateException("no package path in " + buildDir.resolve("Dockerfile"));
        }
        Files.createDirectories(context.resolve(debDir.group(1)));
        Files.writeString(context.resolve("Dockerfile"), dockerfile);
        Files.writeString(context.resolve("entrypoint.sh"), new DockerfileGenerator(new ObjectMapper()).entrypoint());
        context.resolve("entrypoint.sh").toFile().setExecutable(true, false);
        Files.copy(deb, context.resolve(debDir.group(1)).resolve(debPath.group(1)));
        return context;
    }

    /**
     * Runs a command, feeding it {@code input} when given; fails with its output when it fails. The docker CLI gets
     * a config directory of the benchmark's own, so its login does not land in the user's ~/.docker, and the
     * engine's classic builder, which the hub's build through the engine API uses too.
     */
    private String run(String input, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("DOCKER_CONFIG", work.resolve("docker-config").toString());
        builder.environment().put("DOCKER_BUILDKIT", "0");
        Process process = builder.start();
        if (input != null) {
            process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(command[0] + " " + command[1] + " failed: " + output);
        }
        return output;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private void report(List<Round> rounds) throws IOException {
        double hub = median(rounds.stream().mapToDouble(Round::hubSeconds).toArray());
        double manual = median(rounds.stream().mapToDouble(Round::manualSeconds).toArray());
        double hubReuse = median(rounds.stream().mapToDouble(Round::hubReuseSeconds).toArray());
        double manualCached = median(rounds.stream().mapToDouble(Round::manualCachedSeconds).toArray());
        Map<String, Object> result = BenchReport.start("build", args, "engine",
                args.getOrDefault("engineVersion", "docker"));
        result.put("rounds", rounds);
        Map<String, Object> medians = new LinkedHashMap<>();
        medians.put("hub, upload to pushed, s", hub);
        medians.put("by hand, docker build --no-cache + push, s", manual);
        medians.put("hub/by hand", hub / manual);
        medians.put("hub, identical upload again (reused), s", hubReuse);
        medians.put("by hand, cached docker build + push, s", manualCached);
        medians.put("hub again/by hand cached", hubReuse / manualCached);
        result.put("medians", medians);

        StringBuilder md = new StringBuilder("# Build benchmark\n\n");
        md.append(BenchReport.headline(result)).append(" A `.deb` of its own per round (Debian's ")
                .append("packages fetched by `apt-get` in the build), base image ").append(args.get("baseImage"))
                .append(", registry on loopback. Wall-clock seconds.\n\n");
        md.append("| round | hub: upload → pushed | by hand: `docker build --no-cache` + `docker push` | hub: same upload again | "
                + "by hand: cached `docker build` + `docker push` |\n|---|---|---|---|---|\n");
        for (Round round : rounds) {
            md.append(String.format(Locale.ROOT, "| %d | %.1f | %.1f | %.2f | %.2f |%n", round.round(), round.hubSeconds(),
                    round.manualSeconds(), round.hubReuseSeconds(), round.manualCachedSeconds()));
        }
        md.append(String.format(Locale.ROOT, "| median | %.1f | %.1f | %.2f | %.2f |%n%n", hub, manual, hubReuse, manualCached));
        md.append(String.format(Locale.ROOT, "Overhead: hub/by hand %.2f for a new package; %.2f for the same package again.%n",
                hub / manual, hubReuse / manualCached));

        BenchReport.write(args, BenchReport.fileName("build", result), result, md);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
