package caravan.testing;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

/** The hub's API as a client uses it: JSON requests, the reference's multipart upload, polling a build's status. */
public final class HubClient {

    private HubClient() {
    }

    /** {@code POST /api/algorithm-providers/conversion/build} with {@code debFiles[]} (if any) and {@code metadata}. */
    public static ResponseEntity<JsonNode> upload(TestRestTemplate http, String metadata, Path... debs) {
        return upload(http, null, metadata, debs);
    }

    /** As {@link #upload(TestRestTemplate, String, Path...)}, sent with {@code X-Request-Id: requestId} unless null. */
    public static ResponseEntity<JsonNode> upload(TestRestTemplate http, String requestId, String metadata,
            Path... debs) {
        MultiValueMap<String, Object> parts = new LinkedMultiValueMap<>();
        for (Path deb : debs) {
            parts.add("debFiles[]", new FileSystemResource(deb));
        }
        parts.add("metadata", metadata);
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        if (requestId != null) {
            headers.set("X-Request-Id", requestId);
        }
        return http.postForEntity("/api/algorithm-providers/conversion/build", new HttpEntity<>(parts, headers),
                JsonNode.class);
    }

    /** The metadata of a provider running TestDebs' hello package, version 1.0.0 on Ubuntu 22.04. */
    public static String helloMetadata(String providerId) {
        return """
                {"providerId": "%s", "displayName": "Hello", "version": "1.0.0",
                 "runCommand": ["/usr/bin/caravan-hello"], "supportedLidars": [], "requiresGpu": false,
                 "ubuntuBase": "22.04"}""".formatted(providerId);
    }

    /** Polls the build until it succeeded or failed. */
    public static JsonNode awaitFinished(TestRestTemplate http, String buildId, Duration timeout) {
        return Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(500)).until(
                () -> http.getForObject("/api/algorithm-providers/conversion/builds/" + buildId, JsonNode.class),
                build -> build != null && build.path("status").asText().matches("succeeded|failed"));
    }

    /**
     * {@code GET /api/audit}, newest first, filtered by actor and action when not null (an action such as
     * {@code POST /api/edges/{edgeId}/rollback} is sent encoded, not as a URI template).
     */
    public static JsonNode audit(TestRestTemplate http, String actor, String action) {
        StringBuilder query = new StringBuilder("/api/audit?limit=1000");
        if (actor != null) {
            query.append("&actor=").append(URLEncoder.encode(actor, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        if (action != null) {
            query.append("&action=").append(URLEncoder.encode(action, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return http.getForObject(URI.create(query.toString()), JsonNode.class);
    }

    /**
     * What an edge's installer does with the hub's answers: the edge's credential (issued now) into a file only its
     * owner may read, and the hub's command-signing key; as the agent's environment. The edge must be registered.
     */
    public static Map<String, String> installAgent(TestRestTemplate http, String edgeId, Path dir) throws IOException {
        ResponseEntity<JsonNode> issued = postJson(http, "/api/edges/" + edgeId + "/credentials", "");
        if (issued.getStatusCode().value() != 201) {
            throw new IllegalStateException("credentials for " + edgeId + ": " + issued);
        }
        Path file = dir.resolve("credentials-" + edgeId);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, "username=" + issued.getBody().get("username").asText() + "\npassword="
                + issued.getBody().get("password").asText() + "\n");
        return Map.of("CARAVAN_AGENT_COMMAND_KEY", getJson(http, "/api/hub/command-key").get("publicKey").asText(),
                "CARAVAN_AGENT_CREDENTIALS_FILE", file.toString());
    }

    public static JsonNode getJson(TestRestTemplate http, String path) {
        return http.getForObject(path, JsonNode.class);
    }

    public static ResponseEntity<JsonNode> putJson(TestRestTemplate http, String path, String json) {
        return http.exchange(path, HttpMethod.PUT, jsonEntity(json), JsonNode.class);
    }

    public static ResponseEntity<JsonNode> postJson(TestRestTemplate http, String path, String json) {
        return http.postForEntity(path, jsonEntity(json), JsonNode.class);
    }

    private static HttpEntity<String> jsonEntity(String json) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return new HttpEntity<>(json, headers);
    }
}
