package caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.testing.HubClient;
import caravan.testing.Services;
import caravan.testing.TestDebs;

/** A registry that refuses the configured credentials: the build fails saying so, and the hub keeps serving. */
@CamelSpringBootTest
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RegistryCredentialsIT {

    static final String WRONG_PASSWORD = "wrong-" + UUID.randomUUID();
    static final Path DATA_DIR = Services.tempDir("caravan-credentials-it");

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, DATA_DIR);
        registry.add("caravan.registry.password", () -> WRONG_PASSWORD);
    }

    @Autowired
    TestRestTemplate http;

    @Test
    void pushWithWrongCredentialsFailsTheBuildClearly() throws Exception {
        String providerId = "wrong-creds-" + UUID.randomUUID().toString().substring(0, 8);
        Path deb = TestDebs.helloDeb(Services.tempDir("caravan-debs"), "caravan-hello", "all", "gzip");
        String buildId = HubClient.upload(http, "{\"providerId\": \"" + providerId + "\", \"version\": \"1.0\", "
                + "\"runCommand\": [\"/usr/bin/caravan-hello\"]}", deb).getBody().get("buildId").asText();

        JsonNode build = HubClient.awaitFinished(http, buildId, Duration.ofMinutes(5));

        assertThat(build.get("status").asText()).isEqualTo("failed");
        assertThat(build.get("step").asInt()).isEqualTo(3);
        assertThat(build.get("error").asText())
                .startsWith("push of " + Services.registry() + "/caravan/providers/" + providerId + ":1.0 to "
                        + Services.registry() + " failed: ")
                .containsIgnoringCase("auth");
        assertThat(build.toString()).doesNotContain(WRONG_PASSWORD);
        assertThat(Services.registryManifest("caravan/providers/" + providerId, "1.0").statusCode()).isEqualTo(404);
        assertThat(Services.run("docker", "image", "inspect", Services.registry() + "/caravan/providers/" + providerId
                + ":1.0").exitCode()).as("the image of a failed build left on the engine").isNotZero();

        JsonNode provider = http.getForObject("/api/algorithm-providers/" + providerId, JsonNode.class);
        assertThat(provider.get("dockerImage").isNull()).isTrue();
        assertThat(http.getForEntity("/actuator/health/readiness", String.class).getStatusCode()).isEqualTo(HttpStatus.OK);
    }
}
