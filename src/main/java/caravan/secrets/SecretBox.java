package caravan.secrets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Encrypts secrets for storage with AES-256-GCM. Each value is bound to what it belongs to (its context, e.g. the
 * edge id), so a stored value copied to another row does not decrypt there.
 */
@Component
public class SecretBox {

    private static final Logger LOG = LoggerFactory.getLogger(SecretBox.class);
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    public SecretBox(SecretsProperties properties) {
        this.key = new SecretKeySpec(keyBytes(properties), "AES");
    }

    /** Base64 of IV and ciphertext. */
    public String encrypt(String plaintext, String context) {
        try {
            byte[] iv = new byte[IV_BYTES];
            random.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] stored = new byte[IV_BYTES + sealed.length];
            System.arraycopy(iv, 0, stored, 0, IV_BYTES);
            System.arraycopy(sealed, 0, stored, IV_BYTES, sealed.length);
            return Base64.getEncoder().encodeToString(stored);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not encrypt a secret", e);
        }
    }

    public String decrypt(String stored, String context) {
        try {
            byte[] bytes = Base64.getDecoder().decode(stored);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, IV_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(bytes, IV_BYTES, bytes.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("a stored secret does not decrypt with caravan.secrets.key: was the key "
                    + "changed?", e);
        }
    }

    private static byte[] keyBytes(SecretsProperties properties) {
        if (properties.key() != null && !properties.key().isBlank()) {
            byte[] key = Base64.getDecoder().decode(properties.key().trim());
            if (key.length != 32) {
                throw new IllegalArgumentException("caravan.secrets.key must be base64 of 32 bytes, not " + key.length
                        + ": make one with openssl rand -base64 32");
            }
            return key;
        }
        return keyFromFile(properties.keyFile(), properties.required());
    }

    private static byte[] keyFromFile(Path file, boolean required) {
        try {
            if (Files.exists(file)) {
                return Base64.getDecoder().decode(Files.readString(file).trim());
            }
            if (required) {
                throw new IllegalStateException("no secrets key: set CARAVAN_SECRETS_KEY (base64 of 32 bytes, e.g. "
                        + "openssl rand -base64 32), or CARAVAN_SECRETS_KEY_FILE to a file holding it, such as a "
                        + "docker-compose secret (" + file + " does not exist). The prod profile generates none: a "
                        + "key kept beside the data it protects protects nothing");
            }
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(Files.createFile(file, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------"))), Base64.getEncoder().encodeToString(key));
            LOG.warn("No caravan.secrets.key set: generated one in {}. Back it up with the database; without it the "
                    + "stored edge credentials cannot be read", file.toAbsolutePath());
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read or create the secrets key file " + file, e);
        }
    }
}
