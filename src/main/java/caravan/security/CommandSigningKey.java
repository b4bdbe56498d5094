package caravan.security;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import caravan.deploy.SignedCommands;
import caravan.secrets.SecretBox;

/**
 * The key pair the hub signs agent commands with (EC P-256), made at first start and kept in the database with its
 * private half encrypted, so every hub sharing the database signs alike. Agents are given the public half at
 * install ({@code GET /api/edges/command-key}, or with an edge's credentials).
 */
@Component
public class CommandSigningKey {

    private static final Logger LOG = LoggerFactory.getLogger(CommandSigningKey.class);
    private static final String NAME = "command-signing";
    private static final String CONTEXT = "hub-key:" + NAME;

    private final ECPrivateKey privateKey;
    private final String publicPem;

    public CommandSigningKey(JdbcClient jdbc, SecretBox secrets) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair made = generator.generateKeyPair();
        // Another hub may make its own at the same moment: the first stored is the one every hub uses.
        int stored = jdbc.sql("INSERT INTO hub_keys (key_name, private_encrypted, public_pem, created_at) "
                        + "VALUES (:name, :private, :public, :now) ON CONFLICT DO NOTHING")
                .param("name", NAME)
                .param("private", secrets.encrypt(Base64.getEncoder().encodeToString(made.getPrivate().getEncoded()),
                        CONTEXT))
                .param("public", SignedCommands.pem((ECPublicKey) made.getPublic()))
                .param("now", OffsetDateTime.now(ZoneOffset.UTC))
                .update();
        if (stored == 1) {
            LOG.info("Made the hub's command-signing key; agents verify commands with its public half "
                    + "(GET /api/edges/command-key)");
        }
        record Stored(String privateEncrypted, String publicPem) {
        }
        Stored key = jdbc.sql("SELECT private_encrypted, public_pem FROM hub_keys WHERE key_name = :name")
                .param("name", NAME).query(Stored.class).single();
        this.privateKey = (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
                Base64.getDecoder().decode(secrets.decrypt(key.privateEncrypted(), CONTEXT))));
        this.publicPem = key.publicPem();
    }

    /** The command for {@code edgeId}, its pull credentials sealed with {@code edgeSecret}, signed, expiring after {@code ttl}. */
    public String sign(String edgeId, String edgeSecret, String commandJson, Duration ttl) {
        return SignedCommands.sign(privateKey, edgeId, edgeSecret, commandJson, Instant.now(), ttl);
    }

    public String publicPem() {
        return publicPem;
    }
}
