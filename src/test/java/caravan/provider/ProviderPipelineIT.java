package caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.api.RequestIds;
import caravan.testing.CapturedLogs;
import caravan.testing.HubClient;
import caravan.testing.Services;
import caravan.testing.TestDebs;

/**
 * Both doors of the provider pipeline against the real Docker engine, registry (with auth) and PostgreSQL; its traces
 * exported to the test services' Zipkin.
 */
@CamelSpringBootTest
@AutoConfigureObservability
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ProviderPipelineIT {

    static final Path DATA_DIR = Services.tempDir("caravan-pipeline-it");
    static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);
    static final String MISSING_BASE_IMAGE = "caravan-test/no-such-base:" + UUID.randomUUID();
    static Path helloDeb;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, DATA_DIR);
        registry.add("caravan.providers.base-images[20.04]", () -> MISSING_BASE_IMAGE);
        registry.add("management.tracing.sampling.probability", () -> "1.0");
        registry.add("management.zipkin.tracing.export.enabled", () -> "true");
        registry.add("management.zipkin.tracing.endpoint", () -> Services.zipkinUrl() + "/api/v2/spans");
    }

    @BeforeAll
    static void packages() throws IOException {
        helloDeb = TestDebs.helloDeb(Services.tempDir("caravan-debs"), "caravan-hello", "all", "xz");
    }

    @Autowired
    TestRestTemplate http;
    @Autowired
    ObjectMapper mapper;
    @Autowired
    BuildStore buildStore;
    @Autowired
    ProviderProperties providerProperties;
    @LocalServerPort
    int port;

    @Test
    void anUploadIsOneTrace_fromTheRequestToThePush_andEveryLineOfItsBuildCarriesTheBuildId() throws Exception {
        String requestId = "trace-it-" + shortId();
        String buildId;
        List<ILoggingEvent> requestLines;
        List<ILoggingEvent> buildLines;
        try (CapturedLogs logs = CapturedLogs.start()) {
            ResponseEntity<JsonNode> accepted = HubClient.upload(http, requestId,
                    metadata("traced-" + shortId(), "1.0.0", null), helloDeb);
            assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
            assertThat(accepted.getHeaders().getFirst(RequestIds.HEADER)).isEqualTo(requestId);
            buildId = accepted.getBody().get("buildId").asText();
            JsonNode build = awaitFinished(buildId);
            assertThat(build.get("status").asText()).as("%s", build).isEqualTo("succeeded");
            requestLines = logs.withMdc(RequestIds.MDC_KEY, requestId);
            buildLines = logs.withMdc("CaravanBuildId", buildId);
        }
        // the request's lines (its audit, the queued build) carry its id and its trace's
        assertThat(requestLines).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(line -> line.startsWith("Queued build " + buildId));
        Set<String> traceIds = requestLines.stream().map(line -> line.getMDCPropertyMap().get("traceId"))
                .collect(Collectors.toSet());
        assertThat(traceIds).hasSize(1).doesNotContainNull();
        // the build's lines, on the build's thread, carry the build's id from validation to push
        assertThat(buildLines).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(line -> line.endsWith("validated")).anyMatch(line -> line.endsWith("image built"))
                .anyMatch(line -> line.endsWith("image pushed"));

        // Zipkin holds one trace for the request (found by its id): the upload, and the build's routes under it
        JsonNode traces = await().atMost(Duration.ofSeconds(30)).until(() -> mapper.readTree(HttpClient.newHttpClient()
                        .send(HttpRequest.newBuilder(URI.create(Services.zipkinUrl() + "/api/v2/traces?serviceName="
                                + "caravan-hub&lookback=600000&limit=10&annotationQuery=request.id%3D" + requestId)).build(),
                                HttpResponse.BodyHandlers.ofString()).body()),
                found -> found.size() == 1 && found.get(0).findValuesAsText("name").stream()
                        .anyMatch(name -> name.contains("provider-build-events")));
        assertThat(traces.get(0).findValuesAsText("traceId")).containsOnly(traceIds.iterator().next());
        assertThat(traces.get(0).findValuesAsText("name")).as("%s", traces)
                .anyMatch(name -> name.contains("provider-upload")).anyMatch(name -> name.contains("provider-builds"));
    }

    @Test
    void restUploadIsBuiltPushedAndRunnable_andAnIdenticalUploadReusesTheImage() throws Exception {
        String providerId = "hello-rest-" + shortId();
        String metadata = metadata(providerId, "1.0.0", null);

        ResponseEntity<JsonNode> accepted = upload(metadata, helloDeb);

        assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        String buildId = accepted.getBody().get("buildId").asText();
        assertThat(accepted.getBody().get("providerId").asText()).isEqualTo(providerId);
        assertThat(accepted.getBody().get("status").asText()).isEqualTo("queued");
        assertThat(accepted.getBody().get("statusUrl").asText())
                .isEqualTo("/api/algorithm-providers/conversion/builds/" + buildId);

        JsonNode build = awaitFinished(buildId);
        assertThat(build.get("status").asText()).as("build %s: %s", buildId, build).isEqualTo("succeeded");
        String reference = Services.registry() + "/caravan/providers/" + providerId + ":1.0.0";
        assertThat(build.get("dockerImageRef").asText()).isEqualTo(reference);
        assertThat(build.get("step").asInt()).isEqualTo(3);
        assertThat(build.get("totalSteps").asInt()).isEqualTo(3);
        assertThat(build.get("logTail").toString()).contains("pushed " + reference + "@sha256:");
        String digest = build.get("digest").asText();
        assertThat(digest).startsWith("sha256:");

        HttpResponse<String> manifest = Services.registryManifest("caravan/providers/" + providerId, "1.0.0");
        assertThat(manifest.statusCode()).isEqualTo(200);
        assertThat(manifest.headers().firstValue("Docker-Content-Digest")).contains(digest);

        // The registry holds it now; the build engine keeps no copy, so running it pulls it back from there.
        assertThat(build.get("logTail").toString()).contains("removed " + reference + " from ");
        assertThat(Services.run("docker", "image", "inspect", reference).exitCode()).isNotZero();
        Services.dockerLogin();
        Services.CommandResult run = Services.run("docker", "run", "--rm", "--network", "host", reference);
        Services.run("docker", "rmi", reference);
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains(TestDebs.HELLO_LINE + "\n", "arg=[two words]\n", "arg=[say \"hi\"]\n",
                "arg=[$HOME]\n", "arg=[it's]\n");
        assertThat(run.output()).contains("[caravan] provider " + providerId + " 1.0.0");

        ResponseEntity<String> dockerfile = http.getForEntity(
                "/api/algorithm-providers/conversion/builds/" + buildId + "/dockerfile", String.class);
        assertThat(dockerfile.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(dockerfile.getBody()).contains("FROM " + Services.baseImage())
                .contains("CMD [\"/usr/bin/caravan-hello\",\"two words\",\"say \\\"hi\\\"\",\"$HOME\",\"it's\"]");

        JsonNode provider = http.getForObject("/api/algorithm-providers/" + providerId, JsonNode.class);
        assertThat(provider.get("dockerImage").asText()).isEqualTo(reference);
        assertThat(provider.get("imageDigest").asText()).isEqualTo(digest);
        assertThat(provider.get("source").asText()).isEqualTo("deb");

        // The same .deb and metadata again: no second build, the pushed image is reused.
        String secondId = upload(metadata, helloDeb).getBody().get("buildId").asText();
        JsonNode second = awaitFinished(secondId);
        assertThat(second.get("status").asText()).isEqualTo("succeeded");
        assertThat(second.get("reusedFromBuildId").asText()).isEqualTo(buildId);
        assertThat(second.get("digest").asText()).isEqualTo(digest);
        assertThat(second.get("logTail").toString()).contains("nothing rebuilt").doesNotContain("Step 1/");
    }

    /**
     * Builds run with the host's network, so a maintainer script can reach the hub's API, Jolokia and broker on
     * loopback: it is refused there like any stranger, and nothing of the hub's secrets is in its environment.
     */
    @Test
    void aMaintainerScriptTryingTheHubOnLoopbackIsRefusedLikeAnyStranger_andFindsNoHubSecret() throws Exception {
        String providerId = "prober-" + shortId();
        String mqttPort = Integer.toString(URI.create(Services.mqttUrl()).getPort());
        String postinst = """
                #!/bin/bash
                # What a hostile package could try during the build, each answer printed to the build log.
                http() {
                    exec 3<>/dev/tcp/127.0.0.1/%s || { echo "probe $1: no connection"; return; }
                    printf 'GET %%s HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' "$1" >&3
                    IFS= read -r status <&3
                    echo "probe $1: ${status%%$'\\r'}"
                    exec 3<&-
                }
                http /api/keys
                http /actuator/jolokia/read/java.lang:type=Runtime
                exec 3<>/dev/tcp/127.0.0.1/%s || echo "probe mqtt: no connection"
                printf '\\x10\\x0c\\x00\\x04MQTT\\x04\\x02\\x00\\x3c\\x00\\x00' >&3
                echo "probe mqtt: connack $(head -c 4 <&3 | od -An -tx1 | tr -d ' \\n')"
                exec 3<&-
                env | sed 's/^/probe env: /'
                exit 0
                """.formatted(port, mqttPort);
        Path deb = TestDebs.helloDeb(Services.tempDir("caravan-prober"), providerId, "all", "xz", postinst);

        String buildId = upload(metadata(providerId, "1.0.0", null), deb).getBody().get("buildId").asText();
        JsonNode build = awaitFinished(buildId);
        assertThat(build.get("status").asText()).as("%s", build).isEqualTo("succeeded");
        String log = Files.readString(providerProperties.buildDir(buildId).resolve("build.log"));
        assertThat(log).contains("probe /api/keys: HTTP/1.1 401",
                "probe /actuator/jolokia/read/java.lang:type=Runtime: HTTP/1.1 401",
                "probe mqtt: connack 20020005", "probe env: PATH=");
        String dockerfile = http.getForObject("/api/algorithm-providers/conversion/builds/" + buildId + "/dockerfile",
                String.class);
        for (String secret : List.of(Services.ADMIN_KEY, Services.SECRETS_KEY, Services.registryPassword(),
                Services.mqttPassword(), Services.jdbcPassword())) {
            assertThat(log).doesNotContain(secret);
            assertThat(dockerfile).doesNotContain(secret);
        }
    }

    @Test
    void folderDropIsBuiltAndItsInputsKept() throws Exception {
        String providerId = "hello-folder-" + shortId();
        Path inbox = DATA_DIR.resolve("inbox/providers");
        Files.createDirectories(inbox);
        Files.copy(helloDeb, inbox.resolve("hello_1.0_all.deb"));
        Files.writeString(inbox.resolve(providerId + ".json"),
                metadata(providerId, "2.0.0", List.of("hello_1.0_all.deb")));

        Path doneJson = await().atMost(Duration.ofSeconds(30)).until(
                () -> find(inbox.resolve(".done"), providerId + ".json"), path -> path != null);
        String buildId = doneJson.getParent().getFileName().toString();
        assertThat(doneJson.getParent().resolve("hello_1.0_all.deb")).exists();
        assertThat(inbox.resolve("hello_1.0_all.deb")).doesNotExist();

        JsonNode build = awaitFinished(buildId);
        assertThat(build.get("status").asText()).as("build %s: %s", buildId, build).isEqualTo("succeeded");
        assertThat(build.get("source").asText()).isEqualTo("folder");
        String reference = build.get("dockerImageRef").asText();
        assertThat(reference).isEqualTo(Services.registry() + "/caravan/providers/" + providerId + ":2.0.0");
        assertThat(Services.registryManifest("caravan/providers/" + providerId, "2.0.0").statusCode()).isEqualTo(200);

        Services.dockerLogin();
        Services.CommandResult run = Services.run("docker", "run", "--rm", "--network", "host", reference);
        Services.run("docker", "rmi", reference);
        assertThat(run.output()).contains(TestDebs.HELLO_LINE);
    }

    @Test
    void brokenUploadAnswers400ListingEveryProblemAndIsKept() throws Exception {
        Path notADeb = Files.writeString(Services.tempDir("caravan-bad").resolve("tracker.deb"), "not an archive");

        ResponseEntity<JsonNode> response = upload(
                "{\"providerId\": \"Bad Id\", \"version\": \"1\", \"runCommand\": \"/usr/bin/tracker\"}", notADeb);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(mapper.convertValue(response.getBody().get("problems"), List.class)).containsExactly(
                "providerId 'Bad Id' must be a lowercase slug: a-z, 0-9 and '-', at most 63 characters, "
                        + "starting and ending with a letter or digit",
                "runCommand must be an array of strings, not string",
                "tracker.deb: not a .deb (no ar archive magic '!<arch>')");
        Path kept = await().atMost(Duration.ofSeconds(5)).until(
                () -> find(DATA_DIR.resolve("rejected"), "tracker.deb"), path -> path != null);
        assertThat(kept).hasContent("not an archive");
        assertThat(kept.resolveSibling("error.json")).content().contains("Bad Id", "no ar archive magic");
        assertThat(kept.resolveSibling("metadata.json")).content().contains("\"Bad Id\"");
    }

    @Test
    void uploadWithoutPackagesIsRejected() {
        ResponseEntity<JsonNode> response = upload(metadata("no-debs", "1", null), null);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(response.getBody().get("problems").toString()).contains("no .deb file");
    }

    @Test
    void brokenDropEndsInFailedWithErrorJsonAndNothingLost() throws Exception {
        String name = "broken-" + shortId();
        Path inbox = DATA_DIR.resolve("inbox/providers");
        Files.createDirectories(inbox);
        Files.writeString(inbox.resolve(name + ".deb"), "garbage");
        Files.writeString(inbox.resolve(name + ".json"), "{\"providerId\": \"" + name + "\", \"version\": \"1\"}");

        Path failedJson = await().atMost(Duration.ofSeconds(30)).until(
                () -> find(inbox.resolve(".failed"), name + ".json"), path -> path != null);
        Path failedDir = failedJson.getParent();
        assertThat(failedDir.getFileName().toString()).matches("\\d{8}-\\d{6}-" + name);
        assertThat(failedDir.resolve(name + ".deb")).hasContent("garbage");
        JsonNode error = mapper.readTree(failedDir.resolve("error.json").toFile());
        assertThat(mapper.convertValue(error.get("problems"), List.class)).containsExactly(
                "runCommand is required", name + ".deb: not a .deb (no ar archive magic '!<arch>')");
        assertThat(inbox.resolve(name + ".deb")).doesNotExist();
        assertThat(inbox.resolve(name + ".json")).doesNotExist();
    }

    @Test
    void dropNamingAMissingPackageFailsWithTheName() throws Exception {
        String name = "missing-" + shortId();
        Path inbox = DATA_DIR.resolve("inbox/providers");
        Files.createDirectories(inbox);
        Files.writeString(inbox.resolve(name + ".json"), metadata(name, "1", List.of("absent_1.0_amd64.deb")));

        Path failedJson = await().atMost(Duration.ofSeconds(30)).until(
                () -> find(inbox.resolve(".failed"), name + ".json"), path -> path != null);
        assertThat(failedJson.resolveSibling("error.json")).content()
                .contains(name + ".json names absent_1.0_amd64.deb, which is not in the inbox");
    }

    @Test
    void aBaseImageTheEngineCannotGetFailsTheBuildNamingItsSetting() {
        String metadata = "{\"providerId\": \"no-base-" + shortId() + "\", \"version\": \"1\", "
                + "\"runCommand\": [\"/usr/bin/caravan-hello\"], \"ubuntuBase\": \"20.04\"}";

        JsonNode build = awaitFinished(upload(metadata, helloDeb).getBody().get("buildId").asText());

        assertThat(build.get("status").asText()).isEqualTo("failed");
        assertThat(build.get("error").asText())
                .startsWith("base image " + MISSING_BASE_IMAGE + " (ubuntuBase 20.04) is not on the engine and could not be pulled: ")
                .endsWith("map ubuntuBase 20.04 to another image in caravan.providers.base-images");
    }

    @Test
    void aBuildWhoseHubDied_isTakenUpFromItsFirstStep_butNotOneAHubIsRunning() throws Exception {
        String providerId = "hello-resume-" + shortId();
        ProviderMetadata metadata = new ProviderMetadata(providerId, providerId, "3.0.0", List.of("/usr/bin/caravan-hello"),
                List.of(), false, "22.04", "linux/amd64", null, List.of());
        DebPackage deb = new DebPackage("hello.deb", Files.size(helloDeb), "0".repeat(64), "caravan-hello", "1.0.0", "all", "");
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        // Held by a hub that died in the middle of building it: its claim ran out a second ago.
        String orphanId = queuedBuild(providerId, DATA_DIR.resolve("work/builds"), metadata, deb);
        assertThat(buildStore.claim(orphanId, "hub-that-died", now.minusSeconds(1), now.minusMinutes(1))).isTrue();
        buildStore.advance(orphanId, BuildStatus.BUILDING, 2, 3, "hub-that-died");
        // Held by a hub that is running it, and renews its claim: not this hub's to take.
        String heldId = queuedBuild(providerId + "-held", DATA_DIR.resolve("work/builds"), metadata, deb);
        assertThat(buildStore.claim(heldId, "hub-still-running", now.plusMinutes(10), now)).isTrue();
        buildStore.advance(heldId, BuildStatus.BUILDING, 2, 3, "hub-still-running");
        // Of hubs that keep their inputs where this hub cannot read them: theirs to build.
        String foreignId = queuedBuild(providerId + "-other",
                Services.tempDir("caravan-other-hub").resolve("work/builds"), metadata, deb);
        try {
            assertTakenUpFromItsFirstStep(orphanId, providerId);
            Build held = buildStore.get(heldId);
            assertThat(held.status()).isEqualTo(BuildStatus.BUILDING);
            assertThat(held.step()).isEqualTo(2);
            assertThat(buildStore.get(foreignId).status()).isEqualTo(BuildStatus.QUEUED);
        } finally {
            buildStore.fail(heldId, "test build of a simulated other hub", "hub-still-running");
            assertThat(buildStore.claim(foreignId, "hub-elsewhere", now.plusMinutes(10), now)).isTrue();
            buildStore.fail(foreignId, "test build of a simulated other hub", "hub-elsewhere");
        }
    }

    private void assertTakenUpFromItsFirstStep(String orphanId, String providerId) throws Exception {
        JsonNode build = awaitFinished(orphanId);
        assertThat(build.get("status").asText()).as("build %s", build).isEqualTo("succeeded");
        assertThat(build.get("hub").asText()).isNotBlank().isNotEqualTo("hub-that-died");
        assertThat(DATA_DIR.resolve("work/builds").resolve(orphanId).resolve("build.log")).content()
                .contains("taken by hub " + build.get("hub").asText()
                + " from the first step: its hub stopped while building");
        assertThat(Services.registryManifest("caravan/providers/" + providerId, "3.0.0").statusCode()).isEqualTo(200);
    }

    /** A queued build written as an upload to a hub with its work dir under {@code buildsDir} leaves it. */
    private String queuedBuild(String providerId, Path buildsDir, ProviderMetadata metadata, DebPackage deb)
            throws IOException {
        String buildId = UUID.randomUUID().toString();
        Path inputDir = Files.createDirectories(buildsDir.resolve(buildId).resolve("input"));
        Files.copy(helloDeb, inputDir.resolve("hello.deb"));
        buildStore.insert(new Build(buildId, providerId, BuildStatus.QUEUED, 0, 3, "rest", inputDir, metadata,
                List.of(deb), "resume-" + buildId, null, null, null, null, null, null, null, null, "resume test", null));
        return buildId;
    }

    @Test
    void providersThatAreImagesCanBeRegisteredAndListed_pinnedToTheDigestTheirRegistryServes() throws Exception {
        String providerId = "image-provider-" + shortId();
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        // An image already in the registry, by tag: the hub asks the registry which content that is
        String repository = "caravan-it/registered-" + shortId();
        String image = Services.registry() + "/" + repository + ":4.2";
        Services.dockerLogin();
        assertThat(Services.run("docker", "tag", Services.baseImage(), image).exitCode()).isZero();
        try {
            assertThat(Services.run("docker", "push", image).exitCode()).isZero();
        } finally {
            Services.run("docker", "rmi", image);
        }
        String servedDigest = Services.registryManifest(repository, "4.2").headers()
                .firstValue("Docker-Content-Digest").orElseThrow();

        ResponseEntity<JsonNode> created = http.postForEntity("/api/algorithm-providers", new HttpEntity<>(
                "{\"providerId\": \"" + providerId + "\", \"version\": \"4.2\", "
                        + "\"dockerImage\": \"" + image + "\", \"requiresGpu\": true}",
                headers), JsonNode.class);

        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(created.getBody().get("source").asText()).isEqualTo("image");
        JsonNode listed = http.getForObject("/api/algorithm-providers", JsonNode.class);
        assertThat(listed.findValuesAsText("providerId")).contains(providerId);
        JsonNode fetched = http.getForObject("/api/algorithm-providers/" + providerId, JsonNode.class);
        assertThat(fetched.get("dockerImage").asText()).isEqualTo(image);
        assertThat(fetched.get("imageDigest").asText()).isEqualTo(servedDigest);
        assertThat(fetched.get("requiresGpu").asBoolean()).isTrue();

        ResponseEntity<JsonNode> unknownTag = http.postForEntity("/api/algorithm-providers", new HttpEntity<>(
                "{\"providerId\": \"" + providerId + "-x\", \"version\": \"1\", \"dockerImage\": \""
                        + Services.registry() + "/" + repository + ":no-such-tag\"}", headers), JsonNode.class);
        assertThat(unknownTag.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(unknownTag.getBody().get("problems").get(0).asText()).isEqualTo("cannot pin " + Services.registry()
                + "/" + repository + ":no-such-tag to a digest: registry " + Services.registry()
                + " answered 404 (no such image or tag)");

        ResponseEntity<JsonNode> invalid = http.postForEntity("/api/algorithm-providers",
                new HttpEntity<>("{\"providerId\": \"x\"}", headers), JsonNode.class);
        assertThat(invalid.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(invalid.getBody().get("problems").toString()).contains("version is required", "dockerImage is required");

        ResponseEntity<JsonNode> missing = http.getForEntity("/api/algorithm-providers/no-such-provider", JsonNode.class);
        assertThat(missing.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(missing.getBody().get("error").asText()).isEqualTo("no provider no-such-provider");
        assertThat(http.getForEntity("/api/algorithm-providers/conversion/builds/nope", JsonNode.class).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
    }

    private ResponseEntity<JsonNode> upload(String metadata, Path deb) {
        return deb == null ? HubClient.upload(http, metadata) : HubClient.upload(http, metadata, deb);
    }

    private JsonNode awaitFinished(String buildId) {
        return HubClient.awaitFinished(http, buildId, BUILD_TIMEOUT);
    }

    private String metadata(String providerId, String version, List<String> debFiles) {
        Map<String, Object> metadata = new java.util.LinkedHashMap<>();
        metadata.put("providerId", providerId);
        metadata.put("displayName", "Hello " + providerId);
        metadata.put("version", version);
        metadata.put("runCommand", List.of("/usr/bin/caravan-hello", "two words", "say \"hi\"", "$HOME", "it's"));
        metadata.put("supportedLidars", List.of("Livox Mid-360"));
        metadata.put("requiresGpu", false);
        metadata.put("ubuntuBase", "22.04");
        if (debFiles != null) {
            metadata.put("debFiles", debFiles);
        }
        try {
            return mapper.writeValueAsString(metadata);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path find(Path root, String fileName) throws IOException {
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(path -> path.getFileName().toString().equals(fileName)).findFirst().orElse(null);
        }
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
