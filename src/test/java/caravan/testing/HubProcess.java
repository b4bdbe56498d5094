package caravan.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The hub's packaged jar, started as a process on this machine: {@code java @deploy/jvm/heap.options
 * @deploy/jvm/gc.options -jar} (its image sizes the heap from the container instead).
 */
public final class HubProcess {

    private HubProcess() {
    }

    /** The jar {@code ./mvnw package} built; integration tests run after it. */
    public static Path jar() {
        try (Stream<Path> jars = Files.list(Path.of("target"))) {
            return jars.filter(path -> path.getFileName().toString().matches("caravan-hub-.*\\.jar"))
                    .filter(path -> !path.getFileName().toString().contains("edge-agent")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no target/caravan-hub-*.jar: run ./mvnw package"))
                    .toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code java} with the hub's JVM options, for the hub or a peer measured beside it. */
    public static List<String> java() {
        return List.of("java", "@" + Path.of("deploy/jvm/heap.options").toAbsolutePath(),
                "@" + Path.of("deploy/jvm/gc.options").toAbsolutePath());
    }

    /** The command line, with {@code javaOpts} (say a JFR recording) after the hub's JVM options. */
    public static List<String> command(Path jar, String javaOpts) {
        List<String> command = new ArrayList<>(java());
        if (!javaOpts.isBlank()) {
            command.addAll(List.of(javaOpts.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        return command;
    }

    /**
     * Starts the jar with its data in {@code data}, which is also its working directory (not the repository's: what
     * the hub needs ships in its jar), on HTTP port {@code port}, with the suite's admin key unless {@code env} sets
     * {@code CARAVAN_API_KEYS}, logged in to the suite's broker with its hub account when it uses that broker, and
     * waits until it is ready.
     */
    public static ServiceProcess start(Path data, int port, Map<String, String> env)
            throws IOException, InterruptedException {
        return start(data, port, env, "");
    }

    /** As {@link #start(Path, int, Map)}, with {@code javaOpts} after the hub's JVM options (a benchmark's heap). */
    public static ServiceProcess start(Path data, int port, Map<String, String> env, String javaOpts)
            throws IOException, InterruptedException {
        Map<String, String> all = withSuiteLogins(env);
        all.putIfAbsent("CARAVAN_SECRETS_KEY", Services.SECRETS_KEY);
        all.put("CARAVAN_DATA_DIR", data.toString());
        all.put("CARAVAN_HTTP_PORT", Integer.toString(port));
        // Temporary files stay with its data: ONNX Runtime unpacks 22 MB there on each start, which a killed JVM leaves.
        Path tmp = Files.createDirectories(data.resolve("tmp"));
        return ServiceProcess.start("hub", command(jar(), "-Djava.io.tmpdir=" + tmp + " " + javaOpts), data, data, all,
                URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"), true);
    }

    /**
     * {@code env} with the suite's admin key unless it sets {@code CARAVAN_API_KEYS}, and the hub's broker account
     * when it uses the suite's broker.
     */
    public static Map<String, String> withSuiteLogins(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.putIfAbsent("CARAVAN_API_KEYS", Services.ADMIN_KEY);
        if (Services.mqttUrl().equals(all.get("CARAVAN_MQTT_BROKER_URL"))) {
            all.put("CARAVAN_MQTT_USERNAME", Services.mqttUser());
            all.put("CARAVAN_MQTT_PASSWORD", Services.mqttPassword());
            all.put("CARAVAN_MQTT_DYNAMIC_SECURITY", "true");
        }
        return all;
    }

    /**
     * What a hub taking trajectories needs: the test services' broker, a database, and a topic and a kept session
     * (expiring in 10 minutes) of the run's own, so that no other hub of the suite takes its messages. A map to add to.
     */
    public static Map<String, String> trajectoryEnvironment(String run, String jdbcUrl, String user, String password) {
        return new HashMap<>(Map.of(
                "CARAVAN_MQTT_BROKER_URL", Services.mqttUrl(),
                "CARAVAN_DB_URL", jdbcUrl,
                "CARAVAN_DB_USERNAME", user,
                "CARAVAN_DB_PASSWORD", password,
                "CARAVAN_TRAJECTORY_TOPIC", run + "/trajectories/#",
                "CARAVAN_TRAJECTORY_CLIENT_ID", run + "-hub",
                "CARAVAN_TRAJECTORY_SESSION_EXPIRY", "10m"));
    }

    /**
     * What hubs taking the run's trajectories together need: the suite's broker and database, one shared group (each
     * hub takes a share of the edges' messages). A map to add to.
     */
    public static Map<String, String> sharedIntake(String run) {
        return new HashMap<>(Map.of(
                "CARAVAN_MQTT_BROKER_URL", Services.mqttUrl(),
                "CARAVAN_DB_URL", Services.jdbcUrl(),
                "CARAVAN_DB_USERNAME", Services.jdbcUser(),
                "CARAVAN_DB_PASSWORD", Services.jdbcPassword(),
                "CARAVAN_TRAJECTORY_TOPIC", run + "/trajectories/#",
                "CARAVAN_TRAJECTORY_SHARED_GROUP", run));
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
