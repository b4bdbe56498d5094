package caravan.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.util.unit.DataSize;

import caravan.model.ModelProperties;
import caravan.model.ModelValidator;
import caravan.testing.HubProcess;
import caravan.testing.ServiceProcess;
import caravan.testing.Services;
import caravan.testing.TestDevice;

/**
 * The model benchmark, run by {@code bench/models.sh}, on the OpenSSH server and device users of
 * scripts/services.sh:
 * <ul>
 * <li><b>served</b>: a 100 MB policy from upload to the device's runner serving it (its status file names the new
 * sha256): through the hub (REST upload with validation, then deploy: preflight, SFTP, sha256 on the device, swap,
 * restart) against {@code scp}, {@code ln -sfn} and {@code supervisorctl restart} by hand with the same key and
 * pinned host key. Every round sends bytes of its own, so nothing is already on the hub or the device.
 * <li><b>validation</b> by size (1, 10, 100 MB): the hub's validator against loading the model alone in ONNX Runtime
 * (the ceiling: no runtime check is cheaper) and the ONNX project's {@code onnx.checker.check_model} (the peer: a
 * format check that runs nothing).
 * <li><b>parallel</b>: a 10 MB model to 10 devices at once (10 entries on the same SSH server, each with its own
 * models directory and a service that always answers) against 10 parallel {@code scp} and {@code ln -sfn}.
 * </ul>
 * Arguments: {@code hubJar=… models=<dir of make-test-models.py --sizes-mb 1,10,100> rounds=3 commit=… out=…}.
 */
public final class ModelBench {

    private static final int HUB_PORT = 18091;
    private static final int DEVICES = 10;

    record Served(int round, double hubUploadSeconds, double hubServedSeconds, double manualServedSeconds) {
    }

    record Validation(int megabytes, double validatorSeconds, double loadOnlySeconds, double checkerSeconds) {
    }

    record Parallel(int round, double hubSeconds, double hubOneByOneSeconds, double scpSeconds) {
    }

    private final Map<String, String> args;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Path work;
    private final Path models;

