package caravan.edge;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * An SSH host public key as {@code ssh-keyscan} or {@code /etc/ssh/ssh_host_*_key.pub} give it: {@code type base64
 * [comment]}. The blob must name the same type. Its fingerprint is OpenSSH's: SHA256 of the blob, base64 unpadded.
 */
public record SshHostKey(String type, byte[] blob) {

    static final List<String> TYPES = List.of("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa");

    /** The key, or null when {@code line} is not an OpenSSH public key line of a supported type. */
    public static SshHostKey parse(String line) {
        String[] parts = line == null ? new String[0] : line.trim().split("\\s+");
        if (parts.length < 2 || !TYPES.contains(parts[0])) {
            return null;
        }
        try {
            byte[] blob = Base64.getDecoder().decode(parts[1]);
            ByteBuffer buffer = ByteBuffer.wrap(blob);
            int length = buffer.getInt();
            if (length <= 0 || length > blob.length - 4) {
                return null;
            }
            String embedded = new String(blob, 4, length, StandardCharsets.US_ASCII);
            return embedded.equals(parts[0]) ? new SshHostKey(parts[0], blob) : null;
        } catch (IllegalArgumentException | BufferUnderflowException e) {
            return null;
        }
    }

    /** Whether {@code other} is the same key: the blobs, which name the key type, are equal. */
    public boolean sameKey(SshHostKey other) {
        return other != null && Arrays.equals(blob, other.blob);
    }

    public String fingerprint() {
        try {
            return "SHA256:" + Base64.getEncoder().withoutPadding()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(blob));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The line as stored and later matched against what the edge presents. */
    public String line() {
        return type + " " + Base64.getEncoder().encodeToString(blob);
    }
}
