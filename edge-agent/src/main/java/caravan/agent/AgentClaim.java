package caravan.agent;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import caravan.deploy.ClaimCode;
import caravan.deploy.TrustedCa;

/**
 * How an agent started without a credential gets one: it shows a one-time claim code (in its log, and in
 * {@code claim-code} in its state directory), announces it to the hub with the hash of a secret it never shows
 * ({@code claim-secret}), and asks, every few seconds, whether an operator has claimed it
 * ({@code POST /api/edges/claim}). Once claimed it collects, with its secret, its edge id, credential and the hub's
 * command key, and keeps them in {@code claimed} (mode 0600) for every later start. Whoever reads the code cannot
 * collect the credential: only this device has the secret.
 */
final class AgentClaim {

    /** What a claim hands the agent. */
    record Claimed(String edgeId, String username, String password, String commandKey) {

        @Override
        public String toString() {
            return "Claimed[" + edgeId + "]"; // never the password
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(AgentClaim.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path stateDir;
    private final URI hub;
    private final HttpClient http;
    private final Duration pollInterval;

    /** @param allowHttp a hub on plain HTTP is refused unless this says the network between them is trusted */
    AgentClaim(Path stateDir, String hubUrl, String hubCa, boolean allowHttp, Duration pollInterval) {
        this.stateDir = stateDir;
        this.hub = URI.create(hubUrl.endsWith("/") ? hubUrl : hubUrl + "/");
        if (!"https".equals(hub.getScheme()) && !allowHttp) {
            throw new IllegalStateException("caravan.agent.hub-url " + hubUrl + " is not https: the credential would "
                    + "cross the network readable. Use https, or set CARAVAN_AGENT_HUB_ALLOW_HTTP=true on a network "
                    + "you trust");
        }
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (hubCa != null && !hubCa.isBlank()) {
            builder.sslContext(TrustedCa.sslContext(Path.of(hubCa)));
        }
        this.http = builder.build();
        this.pollInterval = pollInterval;
    }

    /** What an earlier claim handed this agent, if it was claimed. */
    static Claimed stored(Path stateDir) throws IOException {
        Path file = stateDir.resolve("claimed");
        if (!Files.exists(file)) {
            return null;
        }
        Properties lines = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            lines.load(reader);
        }
        return new Claimed(lines.getProperty("edge-id"), lines.getProperty("username"), lines.getProperty("password"),
                lines.getProperty("command-key"));
    }

    /** Waits until an operator claims this device, then keeps and returns what the hub handed it. */
    Claimed awaitClaim() throws IOException, InterruptedException {
        String code = privateFile("claim-code", ClaimCode::generate);
        String secret = privateFile("claim-secret", AgentClaim::newSecret);
        LOG.warn("This edge has no credential. Claim it with code {} (POST /api/edges/claim with an operator's key; "
                + "the code is also in {})", code, stateDir.resolve("claim-code"));
        boolean announced = false;
        while (true) {
            try {
                if (!announced) {
                    HttpResponse<String> answer = post("api/claims", Map.of("code", code, "verifier", ClaimCode.sha256(secret),
                            "agentVersion", EdgeAgent.version()));
                    if (answer.statusCode() != 200) {
                        throw new IllegalStateException("the hub refused this edge's claim code (HTTP "
                                + answer.statusCode() + "): " + answer.body() + "; remove "
                                + stateDir.resolve("claim-code") + " and restart the agent for a new one");
                    }
                    announced = true;
                }
                HttpResponse<String> answer = post("api/claims/collect", Map.of("code", code, "secret", secret));
                if (answer.statusCode() == 200) {
                    return keep(MAPPER.readTree(answer.body()));
                } else if (answer.statusCode() == 404) {
                    announced = false; // the hub lost it (expired, or its database was reset): announce it again
                } else if (answer.statusCode() != 202) {
                    throw new IllegalStateException("the hub refused this edge's claim (HTTP " + answer.statusCode()
                            + "): " + answer.body() + "; remove " + stateDir.resolve("claim-code")
                            + " and restart the agent for a new code");
                }
            } catch (IOException e) {
                LOG.warn("Claim: the hub at {} is not reachable ({}); trying again", hub, e.getMessage());
            }
            Thread.sleep(pollInterval.toMillis());
        }
    }

    private HttpResponse<String> post(String path, Map<String, String> fields) throws IOException, InterruptedException {
        String body = MAPPER.writeValueAsString(fields);
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(hub.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() >= 500) {
            throw new IOException("HTTP " + answer.statusCode() + " from " + path);
        }
        return answer;
    }

    /** Made once and kept (the code, the secret), so a restart while it waits announces the same. */
    private String privateFile(String name, Supplier<String> made) throws IOException {
        Path file = stateDir.resolve(name);
        if (Files.exists(file)) {
            return Files.readString(file).strip();
        }
        String value = made.get();
        writePrivate(file, value + "\n");
        return value;
    }

    private static String newSecret() {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private Claimed keep(JsonNode answer) throws IOException {
        Claimed claimed = new Claimed(answer.path("edgeId").asText(), answer.path("username").asText(),
                answer.path("password").asText(), answer.path("commandKey").asText());
        Properties lines = new Properties();
        lines.setProperty("edge-id", claimed.edgeId());
        lines.setProperty("username", claimed.username());
        lines.setProperty("password", claimed.password());
        lines.setProperty("command-key", claimed.commandKey());
        try (Writer out = new StringWriter()) {
            lines.store(out, "Handed to this agent when it was claimed; only the agent may read it");
            writePrivate(stateDir.resolve("claimed"), out.toString());
        }
        Files.deleteIfExists(stateDir.resolve("claim-code"));
        Files.deleteIfExists(stateDir.resolve("claim-secret"));
        LOG.info("Claimed as edge {}", claimed.edgeId());
        return claimed;
    }

    /** Written whole (a temporary file renamed over it) and readable by the agent's user only. */
    private void writePrivate(Path file, String content) throws IOException {
        Files.createDirectories(stateDir);
        Path temporary = Files.createTempFile(stateDir, file.getFileName().toString(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temporary, content);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
