package caravan.security;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code api_keys} table: managed keys, by the SHA-256 of their secret. */
@Repository
public class ApiKeyStore {

    /** A stored key, never with its secret. */
    public record StoredKey(String keyId, String name, String role, Instant createdAt, String createdBy,
            Instant expiresAt, Instant lastUsedAt, Instant revokedAt) {
    }

    private final JdbcClient jdbc;

    public ApiKeyStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void insert(StoredKey key, String secretHash) {
        jdbc.sql("""
                INSERT INTO api_keys (key_id, name, role, secret_hash, created_at, created_by, expires_at)
                VALUES (:id, :name, :role, :hash, :createdAt, :createdBy, :expiresAt)""")
                .param("id", key.keyId()).param("name", key.name()).param("role", key.role())
                .param("hash", secretHash).param("createdAt", utc(key.createdAt()))
                .param("createdBy", key.createdBy()).param("expiresAt", utc(key.expiresAt()))
                .update();
    }

    public Optional<StoredKey> bySecretHash(String secretHash) {
        return jdbc.sql("SELECT * FROM api_keys WHERE secret_hash = :hash").param("hash", secretHash)
                .query(ApiKeyStore::map).optional();
    }

    public List<StoredKey> all() {
        return jdbc.sql("SELECT * FROM api_keys ORDER BY created_at").query(ApiKeyStore::map).list();
    }

    public Optional<StoredKey> byId(String keyId) {
        return jdbc.sql("SELECT * FROM api_keys WHERE key_id = :id").param("id", keyId)
                .query(ApiKeyStore::map).optional();
    }

    /** Revokes the key now, if it was not already; false when there is no such key. */
    public boolean revoke(String keyId, Instant at) {
        jdbc.sql("UPDATE api_keys SET revoked_at = :at WHERE key_id = :id AND revoked_at IS NULL")
                .param("at", utc(at)).param("id", keyId).update();
        return byId(keyId).isPresent();
    }

    /** Records a use, at most once a minute per key: the listing says when a key was last used, not every request. */
    public void used(String keyId, Instant at) {
        jdbc.sql("""
                UPDATE api_keys SET last_used_at = :at
                WHERE key_id = :id AND (last_used_at IS NULL OR last_used_at < :minuteBefore)""")
                .param("at", utc(at)).param("id", keyId).param("minuteBefore", utc(at.minusSeconds(60))).update();
    }

    public boolean anyUsableAdminKey(Instant now) {
        return jdbc.sql("""
                SELECT COUNT(*) FROM api_keys
                WHERE role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > :now)""")
                .param("now", utc(now)).query(Long.class).single() > 0;
    }

    private static OffsetDateTime utc(Instant at) {
        return at == null ? null : at.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static StoredKey map(ResultSet rs, int row) throws SQLException {
        return new StoredKey(rs.getString("key_id"), rs.getString("name"), rs.getString("role"),
                instant(rs, "created_at"), rs.getString("created_by"), instant(rs, "expires_at"),
                instant(rs, "last_used_at"), instant(rs, "revoked_at"));
    }
}
