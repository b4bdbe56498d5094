package caravan.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import caravan.api.NotFoundException;
import caravan.deploy.MqttLogin;
import caravan.mqtt.EdgeLogins;
import caravan.mqtt.MqttBroker;
import caravan.secrets.SecretBox;

/**
 * Each agent edge's own credential, issued by an admin and shown once: its broker login (username: the edge id) and
 * the key that what the hub sends to it alone is sealed with. Issuing again replaces it at once; the broker is told
 * either way, in the same transaction, so the database and the broker never disagree on who may log in.
 */
@Component
public class EdgeCredentials implements EdgeLogins {

    /** What the edge's installer is given, once. */
    public record Issued(String edgeId, String username, String password, String commandKey) {

        @Override
        public String toString() {
            return "Issued[" + edgeId + "]"; // never the password
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final JdbcClient jdbc;
    private final SecretBox secrets;
    private final CommandSigningKey signingKey;
    private final MqttBroker broker;

    public EdgeCredentials(JdbcClient jdbc, SecretBox secrets, CommandSigningKey signingKey, MqttBroker broker) {
        this.broker = broker;
        this.jdbc = jdbc;
        this.secrets = secrets;
        this.signingKey = signingKey;
    }

    @Transactional
    public Issued issue(String edgeId, String actor) {
        if (jdbc.sql("SELECT COUNT(*) FROM edges WHERE edge_id = :edge").param("edge", edgeId).query(Integer.class)
                .single() == 0) {
            throw new NotFoundException("no edge " + edgeId + ": register it with PUT /api/edges/" + edgeId);
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        jdbc.sql("DELETE FROM edge_credentials WHERE edge_id = :edge").param("edge", edgeId).update();
        jdbc.sql("INSERT INTO edge_credentials (edge_id, username, secret_hash, secret_encrypted, issued_at, issued_by) "
                        + "VALUES (:edge, :edge, :hash, :encrypted, :now, :actor)")
                .param("edge", edgeId).param("hash", ApiKeys.hash(secret))
                .param("encrypted", secrets.encrypt(secret, context(edgeId)))
                .param("now", OffsetDateTime.now(ZoneOffset.UTC)).param("actor", actor)
                .update();
        broker.accounts().issued(edgeId, secret);
        return new Issued(edgeId, edgeId, secret, signingKey.publicPem());
    }

    /** Revokes the edge's credential at once: the broker lets it in no more, and drops it if it is connected. */
    @Transactional
    public Map<String, Object> revoke(String edgeId) {
        if (jdbc.sql("DELETE FROM edge_credentials WHERE edge_id = :edge").param("edge", edgeId).update() == 0) {
            throw new NotFoundException("edge " + edgeId + " has no credential");
        }
        broker.accounts().revoked(edgeId);
        return Map.of("edgeId", edgeId, "revoked", true);
    }

    @Override
    public boolean verify(String edgeId, String password) {
        return jdbc.sql("SELECT secret_hash FROM edge_credentials WHERE edge_id = :edge").param("edge", edgeId)
                .query(String.class).optional()
                .map(hash -> MessageDigest.isEqual(hash.getBytes(StandardCharsets.US_ASCII),
                        ApiKeys.hash(password).getBytes(StandardCharsets.US_ASCII)))
                .orElse(false);
    }

    /** What agents verify commands with. */
    public Map<String, String> commandKey() {
        return Map.of("algorithm", "ES256", "publicKey", signingKey.publicPem());
    }

    /**
     * The edge's broker login, for an agentless edge whose provider the hub starts itself: issued now if it has none
     * (nobody else needs to see it).
     */
    @Transactional
    public MqttLogin loginFor(String edgeId) {
        return new MqttLogin(edgeId, secret(edgeId).orElseGet(() -> issue(edgeId, "the hub, deploying over SSH")
                .password()));
    }

    /** The edge's credential, for sealing what only it may read; empty when none was issued. */
    public Optional<String> secret(String edgeId) {
        return jdbc.sql("SELECT secret_encrypted FROM edge_credentials WHERE edge_id = :edge").param("edge", edgeId)
                .query(String.class).optional().map(encrypted -> secrets.decrypt(encrypted, context(edgeId)));
    }

    private static String context(String edgeId) {
        return "edge-credential:" + edgeId;
    }
}
