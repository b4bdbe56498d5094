package caravan.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import caravan.api.RequestIds;
import caravan.testing.HubProcess;
import caravan.testing.JsonLog;
import caravan.testing.KubernetesManifests;
import caravan.testing.Services;
import caravan.testing.StoredTracks;
import caravan.testing.TrackStream;

/**
 * The hub's image, built by {@code scripts/build-image.sh hub} on the local Debian base and run as compose and
 * Kubernetes run it (prod profile, the secrets key a mounted file, a memory limit, a read-only root filesystem with
 * its data and /tmp writable) against the test services: healthy by its own health check, non-root under tini, its
 * heap sized from the limit, mapping and storing trajectories with the mappings it carries, answering the probes of
 * the Kubernetes manifests, and stopped gracefully by SIGTERM.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HubImageIT {

    static final String RUN = "hub-image-" + UUID.randomUUID().toString().substring(0, 8);
    static final String TAG = "caravan-test/hub:" + RUN;
    static final long MEMORY_LIMIT = 1024L * 1024 * 1024;
    static final int TRACKS = 500;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static int port;

    @BeforeAll
    static void buildAndStart() throws Exception {
        Services.CommandResult build = Services.run("env", "BASE_IMAGE=" + Services.baseImage(),
                "scripts/build-image.sh", "hub", TAG);
        assertThat(build.exitCode()).as(build.output()).isZero();

        port = HubProcess.freePort();
        Map<String, String> env = HubProcess.withSuiteLogins(HubProcess.trajectoryEnvironment(RUN, Services.jdbcUrl(),
                Services.jdbcUser(), Services.jdbcPassword()));
        env.put("CARAVAN_HTTP_PORT", Integer.toString(port));
        // The loopback services are reached over the host's network (a sandboxed engine has no bridge); writable
        // only where the Kubernetes manifests mount volumes (ONNX Runtime loads its native library from /tmp); the secrets key and the database's password are files
        // under /run/secrets as compose mounts its secrets, the password's named after the variable it sets.
        List<String> dockerRun = new ArrayList<>(List.of("docker", "run", "--detach", "--name", RUN, "--network",
                "host", "--memory", Long.toString(MEMORY_LIMIT), "--read-only", "--tmpfs", "/tmp:exec",
                "--tmpfs", "/var/lib/caravan:uid=10001,gid=10001",
                "--volume", secret("caravan_secrets_key", Services.SECRETS_KEY),
                "--volume", secret("CARAVAN_DB_PASSWORD", env.remove("CARAVAN_DB_PASSWORD") + "\n")));
        env.forEach((name, value) -> dockerRun.addAll(List.of("--env", name + "=" + value)));
        dockerRun.add(TAG);
        Services.CommandResult started = Services.run(dockerRun.toArray(String[]::new));
        assertThat(started.exitCode()).as(started.output()).isZero();
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(2))
                .failFast(() -> assertThat(inspect("{{.State.Status}}")).as(HubImageIT::logs).isNotEqualTo("exited"))
                .untilAsserted(() -> assertThat(inspect("{{.State.Health.Status}}")).as(HubImageIT::logs)
                        .isEqualTo("healthy"));
    }

    @AfterAll
    static void removeContainerAndImage() throws Exception {
        Services.run("docker", "rm", "--force", RUN);
        Services.run("docker", "rmi", "--force", TAG);
        // the build's other stage, kept by the engine as its cache
        Services.run("docker", "image", "prune", "--force", "--filter", "label=org.opencontainers.image.title=Caravan hub");
    }

    @Test
    @Order(1)
    void runsNonRootUnderTini_withItsHeapSizedFromTheContainer_andTakesTrajectories() throws Exception {
        assertThat(get("/health", null).statusCode()).isEqualTo(200);
        assertThat(inspect("{{.Config.User}}")).isEqualTo("10001:10001");
        assertThat(exec("id", "-u")).isEqualTo("10001");
        assertThat(exec("cat", "/proc/1/cmdline").replace('\0', ' ')).startsWith("/usr/bin/tini -- java @/app/jvm/container.options");

        // 65 % of the container's limit, not of the machine's memory
        String metrics = get("/metrics", Services.ADMIN_KEY).body();
        Matcher maxHeap = Pattern.compile("jvm_memory_max_bytes\\{area=\"heap\",id=\"G1 Old Gen\"[^}]*} (\\S+)")
                .matcher(metrics);
        assertThat(maxHeap.find()).as(metrics).isTrue();
        assertThat(Double.parseDouble(maxHeap.group(1))).isBetween(0.62 * MEMORY_LIMIT, 0.66 * MEMORY_LIMIT);

        // the reference format's mapping ships inside: an edge's tracks are mapped and stored
        String venue = "venue-" + RUN;
        try (TrackStream edge = TrackStream.start(Services.mqttUrl(), RUN + "/trajectories/edge-1", venue, 500,
                TRACKS)) {
            assertThat(edge.awaitPublished()).isEqualTo(TRACKS);
        }
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(stored(venue)).isEqualTo(TRACKS));
        // what the Kubernetes manifests document autoscaling on: how old tracks were when stored
        Matcher lag = Pattern.compile("(?m)^caravan_trajectories_lag_seconds(?:\\{[^}]*})? (\\S+)$")
                .matcher(get("/metrics", Services.ADMIN_KEY).body());
        assertThat(lag.find()).isTrue();
        assertThat(Double.parseDouble(lag.group(1))).isBetween(0.0, 60.0);
    }

    @Test
    @Order(2)
    void logsOneJsonObjectALine_withTheRequestIdOfTheRequestItWasWrittenFor() throws Exception {
        String requestId = "it-" + RUN;
        HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/keys")).header(RequestIds.HEADER, requestId)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue(RequestIds.HEADER)).hasValue(requestId);
        // the audit of the refused request carries its id
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(JsonLog.lines(logs()))
                .anySatisfy(line -> {
                    assertThat(line.path(RequestIds.MDC_KEY).asText()).isEqualTo(requestId);
                    assertThat(line.path("message").asText()).contains("POST /api/keys");
                }));
        // an id that could forge log fields is replaced
        HttpResponse<String> forged = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/ready")).header(RequestIds.HEADER, "a\" b").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(forged.headers().firstValue(RequestIds.HEADER).orElseThrow()).matches("[0-9a-f-]{36}");
    }

    @Test
    @Order(3)
    void theKubernetesProbesAnswerOnTheRunningImage_asItsUserAndPort() throws Exception {
        Container hub = KubernetesManifests.render().hubContainer();
        for (Probe probe : List.of(hub.getStartupProbe(), hub.getLivenessProbe(), hub.getReadinessProbe())) {
            String path = probe.getHttpGet().getPath();
            assertThat(get(path, null).statusCode()).as("%s without credentials", path).isEqualTo(200);
        }
        assertThat(KubernetesManifests.render().deployment().getSpec().getTemplate().getSpec().getSecurityContext()
                .getRunAsUser()).as("the image's user").isEqualTo(Long.valueOf(inspect("{{.Config.User}}").split(":")[0]));
        assertThat(inspect("{{json .Config.ExposedPorts}}"))
                .contains("\"" + hub.getPorts().get(0).getContainerPort() + "/tcp\"");
    }

    @Test
    @Order(4)
    void sigtermStopsItGracefully() throws Exception {
        // SIGTERM reaches the JVM through tini: it shuts down gracefully well within docker's grace period
        Services.CommandResult stopped = Services.run("docker", "stop", "--time", "60", RUN);
        assertThat(stopped.exitCode()).as(stopped.output()).isZero();
        assertThat(inspect("{{.State.ExitCode}}")).as("128 + SIGTERM, not 137: killed").isEqualTo("143");
        String logs = logs();
        assertThat(logs).contains("Commencing graceful shutdown", "Graceful shutdown complete");
        assertThat(JsonLog.lines(logs).stream()
                .dropWhile(line -> !line.path("message").asText().contains("Commencing graceful shutdown")))
                .as("what it logged while stopping").noneMatch(line -> JsonLog.level(line).equals("ERROR"));
    }

    /** A file holding {@code value} as a secret is mounted: readable by the container's user, not writable. */
    private static String secret(String name, String value) throws Exception {
        Path file = Files.writeString(Services.tempDir("caravan-hub-image-secret").resolve(name), value);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        return file + ":/run/secrets/" + name + ":ro";
    }

    private static HttpResponse<String> get(String path, String apiKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (apiKey != null) {
            request.header(Services.API_KEY_HEADER, apiKey);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String inspect(String format) throws Exception {
        return Services.run("docker", "inspect", "--format", format, RUN).output().strip();
    }

    private static String exec(String... command) throws Exception {
        List<String> exec = new ArrayList<>(List.of("docker", "exec", RUN));
        exec.addAll(List.of(command));
        Services.CommandResult result = Services.run(exec.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.output()).isZero();
        return result.output().strip();
    }

    private static String logs() {
        try {
            return Services.run("docker", "logs", RUN).output();
        } catch (Exception e) {
            return "no logs: " + e;
        }
    }

    private static int stored(String venue) throws SQLException {
        return StoredTracks.count(Services.jdbcUrl(), Services.jdbcUser(), Services.jdbcPassword(), venue);
    }
}
