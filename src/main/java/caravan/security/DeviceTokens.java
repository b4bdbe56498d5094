package caravan.security;

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

/**
 * Each streaming device's own token: 32 random bytes, shown once when issued, stored as its SHA-256 (looked up by it,
 * so a device is known by its token alone, before anything it sends is read). Issuing again replaces it at once.
 */
@Component
public class DeviceTokens {

    /** What the device's installer is given, once. */
    public record IssuedToken(String deviceId, String deviceToken) {

        @Override
        public String toString() {
            return "IssuedToken[" + deviceId + "]"; // never the token
        }
    }

    static final String PREFIX = "cvd_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final JdbcClient jdbc;

    public DeviceTokens(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional
    public IssuedToken issue(String deviceId, String actor) {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        jdbc.sql("DELETE FROM device_tokens WHERE edge_id = :edge").param("edge", deviceId).update();
        jdbc.sql("INSERT INTO device_tokens (edge_id, token_hash, issued_at, issued_by) VALUES (:edge, :hash, :now, :actor)")
                .param("edge", deviceId).param("hash", ApiKeys.hash(token))
                .param("now", OffsetDateTime.now(ZoneOffset.UTC)).param("actor", actor).update();
        return new IssuedToken(deviceId, token);
    }

    /** Revokes the device's token at once; its open stream is ended by the hub holding it. */
    public Map<String, Object> revoke(String deviceId) {
        if (jdbc.sql("DELETE FROM device_tokens WHERE edge_id = :edge").param("edge", deviceId).update() == 0) {
            throw new NotFoundException("device " + deviceId + " has no token");
        }
        return Map.of("edgeId", deviceId, "revoked", true);
    }

    public boolean hasToken(String deviceId) {
        return jdbc.sql("SELECT COUNT(*) FROM device_tokens WHERE edge_id = :edge").param("edge", deviceId)
                .query(Integer.class).single() > 0;
    }

    /** The device a token belongs to; empty for anything else, an operator's key included. */
    public Optional<String> deviceOf(String token) {
        if (token == null || !token.startsWith(PREFIX)) {
            return Optional.empty();
        }
        return jdbc.sql("SELECT edge_id FROM device_tokens WHERE token_hash = :hash").param("hash", ApiKeys.hash(token))
                .query(String.class).optional();
    }
}
