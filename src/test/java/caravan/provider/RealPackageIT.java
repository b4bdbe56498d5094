package caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.testing.HubClient;
import caravan.testing.Services;

/**
 * A package no test of ours was written for: Debian's GNU hello (amd64, depends on libc6), fetched by
 * scripts/services.sh with apt-get download, dropped into the inbox as an operator would.
 */
@CamelSpringBootTest
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RealPackageIT {

    static final Path DATA_DIR = Services.tempDir("caravan-real-package-it");

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, DATA_DIR);
    }

    @Autowired
    TestRestTemplate http;

    @Test
    void debiansHelloDroppedInTheInboxBecomesARunnableImageInTheRegistry() throws Exception {
        Path realDeb = Path.of(Services.get("CARAVAN_TEST_REAL_DEB"));
        String providerId = "gnu-hello-" + UUID.randomUUID().toString().substring(0, 8);
        Path inbox = Files.createDirectories(DATA_DIR.resolve("inbox/providers"));
        Files.copy(realDeb, inbox.resolve(providerId + ".deb"));
        Files.writeString(inbox.resolve(providerId + ".json"), """
                {"providerId": "%s", "displayName": "GNU Hello", "version": "2.10",
                 "runCommand": ["/usr/bin/hello", "--greeting=Hello from a real package"]}""".formatted(providerId));

        Path doneJson = await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (Stream<Path> files = Files.walk(inbox)) {
                return files.filter(p -> p.endsWith(providerId + ".json") && p.toString().contains("/.done/"))
                        .findFirst().orElse(null);
            }
        }, path -> path != null);
        String buildId = doneJson.getParent().getFileName().toString();

        JsonNode build = HubClient.awaitFinished(http, buildId, Duration.ofMinutes(5));
        assertThat(build.get("status").asText()).as(build.toString()).isEqualTo("succeeded");
        assertThat(build.get("debFiles").get(0).get("packageName").asText()).isEqualTo("hello");
        assertThat(build.get("debFiles").get(0).get("architecture").asText()).isEqualTo("amd64");

        String reference = build.get("dockerImageRef").asText();
        Services.dockerLogin();
        Services.CommandResult run = Services.run("docker", "run", "--rm", "--network", "host", reference);
        Services.run("docker", "rmi", reference);
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("Hello from a real package\n");
    }
}
