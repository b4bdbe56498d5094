package caravan.security;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.DisableJmx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import caravan.CaravanApplication;
import caravan.testing.BrokerAccess;
import caravan.testing.HubClient;
import caravan.testing.Services;

/**
 * The hub as an attacker on the network finds it: every endpoint the hub registers refuses a request without a key
 * and one whose role is too weak; keys are shown once, stored hashed, revoked at once and audited; browser sessions
 * need the CSRF token for changes; the live feed wants credentials and the hub's own origin; guessing is throttled.
 */
@CamelSpringBootTest
@DisableJmx(false) // Hawtio and Jolokia as in the real run
@AutoConfigureObservability // Prometheus as in the real run
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SecurityIT {

    private static final Path DATA_DIR = Services.tempDir("caravan-security-it");
    private static final String SUITE_KEY_NAME = "CARAVAN_API_KEYS[0]";
    /** What every path variable is in the endpoint sweep: an edge it registers is this test's, and removed after. */
    private static final String PATH_VARIABLE = "security-it-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterAll
    static void forgetTheSweepsEdges() {
        Services.forgetEdges(PATH_VARIABLE);
    }

    /**
     * The role each endpoint needs, written here on its own (null: open), so that the test fails for an endpoint the
     * hub registers and nobody decided about.
     */
    private static final Map<String, Role> ROLES = Map.ofEntries(
            entry("GET /api/venues", Role.VIEWER),
            entry("GET /api/venues/{venueId}", Role.VIEWER),
            entry("PUT /api/venues/{venueId}", Role.OPERATOR),
            entry("GET /api/venues/{venueId}/tracks", Role.VIEWER),
            entry("GET /api/edges", Role.VIEWER),
            entry("GET /api/edges/{edgeId}", Role.VIEWER),
            entry("PUT /api/edges/{edgeId}", Role.ADMIN),
            entry("GET /api/edges/{edgeId}/lidars", Role.VIEWER),
            entry("PUT /api/edges/{edgeId}/lidars/{serial}", Role.OPERATOR),
            entry("POST /api/edge-commissioning/edge/{edgeId}/deploy-her", Role.OPERATOR),
            entry("POST /api/edges/{edgeId}/rollback", Role.OPERATOR),
            entry("POST /api/edges/{edgeId}/container/{action}", Role.OPERATOR),
            entry("GET /api/edges/{edgeId}/commands/{commandId}", Role.VIEWER),
            entry("GET /api/edges/{edgeId}/deployments", Role.VIEWER),
            entry("POST /api/deployments", Role.OPERATOR),
            entry("GET /api/deployments/{deploymentId}", Role.VIEWER),
            entry("GET /api/deployment-groups/{groupId}", Role.VIEWER),
            entry("GET /api/algorithm-providers", Role.VIEWER),
            entry("POST /api/algorithm-providers", Role.OPERATOR),
            entry("GET /api/algorithm-providers/{providerId}", Role.VIEWER),
            entry("POST /api/algorithm-providers/conversion/build", Role.OPERATOR),
            entry("GET /api/algorithm-providers/conversion/builds/{buildId}", Role.VIEWER),
            entry("GET /api/algorithm-providers/conversion/builds/{buildId}/dockerfile", Role.VIEWER),
            entry("GET /api/trajectories/rejected", Role.VIEWER),
            entry("GET /api/alerts", Role.VIEWER),
            entry("POST /api/alerts/{alertId}/acknowledge", Role.OPERATOR),
            entry("GET /api/alerts/rules", Role.VIEWER),
            entry("POST /api/keys", Role.ADMIN),
            entry("GET /api/keys", Role.ADMIN),
            entry("DELETE /api/keys/{keyId}", Role.ADMIN),
            entry("GET /api/audit", Role.ADMIN),
            entry("POST /api/edges/{edgeId}/credentials", Role.ADMIN),
            entry("DELETE /api/edges/{edgeId}/credentials", Role.ADMIN),
            entry("GET /api/hub/command-key", Role.VIEWER),
            entry("GET /api/session", Role.VIEWER),
            entry("DELETE /api/session", Role.VIEWER),
            entry("GET /api/models", Role.VIEWER),
            entry("POST /api/models", Role.OPERATOR),
            entry("GET /api/models/{name}/versions", Role.VIEWER),
            entry("GET /api/models/{modelId}", Role.VIEWER),
            entry("GET /api/models/{modelId}/file", Role.VIEWER),
            // trusting a device's host key and the commands the hub runs on it are an admin's
            entry("POST /api/edges/{edgeId}/host-key/confirm", Role.ADMIN),
            entry("PUT /api/edges/{edgeId}/device", Role.ADMIN),
            entry("GET /api/edges/{edgeId}/device", Role.VIEWER),
            entry("POST /api/edges/{edgeId}/models/deploy", Role.OPERATOR),
            entry("POST /api/edges/{edgeId}/models/rollback", Role.OPERATOR),
            entry("GET /api/edges/{edgeId}/models/deployments", Role.VIEWER),
            entry("GET /api/model-deployments/{deploymentId}", Role.VIEWER),
            // the reference's routes: a device carries its SSH credentials
            entry("GET /deployment/devices", Role.VIEWER),
            entry("POST /deployment/devices", Role.ADMIN),
            entry("POST /deployment/devices/{deviceId}/test", Role.OPERATOR),
            entry("POST /api/edges/{edgeId}/probe", Role.OPERATOR),
            entry("POST /api/edges/claim", Role.OPERATOR),
            entry("GET /metrics", Role.VIEWER),
            entry("POST /deployment/deploy", Role.OPERATOR),
            entry("GET /deployment/deployments/{deploymentId}", Role.VIEWER),
            // the device command channel: triggers and schedules are an operator's
            entry("POST /v1/devices/{deviceId}/trigger", Role.OPERATOR),
            entry("POST /api/devices/trigger", Role.OPERATOR),
            // workloads: a container's output may carry what its environment holds, so its logs are an operator's
            entry("POST /api/workloads", Role.OPERATOR),
            entry("GET /api/workloads", Role.VIEWER),
            entry("GET /api/workloads/{workloadId}", Role.VIEWER),
            entry("POST /api/workloads/{workloadId}/{action}", Role.OPERATOR),
            entry("DELETE /api/workloads/{workloadId}", Role.OPERATOR),
            entry("GET /api/workloads/{workloadId}/logs", Role.OPERATOR),
            entry("GET /api/workloads/{workloadId}/stats", Role.VIEWER),
            entry("GET /api/workloads/{workloadId}/health", Role.VIEWER),
            // the Agent Communication Protocol: runs are an operator's, like the workloads they make
            entry("GET /acp/agents", Role.VIEWER),
            entry("GET /acp/agents/{name}", Role.VIEWER),
            entry("POST /acp/runs", Role.OPERATOR),
            entry("GET /acp/runs/{runId}", Role.OPERATOR),
            entry("POST /acp/runs/{runId}/cancel", Role.OPERATOR),
            entry("GET /api/devices/status", Role.VIEWER),
            entry("GET /api/devices/{deviceId}/status", Role.VIEWER),
            entry("GET /api/devices/{deviceId}/commands/{commandId}", Role.VIEWER),
            entry("GET /api/captures", Role.VIEWER),
            entry("GET /api/captures/{captureId}", Role.VIEWER),
            entry("GET /api/captures/{captureId}/image", Role.VIEWER),
            entry("POST /api/trigger-schedules", Role.OPERATOR),
            entry("GET /api/trigger-schedules", Role.VIEWER),
            entry("GET /api/trigger-schedules/{scheduleId}", Role.VIEWER),
            entry("PUT /api/trigger-schedules/{scheduleId}", Role.OPERATOR),
            entry("DELETE /api/trigger-schedules/{scheduleId}", Role.OPERATOR));
    /** Open: logging in, and an unclaimed agent's announcing and collecting (it proves itself with its claim code). */
    private static final List<String> OPEN = List.of("POST /api/session", "POST /api/claims", "POST /api/claims/collect");
    /** What only a device calls, with its own token: no operator's key opens them, an admin's neither. */
    private static final List<String> DEVICE_ONLY = List.of("GET /v1/devices/{deviceId}/commands",
            "POST /v1/devices/{deviceId}/commands/{commandId}/ack", "POST /v1/captures");

    private static final Map<Role, String> KEYS = new EnumMap<>(Role.class);
    private static final int FAILED_ATTEMPTS = 25;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        Services.register(registry, DATA_DIR);
        // Above what the other tests' refused keys from 127.0.0.1 add up to: only the throttling test's address
        registry.add("caravan.security.failed-attempts", () -> Integer.toString(FAILED_ATTEMPTS));
        registry.add("caravan.security.failed-attempts-window", () -> "10m");
    }

    @LocalServerPort
    int port;
    @Autowired
    TestRestTemplate http;
    @Autowired
    CamelContext camel;
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mvc;
    @Autowired
    JdbcClient jdbc;

    private final HttpClient client = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void everyEndpointRefusesNoKeyAndATooWeakRole_andServesTheRightOne() throws Exception {
        TreeSet<String> registered = registeredEndpoints();
        assertThat(registered).as("endpoints the hub registers: each needs its role in this test").hasSizeGreaterThan(30);
        List<String> undecided = registered.stream()
                .filter(e -> !ROLES.containsKey(e) && !OPEN.contains(e) && !DEVICE_ONLY.contains(e)).toList();
        assertThat(undecided).as("endpoints without a role in SecurityIT.ROLES").isEmpty();

        for (String endpoint : registered) {
            if (OPEN.contains(endpoint)) {
                continue;
            }
            String method = endpoint.substring(0, endpoint.indexOf(' '));
            String path = endpoint.substring(endpoint.indexOf(' ') + 1).replaceAll("\\{[^}]+}", PATH_VARIABLE);
            Role needed = ROLES.get(endpoint);

            HttpResponse<String> anonymous = send(method, path, null);
            assertThat(anonymous.statusCode()).as(endpoint + " without a key").isEqualTo(401);
            assertThat(json.readTree(anonymous.body()).path("error").asText()).as(endpoint)
                    .startsWith("authentication required");
            if (DEVICE_ONLY.contains(endpoint)) {
                HttpResponse<String> admin = send(method, path, keyFor(Role.ADMIN));
                assertThat(admin.statusCode()).as(endpoint + " with an admin's key").isEqualTo(401);
                assertThat(json.readTree(admin.body()).path("error").asText()).as(endpoint)
                        .startsWith("device token refused");
                continue;
            }
            if (needed.ordinal() > 0) {
                HttpResponse<String> weak = send(method, path, keyFor(Role.values()[needed.ordinal() - 1]));
                assertThat(weak.statusCode()).as(endpoint + " with a role below " + needed).isEqualTo(403);
                assertThat(json.readTree(weak.body()).path("error").asText()).as(endpoint).startsWith("forbidden");
            }
            assertThat(send(method, path, keyFor(needed)).statusCode()).as(endpoint + " with " + needed)
                    .isNotIn(401, 403, 429);
        }
    }

    @Test
    void operatorsConsolesAndMetricsNeedTheirRoles_onlyHealthIsOpen() throws Exception {
        assertThat(send("GET", "/actuator/health/readiness", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/actuator/health/liveness", null).statusCode()).isEqualTo(200);
        // and at the reference's paths
        for (String probe : List.of("/health", "/ready", "/live")) {
            HttpResponse<String> answer = send("GET", probe, null);
            assertThat(answer.statusCode()).as(probe).isEqualTo(200);
            assertThat(json.readTree(answer.body()).path("status").asText()).as(probe).isEqualTo("UP");
        }
        assertThat(json.readTree(send("GET", "/health", null).body()).path("components").has("db")).isTrue();

        assertThat(send("GET", "/actuator/prometheus", null).statusCode()).isEqualTo(401);
        HttpResponse<String> scrape = client.send(HttpRequest.newBuilder(uri("/actuator/prometheus"))
                .header(Services.API_KEY_HEADER, keyFor(Role.VIEWER)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).contains("caravan_audit_unstored_total");
        assertThat(send("GET", "/metrics", null).statusCode()).isEqualTo(401);
        HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(uri("/metrics"))
                .header(Services.API_KEY_HEADER, keyFor(Role.VIEWER)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("caravan_audit_unstored_total");

        for (String console : List.of("/actuator/jolokia/version", "/actuator/hawtio/index.html")) {
            assertThat(send("GET", console, null).statusCode()).as(console).isEqualTo(401);
            assertThat(send("GET", console, keyFor(Role.OPERATOR)).statusCode()).as(console).isEqualTo(403);
            assertThat(send("GET", console, keyFor(Role.ADMIN)).statusCode()).as(console).isEqualTo(200);
        }
        // Jolokia's write and exec too: a POST with a key of too weak a role changes nothing
        HttpResponse<String> exec = client.send(HttpRequest.newBuilder(uri("/actuator/jolokia"))
                .header(Services.API_KEY_HEADER, keyFor(Role.OPERATOR)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(exec.statusCode()).isEqualTo(403);

        // A page in a browser goes to the login page; the login page itself is open
        HttpResponse<String> page = client.send(HttpRequest.newBuilder(uri("/?venueId=v1"))
                .header("Accept", "text/html").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location").orElseThrow()).endsWith("/login.html?next=%2F%3FvenueId%3Dv1");
        assertThat(send("GET", "/login.html", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/viewport.js", null).statusCode()).isEqualTo(401);
    }

    @Test
    void aKeyIsShownOnce_storedHashed_revokedAtOnce_andAudited() throws Exception {
        String name = "ci-" + UUID.randomUUID();
        JsonNode created = HubClient.postJson(http, "/api/keys", "{\"name\": \"" + name + "\", \"role\": \"viewer\"}")
                .getBody();
        String secret = created.get("key").asText();
        String keyId = created.get("keyId").asText();
        assertThat(secret).startsWith("cvk_").hasSizeGreaterThan(40);
        assertThat(created.get("role").asText()).isEqualTo("viewer");

        String listed = http.getForObject("/api/keys", String.class);
        assertThat(listed).contains(name).doesNotContain(secret);
        JsonNode stored = json.readTree(listed).findParents("keyId").stream()
                .filter(key -> key.get("keyId").asText().equals(keyId)).findFirst().orElseThrow();
        assertThat(stored.has("key")).isFalse();
        assertThat(stored.get("createdBy").asText()).isEqualTo(SUITE_KEY_NAME);
        assertThat(jdbc.sql("SELECT secret_hash FROM api_keys WHERE key_id = :id").param("id", keyId)
                .query(String.class).single()).isEqualTo(ApiKeys.hash(secret)).isNotEqualTo(secret);

        assertThat(send("GET", "/api/edges", secret).statusCode()).isEqualTo(200);
        HttpResponse<String> bearer = client.send(HttpRequest.newBuilder(uri("/api/edges"))
                .header("Authorization", "Bearer " + secret).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bearer.statusCode()).isEqualTo(200);
        HttpResponse<String> tooWeak = send("POST", "/api/deployments", secret);
        assertThat(json.readTree(tooWeak.body()).get("error").asText())
                .isEqualTo("forbidden: key '" + name + "' (viewer) may not POST /api/deployments");
        await().atMost(Duration.ofSeconds(5)).until(() -> lastUsedAt(keyId) != null);

        assertThat(http.exchange("/api/keys/" + keyId, org.springframework.http.HttpMethod.DELETE, null,
                JsonNode.class).getBody().get("revokedAt").isNull()).isFalse();
        HttpResponse<String> revoked = send("GET", "/api/edges", secret);
        assertThat(revoked.statusCode()).isEqualTo(401);
        assertThat(json.readTree(revoked.body()).get("error").asText()).isEqualTo("API key refused: key revoked");

        JsonNode refusal = HubClient.audit(http, name, "authenticate").get(0);
        assertThat(refusal.get("outcome").asText()).isEqualTo("refused: key revoked");
        assertThat(refusal.get("target").asText()).isEqualTo("/api/edges");
        assertThat(refusal.get("sourceAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(HubClient.audit(http, name, "POST /api/deployments").get(0).get("outcome").asText())
                .isEqualTo("403 forbidden");
        List<String> creations = HubClient.audit(http, SUITE_KEY_NAME, "POST /api/keys").findValuesAsText("outcome");
        assertThat(creations).contains("201 done");
        assertThat(HubClient.audit(http, SUITE_KEY_NAME, "DELETE /api/keys/{keyId}").get(0).get("target").asText())
                .isEqualTo("/api/keys/" + keyId);
    }

    /** The suite's Mosquitto, whose dynamic security this hub keeps: the embedded broker's is EmbeddedDefaultsIT's. */
    @Test
    void mosquittoLetsInOnlyTheHubAndEdgesWithTheirCredential_eachToItsOwnTopics() throws Exception {
        BrokerAccess.assertEnforced(http, Services.mqttUrl(), Services.mqttHubLogin());
        JsonNode edges = HubClient.audit(http, SUITE_KEY_NAME, "POST /api/edges/{edgeId}/credentials");
        assertThat(edges.get(0).get("outcome").asText()).isEqualTo("201 done");
        assertThat(HubClient.audit(http, SUITE_KEY_NAME, "DELETE /api/edges/{edgeId}/credentials").get(0)
                .get("outcome").asText()).isEqualTo("200 done");
    }

    @Test
    void aKeyRequestWithProblemsNamesThemAll_andAnExpiredKeyIsRefused() throws Exception {
        var bad = HubClient.postJson(http, "/api/keys", "{\"name\": \"\", \"role\": \"root\", \"expiresAt\": \"tomorrow\"}");
        assertThat(bad.getStatusCode().value()).isEqualTo(400);
        assertThat(bad.getBody().get("problems").toString()).contains("name is required", "role must be one of",
                "expiresAt must be an ISO-8601 time");

        String expiring = HubClient.postJson(http, "/api/keys", "{\"name\": \"short-" + UUID.randomUUID()
                + "\", \"role\": \"viewer\", \"expiresAt\": \"" + Instant.now().plusSeconds(2) + "\"}").getBody()
                .get("key").asText();
        assertThat(send("GET", "/api/edges", expiring).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> send("GET", "/api/edges", expiring).body().contains("API key refused: key expired"));
    }

    @Test
    void aBrowserSessionNeedsTheCsrfTokenForChanges_andEndsWithItsKey() throws Exception {
        String name = "browser-" + UUID.randomUUID();
        JsonNode created = HubClient.postJson(http, "/api/keys", "{\"name\": \"" + name + "\", \"role\": \"operator\"}")
                .getBody();
        HttpResponse<String> refused = client.send(HttpRequest.newBuilder(uri("/api/session"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\": \"cvk_wrong\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);

        HttpResponse<String> login = client.send(HttpRequest.newBuilder(uri("/api/session"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\": \"" + created.get("key").asText() + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(json.readTree(login.body()).get("role").asText()).isEqualTo("operator");
        String sessionCookie = setCookie(login, "JSESSIONID");
        assertThat(sessionCookie).contains("HttpOnly").contains("SameSite=Strict");
        String xsrf = setCookie(login, "XSRF-TOKEN");
        assertThat(xsrf).doesNotContain("HttpOnly");
        String session = sessionCookie.substring(0, sessionCookie.indexOf(';'));
        String token = xsrf.substring("XSRF-TOKEN=".length(), xsrf.indexOf(';'));
        String cookies = session + "; XSRF-TOKEN=" + token;

        assertThat(withCookies("GET", "/api/edges", cookies, null).statusCode()).isEqualTo(200);
        HttpResponse<String> noToken = withCookies("POST", "/api/alerts/none/acknowledge", cookies, null);
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(json.readTree(noToken.body()).get("error").asText()).contains("X-XSRF-TOKEN");
        assertThat(withCookies("POST", "/api/alerts/none/acknowledge", cookies, token).statusCode()).isEqualTo(404);

        http.delete("/api/keys/" + created.get("keyId").asText());
        assertThat(withCookies("GET", "/api/edges", cookies, null).statusCode()).isEqualTo(401);
    }

    @Test
    void theLiveFeedWantsCredentialsAndTheHubsOwnOrigin() throws Exception {
        URI feed = URI.create("ws://127.0.0.1:" + port + "/tracking");
        assertThat(handshakeStatus(client.newWebSocketBuilder(), feed)).isEqualTo(401);
        assertThat(handshakeStatus(client.newWebSocketBuilder().header(Services.API_KEY_HEADER, keyFor(Role.VIEWER))
                .header("Origin", "http://attacker.example"), feed)).isEqualTo(403);
        WebSocket withKey = client.newWebSocketBuilder().header(Services.API_KEY_HEADER, keyFor(Role.VIEWER))
                .buildAsync(feed, new WebSocket.Listener() { }).get(10, TimeUnit.SECONDS);
        withKey.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);

        HttpResponse<String> login = client.send(HttpRequest.newBuilder(uri("/api/session"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\": \"" + keyFor(Role.VIEWER) + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        String session = setCookie(login, "JSESSIONID");
        WebSocket withSession = client.newWebSocketBuilder().header("Cookie", session.substring(0, session.indexOf(';')))
                .header("Origin", "http://127.0.0.1:" + port)
                .buildAsync(feed, new WebSocket.Listener() { }).get(10, TimeUnit.SECONDS);
        withSession.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
    }

    @Test
    void repeatedFailedKeysFromOneAddressAreThrottled_otherAddressesAreNot() throws Exception {
        // Another loopback address than the rest of the suite's, which must stay unthrottled
        String attacker = "127.0.0.2";
        for (int attempt = 0; attempt < FAILED_ATTEMPTS; attempt++) {
            assertThat(statusFrom(attacker, "cvk_guess-" + attempt)).startsWith("HTTP/1.1 401");
        }
        assertThat(statusFrom(attacker, "cvk_guess-again")).startsWith("HTTP/1.1 429");
        assertThat(statusFrom(attacker, keyFor(Role.VIEWER))).as("even a right key, while blocked")
                .startsWith("HTTP/1.1 429");
        assertThat(send("GET", "/api/edges", keyFor(Role.VIEWER)).statusCode()).isEqualTo(200);
        assertThat(HubClient.audit(http, "unknown key", "authenticate").findValuesAsText("outcome"))
                .contains("address blocked after repeated failures");
    }

    private TreeSet<String> registeredEndpoints() {
        TreeSet<String> endpoints = new TreeSet<>();
        for (RestDefinition rest : camel.getCamelContextExtension().getContextPlugin(Model.class).getRestDefinitions()) {
            for (VerbDefinition verb : rest.getVerbs()) {
                String path = rest.getPath() + (verb.getPath() == null ? "" : verb.getPath());
                endpoints.add(verb.asVerb().toUpperCase() + " " + path);
            }
        }
        mvc.getHandlerMethods().keySet().forEach(mapping -> mapping.getPatternValues().stream()
                .filter(pattern -> pattern.startsWith("/api/") || pattern.startsWith("/v1/") || pattern.startsWith("/acp/"))
                .forEach(pattern -> mapping.getMethodsCondition().getMethods()
                        .forEach(method -> endpoints.add(method.name() + " " + pattern))));
        return endpoints;
    }

    /** A key of each role, made once through the API. */
    private synchronized String keyFor(Role role) {
        return KEYS.computeIfAbsent(role, r -> HubClient.postJson(http, "/api/keys",
                "{\"name\": \"security-it-" + r.apiName() + "\", \"role\": \"" + r.apiName() + "\"}")
                .getBody().get("key").asText());
    }

    private HttpResponse<String> send(String method, String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Accept", "application/json");
        if (key != null) {
            request.header(Services.API_KEY_HEADER, key);
        }
        if (method.equals("POST") || method.equals("PUT")) {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString("{}"));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> withCookies(String method, String path, String cookies, String csrfToken)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Cookie", cookies)
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (csrfToken != null) {
            request.header("X-XSRF-TOKEN", csrfToken);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String setCookie(HttpResponse<?> response, String name) {
        return response.headers().allValues("Set-Cookie").stream().filter(cookie -> cookie.startsWith(name + "="))
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + " cookie in " + response.headers()));
    }

    private static int handshakeStatus(WebSocket.Builder builder, URI feed) {
        List<Integer> status = new ArrayList<>();
        assertThatThrownBy(() -> builder.buildAsync(feed, new WebSocket.Listener() { }).join())
                .isInstanceOf(CompletionException.class)
                .satisfies(e -> status.add(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()));
        return status.get(0);
    }

    /** The status line the hub answers a request with {@code key} from the local address {@code source}. */
    private String statusFrom(String source, String key) throws Exception {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(source, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/edges HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + Services.API_KEY_HEADER + ": "
                    + key + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).lines().findFirst().orElse("");
        }
    }

    private Instant lastUsedAt(String keyId) {
        return jdbc.sql("SELECT last_used_at FROM api_keys WHERE key_id = :id").param("id", keyId)
                .query(java.time.OffsetDateTime.class).optional().map(java.time.OffsetDateTime::toInstant).orElse(null);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
