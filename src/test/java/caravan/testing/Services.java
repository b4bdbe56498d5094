package caravan.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The real services scripts/services.sh starts (Docker engine, registry, Mosquitto, PostgreSQL, base image), read
 * from the environment scripts/test.sh exports. A missing one fails the test and says how to start it.
 */
public final class Services {

    /** The bootstrap admin key every hub under test is given ({@code CARAVAN_API_KEYS}). */
    public static final String ADMIN_KEY = "cvk_suite-admin-key-used-only-by-the-integration-tests";
    public static final String API_KEY_HEADER = "X-API-Key";

    private Services() {
    }

    public static String get(String variable) {
        String value = System.getenv(variable);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(variable + " is not set: run the suite with scripts/test.sh, or run "
                    + "scripts/services.sh and export the variables in $CARAVAN_SERVICES_DIR/env");
        }
        return value;
    }

    public static String registry() {
        return get("CARAVAN_TEST_REGISTRY");
    }

    public static String registryUser() {
        return get("CARAVAN_TEST_REGISTRY_USERNAME");
    }

    public static String registryPassword() {
        return get("CARAVAN_TEST_REGISTRY_PASSWORD");
    }

    public static String mqttUrl() {
        return get("CARAVAN_TEST_MQTT_URL");
    }

    /** The suite's broker's TLS listener, whose certificate the script's CA signed. */
    public static String mqttTlsUrl() {
        return get("CARAVAN_TEST_MQTT_TLS_URL");
    }

    /** The CA {@code scripts/services.sh} made, which signed the certificate of 127.0.0.1 and localhost. */
    public static Path tlsCa() {
        return Path.of(get("CARAVAN_TEST_TLS_CA"));
    }

    /** The Docker engine behind a listener that asks for a client certificate the test CA signed: a cloud VM's. */
    public static String dockerTlsHost() {
        return get("CARAVAN_TEST_DOCKER_TLS_HOST");
    }

    /** A CA that signed nothing here: trusting only it, a client must refuse every server of the suite. */
    public static Path tlsOtherCa() {
        return Path.of(get("CARAVAN_TEST_TLS_OTHER_CA"));
    }

    /** The server certificate and key (PEM) for 127.0.0.1 and localhost. */
    public static Path tlsCert() {
        return Path.of(get("CARAVAN_TEST_TLS_CERT"));
    }

    public static Path tlsKey() {
        return Path.of(get("CARAVAN_TEST_TLS_KEY"));
    }

    /** The hub's account on the suite's broker: it administers the broker's dynamic security, and may do anything. */
    public static String mqttUser() {
        return get("CARAVAN_TEST_MQTT_USERNAME");
    }

    public static String mqttPassword() {
        return get("CARAVAN_TEST_MQTT_PASSWORD");
    }

    /** The broker as {@code mosquitto_pub -L} takes it, logged in as the hub: {@code mqtt://user:password@host:port}. */
    public static String mqttLoginUrl() {
        return mqttUrl().replace("tcp://", "mqtt://" + mqttUser() + ":" + mqttPassword() + "@");
    }

    /** An account on the suite's broker for {@code edgeId}, with its topics only, as the hub makes one. */
    public static void addEdgeAccount(String edgeId, String password) {
        MosquittoProcess.accounts(mqttUrl(), mqttUser(), mqttPassword()).issued(edgeId, password);
    }

    /** The suite's broker as a hub leaves it at its start, for tests that use it without one. */
    public static void prepareBroker() {
        MosquittoProcess.accounts(mqttUrl(), mqttUser(), mqttPassword()).prepare();
    }

    /** The key every hub of the suite encrypts its secrets with: they share one database, as a cluster's do. */
    public static final String SECRETS_KEY = Base64.getEncoder().encodeToString(
            "caravan integration suite key 32".getBytes(StandardCharsets.US_ASCII));

    /** Paho options logged in as the hub: what tests that play the hub or watch the broker connect with. */
    public static MqttConnectionOptions mqttHubLogin() {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(mqttUser());
        options.setPassword(mqttPassword().getBytes(StandardCharsets.UTF_8));
        return options;
    }

    public static String jdbcUrl() {
        return get("CARAVAN_TEST_JDBC_URL");
    }

    public static String jdbcUser() {
        return get("CARAVAN_TEST_JDBC_USERNAME");
    }

    public static String jdbcPassword() {
        return get("CARAVAN_TEST_JDBC_PASSWORD");
    }

    public static String baseImage() {
        return get("CARAVAN_TEST_BASE_IMAGE");
    }

    /** The OpenSSH server standing in for an agentless edge: on 127.0.0.1 at this port. */
    public static int sshPort() {
        return Integer.parseInt(get("CARAVAN_TEST_SSH_PORT"));
    }

    /** The edge's user, in the docker group; logs in with {@link #sshPrivateKey()} or {@link #sshPassword()}. */
    public static String sshUser() {
        return get("CARAVAN_TEST_SSH_USER");
    }

    public static String sshPassword() {
        return get("CARAVAN_TEST_SSH_PASSWORD");
    }

    public static String sshPrivateKey() throws IOException {
        return Files.readString(Path.of(get("CARAVAN_TEST_SSH_KEY")));
    }

    /** The Zipkin server the hubs under test may export their traces to. */
    public static String zipkinUrl() {
        return get("CARAVAN_TEST_ZIPKIN_URL");
    }

    /** Every docker command line run as {@link #sshUser()}, one per line, as any user of the edge could see it. */
    public static Path sshDockerLog() {
        return Path.of(get("CARAVAN_TEST_SSH_DOCKER_LOG"));
    }

    /** The edge's host key as ssh-keyscan would print it. */
    public static String sshHostKey() throws IOException {
        return Files.readString(Path.of(get("CARAVAN_TEST_SSH_HOST_KEY"))).strip();
    }

    /**
     * Removes the edges a test commissioned in the suite's database, with what hangs off them (a device's commands
     * and captures go with its edge): every hub probes every SSH edge there, and edges left behind would be probed by
     * the rest of the suite.
     */
    public static void forgetEdges(String edgeIdPrefix) {
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(jdbcUrl(), jdbcUser(), jdbcPassword())) {
            for (String table : List.of("edge_ssh", "device_services", "edges")) {
                try (java.sql.PreparedStatement delete = db.prepareStatement("DELETE FROM " + table + " WHERE edge_id LIKE ?")) {
                    delete.setString(1, edgeIdPrefix + "%");
                    delete.executeUpdate();
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("could not remove the test's edges " + edgeIdPrefix + "*", e);
        }
    }

    /** The model devices' SSH users (caravan-device-1, caravan-device-2), each with its own supervisord. */
    public static List<String> deviceUsers() {
        return List.of(get("CARAVAN_TEST_DEVICE_USERS").split("\\s+"));
    }

    public static String devicePassword() {
        return get("CARAVAN_TEST_DEVICE_PASSWORD");
    }

    /** A model scripts/models/make-test-models.py built, e.g. {@code policy-v1.onnx}. */
    public static Path testModel(String fileName) {
        return Path.of(get("CARAVAN_TEST_MODELS"), fileName);
    }

    /**
     * A test model with {@code run} as its doc string: bytes no other test class or earlier run stored in the suite's
     * database. Appending a field to a protobuf message sets it, so the model is otherwise the same.
     */
    public static byte[] testModelOfRun(String run, String fileName) throws IOException {
        byte[] docString = ("test run " + run).getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        bytes.write(Files.readAllBytes(testModel(fileName)));
        bytes.write(6 << 3 | 2); // field 6 (doc_string), length-delimited
        bytes.write(docString.length);
        bytes.write(docString);
        return bytes.toByteArray();
    }

    /** A model of Debian's libonnx-testdata, e.g. {@code node/test_abs}. */
    public static Path onnxTestdata(String model) {
        return Path.of(get("CARAVAN_TEST_ONNX_TESTDATA"), model, "model.onnx");
    }

    public static final String CLOUD_TARGET = "test-vm";
    public static final String UNTRUSTED_CLOUD_TARGET = "test-vm-untrusted-client";

    private static void registerCloudTarget(DynamicPropertyRegistry registry, String name, String clientVariables) {
        String prefix = "caravan.workloads.cloud-targets." + name + ".";
        registry.add(prefix + "docker-host", Services::dockerTlsHost);
        registry.add(prefix + "ca", () -> get("CARAVAN_TEST_TLS_CA"));
        registry.add(prefix + "certificate", () -> get(clientVariables + "_CERT"));
        registry.add(prefix + "private-key", () -> get(clientVariables + "_KEY"));
        registry.add(prefix + "public-address", () -> "127.0.0.1");
    }

    /** Points a hub under test at the real services, with its data under {@code dataDir}. */
    public static void register(DynamicPropertyRegistry registry, Path dataDir) {
        registry.add("caravan.data-dir", dataDir::toString);
        registry.add("caravan.security.api-keys", () -> ADMIN_KEY);
        registry.add("caravan.secrets.key", () -> SECRETS_KEY);
        registry.add("caravan.providers.inbox-settle", () -> "300ms");
        registry.add("caravan.providers.base-images[22.04]", Services::baseImage);
        registry.add("caravan.registry.url", Services::registry);
        registry.add("caravan.registry.username", Services::registryUser);
        registry.add("caravan.registry.password", Services::registryPassword);
        registry.add("caravan.mqtt.broker-url", Services::mqttUrl);
        registry.add("caravan.mqtt.username", Services::mqttUser);
        registry.add("caravan.mqtt.password", Services::mqttPassword);
        registry.add("caravan.mqtt.dynamic-security", () -> "true");
        registry.add("spring.datasource.url", Services::jdbcUrl);
        registry.add("spring.datasource.username", Services::jdbcUser);
        registry.add("spring.datasource.password", Services::jdbcPassword);
        // The engine over mutual TLS as a cloud target, and again with a client certificate it does not trust.
        registerCloudTarget(registry, CLOUD_TARGET, "CARAVAN_TEST_TLS_CLIENT");
        registerCloudTarget(registry, UNTRUSTED_CLOUD_TARGET, "CARAVAN_TEST_TLS_OTHER_CLIENT");
        // Spring keeps every test class's hub alive; small pools keep them all within PostgreSQL's connections.
        registry.add("spring.datasource.hikari.maximum-pool-size", () -> "4");
    }

    /**
     * A new directory under java.io.tmpdir, which the build points at target/it-tmp (emptied before each run) and
     * creates here: Tomcat and the hubs write theirs there too.
     */
    public static Path tempDir(String prefix) {
        try {
            Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The digest the registry serves for {@code repository:tag}, asked over its HTTP API with credentials. */
    public static HttpResponse<String> registryManifest(String repository, String tag) throws IOException, InterruptedException {
        String credentials = Base64.getEncoder().encodeToString(
                (registryUser() + ":" + registryPassword()).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + registry() + "/v2/" + repository + "/manifests/" + tag))
                .header("Authorization", "Basic " + credentials)
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json, "
                        + "application/vnd.oci.image.manifest.v1+json")
                .GET().build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Logs the Docker CLI in to the test registry (password on stdin), so tests can pull what the hub pushed. */
    public static void dockerLogin() throws IOException, InterruptedException {
        Process process = new ProcessBuilder("docker", "login", "--username", registryUser(), "--password-stdin",
                registry()).redirectErrorStream(true).start();
        try (var stdin = process.getOutputStream()) {
            stdin.write(registryPassword().getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(1, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("docker login " + registry() + " failed: " + output);
        }
    }

    /** Runs a command and returns its exit code and combined output. */
    public static CommandResult run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish within 5 minutes");
        }
        return new CommandResult(process.exitValue(), output);
    }

    public record CommandResult(int exitCode, String output) {
    }
}
