package caravan.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

import caravan.CaravanApplication;
import caravan.testing.Services;

/**
 * Policy models through both doors of a hub on the real services: validated by real ONNX Runtime, stored by content,
 * and every rejection kept with its reason.
 */
@CamelSpringBootTest
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class ModelsIT {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final Path DATA_DIR = Services.tempDir("caravan-models-it");

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, DATA_DIR);
        registry.add("caravan.models.inbox-settle", () -> "300ms");
    }

    @Autowired
    TestRestTemplate http;

    @Test
    void restUpload_storesTheModelByContent_andServesItBack() throws Exception {
        String name = "policy-" + RUN;
        byte[] bytes = Services.testModelOfRun(RUN, "policy-v1.onnx");

        ResponseEntity<JsonNode> created = upload(bytes, metadata(name, "1.0.0", ", \"description\": \"walks\""));
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        JsonNode model = created.getBody();
        assertThat(model.get("modelId").asText()).isEqualTo(sha256(bytes)).isEqualTo(model.get("sha256").asText());
        assertThat(model.get("sizeBytes").asLong()).isEqualTo(bytes.length);
        assertThat(model.get("opset").asInt()).isEqualTo(17);
        assertThat(model.get("inputs").toString()).isEqualTo("[{\"name\":\"obs\",\"type\":\"float\",\"shape\":[\"batch\",8]}]");
        assertThat(model.get("outputs").toString()).isEqualTo("[{\"name\":\"action\",\"type\":\"float\",\"shape\":[\"batch\",2]}]");

        // the same bytes again are the same model, under the version they were first stored as
        ResponseEntity<JsonNode> again = upload(bytes, metadata(name, "1.0.1", ""));
        assertThat(again.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(again.getBody().get("modelId").asText()).isEqualTo(model.get("modelId").asText());
        assertThat(again.getBody().get("version").asText()).isEqualTo("1.0.0");

        ResponseEntity<JsonNode> second = upload(Services.testModelOfRun(RUN, "policy-v2.onnx"), metadata(name, "2.0.0", ""));
        assertThat(second.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(get("/api/models/" + name + "/versions")).extracting(v -> v.get("version").asText())
                .containsExactly("2.0.0", "1.0.0");
        assertThat(get("/api/models")).filteredOn(m -> m.get("name").asText().equals(name))
                .extracting(m -> m.get("version").asText()).containsExactly("2.0.0");
        assertThat(get("/api/models/" + model.get("modelId").asText()).get(0).get("description").asText()).isEqualTo("walks");
        byte[] downloaded = http.getForObject("/api/models/" + model.get("modelId").asText() + "/file", byte[].class);
        assertThat(sha256(downloaded)).isEqualTo(model.get("sha256").asText());

        // a version already stored as other bytes is refused
        ResponseEntity<JsonNode> reused = upload(Services.testModelOfRun(RUN, "policy-wrong-contract.onnx"), metadata(name, "1.0.0", ""));
        assertThat(reused.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(reused.getBody().get("problems").toString()).contains("duplicate: " + name + " 1.0.0 is already another file");
        assertThat(http.getForEntity("/api/models/no-such-model/versions", String.class).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
    }

    @Test
    void restUpload_validatesEveryInputWithTheShapesGiven() throws Exception {
        ResponseEntity<JsonNode> accepted = upload(Services.testModelOfRun(RUN, "multi-input.onnx"),
                metadata("multi-" + RUN, "1", ", \"inputShapes\": {\"image\": [2, 3, 32, 48], \"steps\": [2, 7]},"
                        + " \"target\": {\"service\": \"vision\", \"arch\": \"aarch64\", \"gpu\": true}"));

        assertThat(accepted.getStatusCode()).as("%s", accepted.getBody()).isEqualTo(HttpStatus.CREATED);
        assertThat(accepted.getBody().get("inputs")).extracting(i -> i.get("type").asText())
                .containsExactly("float", "int64", "double");
        assertThat(accepted.getBody().get("inputShapes").get("image").toString()).isEqualTo("[2,3,32,48]");
        assertThat(accepted.getBody().get("target").get("arch").asText()).isEqualTo("aarch64");
    }

    @Test
    void restUpload_rejectsEachBrokenModelWithItsReason_andKeepsIt() throws Exception {
        byte[] policy = Services.testModelOfRun(RUN, "policy-v1.onnx");
        assertRejectedAndKept(java.util.Arrays.copyOf(policy, policy.length / 2), "truncated: the file ends in the middle");
        assertRejectedAndKept("release notes\n".getBytes(), "not-onnx: the file is not an ONNX model");
        assertRejectedAndKept(Services.testModelOfRun(RUN, "inference-fails.onnx"),
                "inference: the model failed on a test input of shapes {obs[1, 8]}");
        assertRejectedAndKept(Services.testModelOfRun(RUN, "future-opset.onnx"), "unsupported-opset: ");

        ResponseEntity<JsonNode> badMetadata = upload(policy, "{\"name\": \"Not A Slug\"}");
        assertThat(badMetadata.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(badMetadata.getBody().get("problems").toString()).contains("name must be a lowercase slug",
                "version is required");
    }

    @Test
    void folderDrop_storesAModel_andKeepsARejectedOneWithItsReason() throws Exception {
        Path inbox = Files.createDirectories(DATA_DIR.resolve("inbox/models"));
        String name = "dropped-" + RUN;
        Files.write(inbox.resolve(name + ".onnx"), Services.testModelOfRun(RUN, "policy-v3.onnx"));
        Files.writeString(inbox.resolve(name + ".json"), metadata(name, "3.0.0", ""));

        Path done = await().atMost(Duration.ofSeconds(30)).until(() -> find(inbox.resolve(".done"), name + ".json"),
                path -> path != null);
        assertThat(done.resolveSibling(name + ".onnx")).exists();
        assertThat(inbox.resolve(name + ".onnx")).doesNotExist();
        JsonNode stored = get("/api/models/" + name + "/versions").get(0);
        assertThat(done.getParent().getFileName().toString()).startsWith(stored.get("modelId").asText());
        assertThat(stored.get("source").asText()).isEqualTo("folder");

        String broken = "nan-" + RUN;
        Files.write(inbox.resolve("weights.onnx"), Services.testModelOfRun(RUN, "nan-output.onnx"));
        Files.writeString(inbox.resolve(broken + ".json"), "{\"name\": \"" + broken + "\", \"version\": \"1\", \"file\": \"weights.onnx\"}");
        Path failed = await().atMost(Duration.ofSeconds(30)).until(() -> find(inbox.resolve(".failed"), broken + ".json"),
                path -> path != null);
        assertThat(failed.resolveSibling("weights.onnx")).exists();
        assertThat(MAPPER.readTree(failed.resolveSibling("error.json").toFile()).get("problems").toString())
                .contains("output: output action is NaN at element 0");
        assertThat(http.getForEntity("/api/models/" + broken + "/versions", String.class).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
    }

    private void assertRejectedAndKept(byte[] bytes, String problem) throws IOException {
        ResponseEntity<JsonNode> rejected = upload(bytes, metadata("rejected-" + RUN, UUID.randomUUID().toString(), ""));
        assertThat(rejected.getStatusCode()).as("%s", rejected.getBody()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(rejected.getBody().get("problems").toString()).contains(problem);
        Path kept = find(DATA_DIR.resolve("rejected/models"), "model.onnx", bytes);
        assertThat(kept).as("the rejected model is kept").isNotNull();
        assertThat(MAPPER.readTree(kept.resolveSibling("error.json").toFile()).get("problems").toString()).contains(problem);
        assertThat(kept.resolveSibling("metadata.json")).exists();
    }

    private ResponseEntity<JsonNode> upload(byte[] model, String metadata) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        parts.add("model", new ByteArrayResource(model) {
            @Override
            public String getFilename() {
                return "model.onnx";
            }
        });
        parts.add("metadata", metadata);
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        return http.postForEntity("/api/models", new HttpEntity<>(parts, headers), JsonNode.class);
    }

    private List<JsonNode> get(String path) {
        ResponseEntity<JsonNode> answer = http.getForEntity(path, JsonNode.class);
        assertThat(answer.getStatusCode()).as("%s: %s", path, answer.getBody()).isEqualTo(HttpStatus.OK);
        return answer.getBody().isArray() ? Stream.of(MAPPER.convertValue(answer.getBody(), JsonNode[].class)).toList()
                : List.of(answer.getBody());
    }

    private static String metadata(String name, String version, String more) {
        return "{\"name\": \"" + name + "\", \"version\": \"" + version + "\"" + more + "}";
    }

    private static Path find(Path root, String fileName) throws IOException {
        return find(root, fileName, null);
    }

    /** The file named so under {@code root}, with exactly {@code content} if given. */
    private static Path find(Path root, String fileName, byte[] content) throws IOException {
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(path -> path.getFileName().toString().equals(fileName))
                    .filter(path -> content == null || java.util.Arrays.equals(read(path), content))
                    .findFirst().orElse(null);
        }
    }

    private static byte[] read(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            return null;
        }
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
