package caravan.edge;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Collections;
import java.util.Iterator;

import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/** Private keys as commissioning receives them: PEM or OpenSSH text, unencrypted (the hub encrypts them at rest). */
public final class SshKeys {

    private SshKeys() {
    }

    /** The key pair in {@code text}, or an {@link IllegalArgumentException} saying why there is none. */
    public static KeyPair parse(String text, String edgeId) {
        try {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null,
                    NamedResource.ofName("ssh.privateKey of edge " + edgeId),
                    new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), FilePasswordProvider.EMPTY);
            Iterator<KeyPair> keys = pairs == null ? Collections.emptyIterator() : pairs.iterator();
            if (keys.hasNext()) {
                return keys.next();
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("ssh.privateKey could not be read (" + e.getMessage() + "); give an "
                    + "unencrypted OpenSSH or PEM key: the hub encrypts it at rest", e);
        }
        throw new IllegalArgumentException("ssh.privateKey holds no key");
    }
}
