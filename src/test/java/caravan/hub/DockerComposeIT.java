package caravan.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import caravan.testing.HubVariables;
import caravan.testing.Services;

/**
 * {@code docker-compose.yml} as Debian's docker-compose reads it, with nothing set in the environment: valid, every
 * image pinned, every service the hub waits for healthy before it starts, the hub's settings ones it reads and its
 * credentials secrets (files the repository never holds) rather than environment.
 */
class DockerComposeIT {

    static JsonNode compose;

    @BeforeAll
    static void readAsComposeDoes() throws Exception {
        Services.CommandResult config = Services.run("env", "-i", "PATH=/usr/bin:/bin", "docker-compose",
                "--file", "docker-compose.yml", "config");
        assertThat(config.exitCode()).as(config.output()).isZero();
        compose = new YAMLMapper().readTree(config.output());
    }

    @Test
    void everyImageIsPinned_andTheHubWaitsForTheOthersToBeHealthy() {
        JsonNode services = compose.path("services");
        assertThat(services.fieldNames()).toIterable().contains("hub", "postgres", "mosquitto", "registry");
        services.fields().forEachRemaining(service -> assertThat(service.getValue().path("image").asText())
                .as(service.getKey()).matches("[a-z0-9./-]+:[0-9][0-9A-Za-z._-]*"));
        JsonNode dependencies = services.path("hub").path("depends_on");
        services.fieldNames().forEachRemaining(name -> {
            if (!name.equals("hub")) {
                assertThat(services.path(name).path("healthcheck").path("test").isArray()).as(name).isTrue();
                assertThat(dependencies.path(name).path("condition").asText()).as(name).isEqualTo("service_healthy");
            }
        });
        // the hub's own health check is its image's (HubImageIT)
        assertThat(services.path("hub").path("build").path("context").asText()).isNotEmpty();
    }

    @Test
    void theHubsSettingsAreOnesItReads_andItsCredentialsAreSecretFilesOutsideTheRepository() throws Exception {
        JsonNode hub = compose.path("services").path("hub");
        Set<String> read = HubVariables.read();
        hub.path("environment").fieldNames().forEachRemaining(name ->
                assertThat(read).as("variables the hub reads").contains(name));
        assertThat(hub.path("environment").fieldNames()).toIterable()
                .noneMatch(name -> name.endsWith("PASSWORD") || name.endsWith("KEYS") || name.endsWith("KEY"));

        List<String> targets = new ArrayList<>();
        for (JsonNode secret : hub.path("secrets")) {
            String target = secret.path("target").asText();
            targets.add(target);
            String file = compose.path("secrets").path(secret.path("source").asText()).path("file").asText();
            assertThat(file).as(target).isNotEmpty();
            Services.CommandResult ignored = Services.run("git", "check-ignore", "--quiet", file);
            assertThat(ignored.exitCode()).as("%s is ignored by git", file).isZero();
        }
        // files under /run/secrets named after a variable set it (spring.config.import: configtree); the secrets
        // key is the prod profile's key file
        assertThat(targets).contains("caravan_secrets_key", "CARAVAN_DB_PASSWORD", "CARAVAN_MQTT_PASSWORD",
                "CARAVAN_REGISTRY_PASSWORD", "CARAVAN_API_KEYS");
        assertThat(targets).filteredOn(target -> !target.equals("caravan_secrets_key"))
                .allSatisfy(target -> assertThat(read).contains(target));
        assertThat(compose.path("services").path("postgres").path("environment").path("POSTGRES_PASSWORD_FILE")
                .asText()).startsWith("/run/secrets/");
    }
}
