package caravan.security;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.stereotype.Service;

import caravan.api.InputRejectedException;
import caravan.api.NotFoundException;
import caravan.deploy.ClaimCode;
import caravan.security.ApiKeyStore.StoredKey;

/**
 * Operators' API keys: the bootstrap admin keys of {@code CARAVAN_API_KEYS} and the managed keys of {@code /api/keys}.
 * A key is 32 random bytes; only its SHA-256 is stored (a random key needs no slow hash: there is nothing to guess).
 */
@Service
public class ApiKeys {

    /** A new key as {@code POST /api/keys} answers it: the only time its secret is shown. */
    public record CreatedKey(String keyId, String name, String role, Instant expiresAt, String key) {
    }

    /** A key as {@code GET /api/keys} lists it. */
    public record KeyView(String keyId, String name, String role, Instant createdAt, String createdBy,
            Instant expiresAt, Instant lastUsedAt, Instant revokedAt) {

        static KeyView of(StoredKey key) {
            return new KeyView(key.keyId(), key.name(), key.role(), key.createdAt(), key.createdBy(), key.expiresAt(),
                    key.lastUsedAt(), key.revokedAt());
        }
    }

    /** {@code POST /api/keys}: {@code expiresAt} an ISO-8601 instant, absent for a key that does not expire. */
    public record KeyRequest(String name, String role, String expiresAt) {
    }

    /** What a presented key turned out to be: a principal, or why it was refused and whose it was, if known. */
    public record Verdict(ApiKeyPrincipal principal, String refusal, String claimedBy) {

        public boolean accepted() {
            return principal != null;
        }
    }

    private static final String PREFIX = "cvk_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ApiKeyStore store;
    private final List<byte[]> bootstrapHashes;

    public ApiKeys(ApiKeyStore store, SecurityProperties properties) {
        this.store = store;
        this.bootstrapHashes = properties.apiKeys().stream().map(String::trim).filter(key -> !key.isEmpty())
                .map(key -> HexFormat.of().parseHex(hash(key))).toList();
    }

    public boolean bootstrapKeysConfigured() {
        return !bootstrapHashes.isEmpty();
    }

    public Verdict verify(String presented) {
        String hash = hash(presented);
        byte[] hashBytes = HexFormat.of().parseHex(hash);
        for (int i = 0; i < bootstrapHashes.size(); i++) {
            if (MessageDigest.isEqual(bootstrapHashes.get(i), hashBytes)) {
                return new Verdict(new ApiKeyPrincipal(null, "CARAVAN_API_KEYS[" + i + "]", Role.ADMIN), null, null);
            }
        }
        Optional<StoredKey> found = store.bySecretHash(hash);
        if (found.isEmpty()) {
            return new Verdict(null, "unknown key", "unknown key");
        }
        StoredKey key = found.get();
        Instant now = Instant.now();
        String refusal = refusal(key, now);
        if (refusal != null) {
            return new Verdict(null, refusal, key.name());
        }
        store.used(key.keyId(), now);
        return new Verdict(new ApiKeyPrincipal(key.keyId(), key.name(), Role.fromApiName(key.role())), null, null);
    }

    /** A bootstrap key stays usable; a managed one until it is revoked or expires. */
    public boolean stillUsable(ApiKeyPrincipal principal) {
        return principal.keyId() == null || store.byId(principal.keyId())
                .filter(key -> refusal(key, Instant.now()) == null).isPresent();
    }

    /** Why a stored key may not be used now; null when it may. */
    private static String refusal(StoredKey key, Instant now) {
        if (key.revokedAt() != null) {
            return "key revoked";
        }
        return key.expiresAt() != null && !key.expiresAt().isAfter(now) ? "key expired" : null;
    }

    /** Makes a key; every problem with the request is named at once. */
    public CreatedKey create(KeyRequest request, String createdBy) {
        List<String> problems = new ArrayList<>();
        String name = request.name() == null ? "" : request.name().trim();
        if (name.isEmpty() || name.length() > 255) {
            problems.add("name is required, at most 255 characters");
        }
        Role role = Role.fromApiName(request.role());
        if (role == null) {
            problems.add("role must be one of viewer, operator, admin");
        }
        Instant expiresAt = null;
        if (request.expiresAt() != null && !request.expiresAt().isBlank()) {
            try {
                expiresAt = Instant.parse(request.expiresAt());
                if (!expiresAt.isAfter(Instant.now())) {
                    problems.add("expiresAt must be in the future");
                }
            } catch (DateTimeParseException e) {
                problems.add("expiresAt must be an ISO-8601 time such as 2027-01-31T00:00:00Z");
            }
        }
        if (!problems.isEmpty()) {
            throw new InputRejectedException(problems);
        }
        return create(name, role, expiresAt, createdBy);
    }

    CreatedKey create(String name, Role role, Instant expiresAt, String createdBy) {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        String keyId = UUID.randomUUID().toString();
        store.insert(new StoredKey(keyId, name, role.apiName(), Instant.now(), createdBy, expiresAt, null, null),
                hash(secret));
        return new CreatedKey(keyId, name, role.apiName(), expiresAt, secret);
    }

    public List<KeyView> list() {
        return store.all().stream().map(KeyView::of).toList();
    }

    /** Revokes at once: the next request with the key is refused. */
    public KeyView revoke(String keyId) {
        if (!store.revoke(keyId, Instant.now())) {
            throw new NotFoundException("no key " + keyId);
        }
        return KeyView.of(store.byId(keyId).orElseThrow());
    }

    boolean anyUsableAdminKey() {
        return store.anyUsableAdminKey(Instant.now());
    }

    static String hash(String secret) {
        return ClaimCode.sha256(secret);
    }
}