    private ModelBench(Map<String, String> args) throws IOException {
        this.args = args;
        this.work = Files.createTempDirectory("caravan-bench-models");
        this.models = Path.of(args.get("models"));
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (String arg : argv) {
            String[] pair = arg.split("=", 2);
            args.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        new ModelBench(args).runAll();
    }

    private void runAll() throws Exception {
        int rounds = Integer.parseInt(args.getOrDefault("rounds", "3"));
        TestDevice device = TestDevice.install(Services.deviceUsers().get(0));
        String fleetUser = Services.deviceUsers().get(1);
        Files.writeString(work.resolve("known_hosts"), "[127.0.0.1]:" + Services.sshPort() + " " + Services.sshHostKey() + "\n");
        List<Served> served = new ArrayList<>();
        List<Parallel> parallel = new ArrayList<>();
        try (ServiceProcess hub = ServiceProcess.start("hub", HubProcess.command(Path.of(args.get("hubJar")), ""),
                Path.of("."), Map.of(
                        "CARAVAN_DATA_DIR", "{data}", "SERVER_PORT", Integer.toString(HUB_PORT),
                        "CARAVAN_MQTT_EMBEDDED_PORT", "18832", "CARAVAN_API_KEYS", Services.ADMIN_KEY,
                        "CARAVAN_MODEL_HEALTH_WINDOW", "2s", "CARAVAN_MODEL_CONCURRENT_DEPLOYS", Integer.toString(DEVICES)),
                URI.create("http://127.0.0.1:" + HUB_PORT + "/actuator/health/readiness"), true)) {
            register("bench-device", device.user(), device.serviceSettings());
            for (int i = 0; i < DEVICES; i++) {
                register("bench-fleet-" + i, fleetUser, "{\"restartCommand\": [\"true\"], \"statusCommand\": [\"true\"], "
                        + "\"modelsDir\": \"bench-fleet/" + i + "\"}");
            }
            for (int round = 0; round <= rounds; round++) {
                Served result = served(device, round);
                System.out.printf(Locale.ROOT, "served round %d%s: hub %.2f s (upload %.2f s), by hand %.2f s%n", round,
                        round == 0 ? " (warm-up, not counted)" : "", result.hubServedSeconds(), result.hubUploadSeconds(),
                        result.manualServedSeconds());
                Parallel fleet = parallel(fleetUser, round);
                System.out.printf(Locale.ROOT, "parallel round %d: hub %.2f s (one by one %.2f s), scp %.2f s%n", round,
                        fleet.hubSeconds(), fleet.hubOneByOneSeconds(), fleet.scpSeconds());
                if (round > 0) {
                    served.add(result);
                    parallel.add(fleet);
                }
            }
        } finally {
            device.uninstall();
            Services.run("rm", "-rf", Path.of("/home", fleetUser, "bench-fleet").toString());
        }
        List<Validation> validation = new ArrayList<>();
        for (int megabytes : List.of(1, 10, 100)) {
            validation.add(validation(megabytes, rounds));
        }
        report(served, validation, parallel);
    }

    /** The 100 MB policy, through the hub and by hand, each with bytes of its own, until the runner serves it. */
    private Served served(TestDevice device, int round) throws Exception {
        Path viaHub = ofRound(models.resolve("policy-100mb.onnx"), "hub-" + round);
        long start = System.nanoTime();
        String modelId = json.readTree(run("curl", "--silent", "--show-error", "--fail-with-body",
                "-H", Services.API_KEY_HEADER + ": " + Services.ADMIN_KEY, "-F", "model=@" + viaHub,
                "-F", "metadata={\"name\": \"bench-policy\", \"version\": \"hub-" + round + "-" + ProcessHandle.current().pid() + "\"}",
                "http://127.0.0.1:" + HUB_PORT + "/api/models")).get("modelId").asText();
        double uploadSeconds = seconds(start);
        String statusUrl = api("POST", "/api/edges/bench-device/models/deploy", "{\"modelId\": \"" + modelId + "\"}")
                .get("statusUrl").asText();
        awaitServing(device, modelId);
        double hubSeconds = seconds(start);
        JsonNode deployed = awaitFinished(statusUrl);
        if (!"deployed".equals(deployed.get("status").asText())) {
            throw new IllegalStateException("the hub's deployment did not end deployed: " + deployed);
        }

        Path byHand = ofRound(models.resolve("policy-100mb.onnx"), "hand-" + round);
        String sha256 = sha256(byHand);
        String name = "by-hand-" + round + ".onnx";
        start = System.nanoTime();
        ssh(device.user(), "mkdir -p models/by-hand");
        scp(byHand, device.user(), "models/by-hand/" + name);
        ssh(device.user(), "ln -sfn by-hand/" + name + " models/current_model.onnx && "
                + "supervisorctl -c supervisor/supervisord.conf restart duck_policy");
        awaitServing(device, sha256);
        return new Served(round, uploadSeconds, hubSeconds, seconds(start));
    }

    /** A 10 MB model to the 10 fleet devices at once, through the hub and by 10 parallel scp. */
    private Parallel parallel(String user, int round) throws Exception {
        Path model = ofRound(models.resolve("policy-10mb.onnx"), "fleet-" + round);
        String modelId = json.readTree(run("curl", "--silent", "--show-error", "--fail-with-body",
                "-H", Services.API_KEY_HEADER + ": " + Services.ADMIN_KEY, "-F", "model=@" + model,
                "-F", "metadata={\"name\": \"bench-fleet\", \"version\": \"" + round + "-" + ProcessHandle.current().pid() + "\"}",
                "http://127.0.0.1:" + HUB_PORT + "/api/models")).get("modelId").asText();
        long start = System.nanoTime();
        List<String> statusUrls = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) {
            statusUrls.add(api("POST", "/api/edges/bench-fleet-" + i + "/models/deploy", "{\"modelId\": \"" + modelId + "\"}")
                    .get("statusUrl").asText());
        }
        for (String url : statusUrls) {
            JsonNode done = awaitFinished(url);
            if (!"deployed".equals(done.get("status").asText())) {
                throw new IllegalStateException("a fleet deployment failed: " + done);
            }
        }
        double hubSeconds = seconds(start);

        // the same, one device after the other: what running them at once saves
        Path again = ofRound(models.resolve("policy-10mb.onnx"), "fleet-sequential-" + round);
        String sequentialId = json.readTree(run("curl", "--silent", "--show-error", "--fail-with-body",
                "-H", Services.API_KEY_HEADER + ": " + Services.ADMIN_KEY, "-F", "model=@" + again,
                "-F", "metadata={\"name\": \"bench-fleet\", \"version\": \"" + round + "-sequential-"
                        + ProcessHandle.current().pid() + "\"}",
                "http://127.0.0.1:" + HUB_PORT + "/api/models")).get("modelId").asText();
        start = System.nanoTime();
        for (int i = 0; i < DEVICES; i++) {
            awaitFinished(api("POST", "/api/edges/bench-fleet-" + i + "/models/deploy",
                    "{\"modelId\": \"" + sequentialId + "\"}").get("statusUrl").asText());
        }
        double hubOneByOneSeconds = seconds(start);

        start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(DEVICES);
        try {
            List<Future<String>> copies = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                String dir = "bench-fleet/" + i;
                copies.add(pool.submit((Callable<String>) () -> {
                    scp(model, user, dir + "/by-hand.onnx");
                    return ssh(user, "ln -sfn by-hand.onnx " + dir + "/current_model.onnx");
                }));
            }
            for (Future<String> copy : copies) {
                copy.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new Parallel(round, hubSeconds, hubOneByOneSeconds, seconds(start));
    }

    private Validation validation(int megabytes, int rounds) throws Exception {
        Path model = models.resolve("policy-" + megabytes + "mb.onnx");
        ModelValidator validator = new ModelValidator(new ModelProperties(null, null, null, null,
                DataSize.ofGigabytes(1), 21, DataSize.ofMegabytes(64), 3, null, null, null, 1,
                Duration.ofMinutes(1), Duration.ofSeconds(2)));
        double[] validated = new double[rounds];
        double[] loaded = new double[rounds];
        double[] checked = new double[rounds];
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        for (int round = 0; round < rounds; round++) {
            long start = System.nanoTime();
            validator.validate(model, Map.of());
            validated[round] = seconds(start);
            start = System.nanoTime();
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(1);
                options.setInterOpNumThreads(1);
                try (OrtSession session = environment.createSession(model.toString(), options)) {
                    loaded[round] = seconds(start);
                }
            }
            checked[round] = Double.parseDouble(run("/usr/bin/python3", "-c", "import sys, time, onnx\n"
                    + "start = time.perf_counter()\nonnx.checker.check_model(sys.argv[1], full_check=True)\n"
                    + "print(time.perf_counter() - start)", model.toString()).strip());
        }
        return new Validation(megabytes, median(validated), median(loaded), median(checked));
    }

