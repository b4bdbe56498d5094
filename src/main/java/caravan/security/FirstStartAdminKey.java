package caravan.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

import jakarta.annotation.PostConstruct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Secure by default: a hub with no {@code CARAVAN_API_KEYS} and no usable admin key in its database makes one on
 * start, writes it to {@code caravan.security.admin-key-file} (0600) and says so once. Nothing is ever served open.
 */
@Component
public class FirstStartAdminKey {

    private static final Logger log = LoggerFactory.getLogger(FirstStartAdminKey.class);
    static final String NAME = "first-start admin";

    private final ApiKeys keys;
    private final Path file;

    public FirstStartAdminKey(ApiKeys keys, SecurityProperties properties) {
        this.keys = keys;
        this.file = properties.adminKeyFile().toAbsolutePath().normalize();
    }

    @PostConstruct
    void createWhenNoneIsUsable() {
        if (keys.bootstrapKeysConfigured() || keys.anyUsableAdminKey()) {
            return;
        }
        ApiKeys.CreatedKey created = keys.create(NAME, Role.ADMIN, null, "the hub, on first start");
        try {
            Files.createDirectories(file.getParent());
            Path written = Files.createTempFile(file.getParent(), ".admin", ".key",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(written, created.key() + "\n");
            Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            keys.revoke(created.keyId());
            throw new UncheckedIOException("cannot write the first admin key to " + file + "; set CARAVAN_API_KEYS"
                    + " or make the data directory writable", e);
        }
        log.warn("No API key was configured: created an admin key and wrote it to {} (readable by this user only)."
                + " Present it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>', or log in with it at /login.html;"
                + " make keys for others with POST /api/keys", file);
    }
}
