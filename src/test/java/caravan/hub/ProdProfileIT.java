package caravan.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import caravan.testing.HubProcess;
import caravan.testing.JsonLog;
import caravan.testing.ServiceProcess;
import caravan.testing.Services;

/**
 * The hub's jar in the {@code prod} profile, as docker-compose runs it: without a secrets key it refuses to start
 * (and makes none beside its data); with the key in a file, as a compose secret mounts it, it starts, logging JSON
 * lines at the level LOG_LEVEL asks for.
 */
class ProdProfileIT {

    @Test
    void refusesToStartWithoutASecretsKey_andStartsWithOneFromAMountedFile() throws Exception {
        Path data = Services.tempDir("caravan-prod-hub");
        int port = HubProcess.freePort();
        Map<String, String> env = new HashMap<>(Map.of("SPRING_PROFILES_ACTIVE", "prod",
                "CARAVAN_HTTP_ADDRESS", "127.0.0.1", "CARAVAN_HTTP_PORT", Integer.toString(port),
                "CARAVAN_DATA_DIR", data.toString(), "CARAVAN_API_KEYS", Services.ADMIN_KEY,
                "CARAVAN_SECRETS_KEY_FILE", data.resolve("no-such-secret").toString()));

        ProcessBuilder refused = new ProcessBuilder(HubProcess.command(HubProcess.jar(), "")).directory(data.toFile())
                .redirectErrorStream(true).redirectOutput(data.resolve("refused.log").toFile());
        refused.environment().putAll(env);
        Process hub = refused.start();
        assertThat(hub.waitFor(2, TimeUnit.MINUTES)).as("the hub gives up starting").isTrue();
        assertThat(hub.exitValue()).isNotZero();
        assertThat(Files.readString(data.resolve("refused.log"))).contains("no secrets key: set CARAVAN_SECRETS_KEY")
                .doesNotContain("Started CaravanApplication");
        assertThat(data.resolve("secrets.key")).doesNotExist();

        env.put("CARAVAN_SECRETS_KEY_FILE", Files.writeString(data.resolve("mounted-secret"), Services.SECRETS_KEY)
                .toString());
        env.put("CARAVAN_SECRETS_KEY", ""); // not the suite's key from the environment: the file's
        env.put("LOG_LEVEL", "warn"); // the reference's setting: no INFO lines from this hub
        try (ServiceProcess started = HubProcess.start(data, port, env)) {
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            // one JSON object a line, none of them below the level asked for
            assertThat(JsonLog.lines(Files.readString(started.log())))
                    .allSatisfy(line -> assertThat(JsonLog.level(line)).isIn("WARN", "ERROR"))
                    .noneMatch(line -> line.path("message").asText().startsWith("Started CaravanApplication"));
        }
        assertThat(data.resolve("secrets.key")).doesNotExist();
    }
}