    private void register(String edgeId, String user, String service) throws Exception {
        api("PUT", "/api/edges/" + edgeId, "{\"transport\": \"ssh\", \"address\": \"127.0.0.1\", \"ssh\": {\"user\": \""
                + user + "\", \"port\": " + Services.sshPort() + ", \"hostKey\": \"" + Services.sshHostKey()
                + "\", \"privateKey\": " + json.writeValueAsString(Services.sshPrivateKey()) + "}}");
        api("PUT", "/api/edges/" + edgeId + "/device", service);
    }

    private JsonNode api(String method, String path, String body) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + HUB_PORT + path))
                .header(Services.API_KEY_HEADER, Services.ADMIN_KEY).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " answered " + answer.statusCode() + ": " + answer.body());
        }
        return json.readTree(answer.body());
    }

    private JsonNode awaitFinished(String url) throws Exception {
        for (long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos(); System.nanoTime() < deadline; ) {
            JsonNode deployment = json.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + HUB_PORT + url))
                    .header(Services.API_KEY_HEADER, Services.ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString()).body());
            if (List.of("deployed", "failed", "rolled-back").contains(deployment.get("status").asText())) {
                return deployment;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(url + " did not finish in 5 minutes");
    }

    /** Polls the runner's status file, as often as a person watching it could not. */
    private static void awaitServing(TestDevice device, String sha256) throws Exception {
        for (long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos(); System.nanoTime() < deadline; ) {
            JsonNode serving = device.serving();
            if (serving != null && sha256.equals(serving.get("modelSha256").asText())) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the device did not serve " + sha256 + " within 2 minutes: "
                + device.serving());
    }

    private String scp(Path file, String user, String target) throws Exception {
        return run("scp", "-q", "-P", Integer.toString(Services.sshPort()), "-i", Services.get("CARAVAN_TEST_SSH_KEY"),
                "-o", "UserKnownHostsFile=" + work.resolve("known_hosts"), "-o", "StrictHostKeyChecking=yes",
                file.toString(), user + "@127.0.0.1:" + target);
    }

    private String ssh(String user, String command) throws Exception {
        return run("ssh", "-p", Integer.toString(Services.sshPort()), "-i", Services.get("CARAVAN_TEST_SSH_KEY"),
                "-o", "UserKnownHostsFile=" + work.resolve("known_hosts"), "-o", "StrictHostKeyChecking=yes",
                user + "@127.0.0.1", command);
    }

    /** The model with a doc string of its own: bytes neither the hub nor the device has seen. */
    private Path ofRound(Path model, String tag) throws IOException {
        byte[] docString = ("bench " + tag + " " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        Path copy = work.resolve(tag + "-" + model.getFileName());
        Files.copy(model, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.write(copy, new byte[] {6 << 3 | 2, (byte) docString.length}, java.nio.file.StandardOpenOption.APPEND);
        Files.write(copy, docString, java.nio.file.StandardOpenOption.APPEND);
        return copy;
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            for (int read = in.read(buffer); read > 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(command[0] + " failed: " + output);
        }
        return output;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private void report(List<Served> served, List<Validation> validation, List<Parallel> parallel) throws IOException {
        Map<String, Object> result = BenchReport.start("models", args, "ssh", args.getOrDefault("sshVersion", "OpenSSH"));
        double hubUpload = median(served.stream().mapToDouble(Served::hubUploadSeconds).toArray());
        double hub = median(served.stream().mapToDouble(Served::hubServedSeconds).toArray());
        double manual = median(served.stream().mapToDouble(Served::manualServedSeconds).toArray());
        double hubFleet = median(parallel.stream().mapToDouble(Parallel::hubSeconds).toArray());
        double scpFleet = median(parallel.stream().mapToDouble(Parallel::scpSeconds).toArray());
        double hubOneByOne = median(parallel.stream().mapToDouble(Parallel::hubOneByOneSeconds).toArray());
        result.put("served", served);
        result.put("validation", validation);
        result.put("parallel", parallel);
        Map<String, Object> medians = new LinkedHashMap<>();
        medians.put("100 MB, hub: upload to served, s", hub);
        medians.put("100 MB, hub: upload and validation, s", hubUpload);
        medians.put("100 MB, by hand: scp + ln + restart to served, s", manual);
        medians.put("hub/by hand", hub / manual);
        medians.put("10 devices, hub: deploy to all deployed, s", hubFleet);
        medians.put("10 devices, hub: one after another, s", hubOneByOne);
        medians.put("10 devices, 10 parallel scp + ln, s", scpFleet);
        result.put("medians", medians);

        StringBuilder md = new StringBuilder("# Model benchmark\n\n");
        md.append(BenchReport.headline(result)).append(" Device: an SSH user on loopback whose supervisord runs the ")
                .append("policy runner (ONNX Runtime; supervisor's startsecs 3). Wall-clock seconds, medians of ")
                .append(served.size()).append(" rounds after a warm-up.\n\n");
        md.append("## A 100 MB policy, from upload to served\n\n| round | hub: upload + validation | hub: upload to served | "
                + "by hand: scp + ln -sfn + supervisorctl restart to served |\n|---|---|---|---|\n");
        for (Served round : served) {
            md.append(String.format(Locale.ROOT, "| %d | %.2f | %.2f | %.2f |%n", round.round(), round.hubUploadSeconds(),
                    round.hubServedSeconds(), round.manualServedSeconds()));
        }
        md.append(String.format(Locale.ROOT, "| median | %.2f | %.2f | %.2f |%n%nhub/by hand: %.2f (goal: 1.1 or less)%n%n",
                hubUpload, hub, manual, hub / manual));
        md.append("## Validation by model size\n\n| model | hub's validator (header, load, run, outputs) | ceiling: "
                + "ONNX Runtime load alone | peer: onnx.checker.check_model(full_check) |\n|---|---|---|---|\n");
        for (Validation size : validation) {
            md.append(String.format(Locale.ROOT, "| %d MB | %.3f | %.3f | %.3f |%n", size.megabytes(),
                    size.validatorSeconds(), size.loadOnlySeconds(), size.checkerSeconds()));
        }
        md.append("\n## A 10 MB model to 10 devices at once\n\n| round | hub: 10 deploys at once, to all deployed (each with "
                + "its 2 s health window) | hub: the same one after another | 10 parallel scp + ln -sfn (no check, no "
                + "restart, no health window) |\n|---|---|---|---|\n");
        for (Parallel round : parallel) {
            md.append(String.format(Locale.ROOT, "| %d | %.2f | %.2f | %.2f |%n", round.round(), round.hubSeconds(),
                    round.hubOneByOneSeconds(), round.scpSeconds()));
        }
        md.append(String.format(Locale.ROOT, "| median | %.2f | %.2f | %.2f |%n", hubFleet, hubOneByOne, scpFleet));
        BenchReport.write(args, BenchReport.fileName("models", result), result, md);
    }
}
