package caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

import caravan.CaravanApplication;
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
        registry.add("caravan.data-dir", DATA_DIR::toString);
        registry.add("caravan.providers.base-images[22.04]", Services::baseImage);
        registry.add("caravan.registry.url", Services::registry);
        registry.add("caravan.registry.username", Services::registryUser);
        registry.add("caravan.registry.password", () -> WRONG_PASSWORD);
        registry.add("caravan.mqtt.broker-url", Services::mqttUrl);
        registry.add("spring.datasource.url", Services::jdbcUrl);
        registry.add("spring.datasource.username", Services::jdbcUser);
        registry.add("spring.datasource.password", Services::jdbcPassword);
    }

    @Autowired
    TestRestTemplate http;

    @Test
    void pushWithWrongCredentialsFailsTheBuildClearly() throws Exception {
        String providerId = "wrong-creds-" + UUID.randomUUID().toString().substring(0, 8);
        Path deb = TestDebs.helloDeb(Services.tempDir("caravan-debs"), "caravan-hello", "all", "gzip");
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("debFiles[]", new FileSystemResource(deb));
        parts.add("metadata", "{\"providerId\": \"" + providerId + "\", \"version\": \"1.0\", "
                + "\"runCommand\": [\"/usr/bin/caravan-hello\"]}");
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        String buildId = http.postForObject("/api/algorithm-providers/conversion/build", new HttpEntity<>(parts, headers),
                JsonNode.class).get("buildId").asText();

        JsonNode build = await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(
                () -> http.getForObject("/api/algorithm-providers/conversion/builds/" + buildId, JsonNode.class),
                b -> b.path("status").asText().matches("succeeded|failed"));

        assertThat(build.get("status").asText()).isEqualTo("failed");
        assertThat(build.get("step").asInt()).isEqualTo(3);
        assertThat(build.get("error").asText())
                .startsWith("push of " + Services.registry() + "/caravan/providers/" + providerId + ":1.0 to "
                        + Services.registry() + " failed: ")
                .containsIgnoringCase("auth");
        assertThat(build.toString()).doesNotContain(WRONG_PASSWORD);
        assertThat(Services.registryManifest("caravan/providers/" + providerId, "1.0").statusCode()).isEqualTo(404);

        JsonNode provider = http.getForObject("/api/algorithm-providers/" + providerId, JsonNode.class);
        assertThat(provider.get("dockerImage").isNull()).isTrue();
        assertThat(http.getForEntity("/actuator/health/readiness", String.class).getStatusCode()).isEqualTo(HttpStatus.OK);
    }
}
