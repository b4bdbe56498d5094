package caravan.deploy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.text.ParseException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.DirectDecrypter;
import com.nimbusds.jose.crypto.DirectEncrypter;

/**
 * A secret only one edge can read: a JWE (direct AES-256-GCM) under a key derived from that edge's own credential,
 * which only it and the hub hold. What a command carries for the edge alone (its registry pull credentials) goes
 * through the broker this way, so neither other subscribers nor the broker's persistence can read it.
 */
public final class EdgeSeal {

    private static final String KEY_PURPOSE = "caravan edge seal v1";

    private EdgeSeal() {
    }

    public static String seal(String edgeSecret, String plaintext) {
        try {
            JWEObject jwe = new JWEObject(new JWEHeader(JWEAlgorithm.DIR, EncryptionMethod.A256GCM),
                    new Payload(plaintext));
            jwe.encrypt(new DirectEncrypter(key(edgeSecret)));
            return jwe.serialize();
        } catch (JOSEException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal for the edge: " + e.getMessage(), e);
        }
    }

    /** @throws GeneralSecurityException when it was not sealed with this edge's credential, or was altered */
    public static String open(String edgeSecret, String sealed) throws GeneralSecurityException {
        try {
            JWEObject jwe = JWEObject.parse(sealed);
            jwe.decrypt(new DirectDecrypter(key(edgeSecret)));
            return jwe.getPayload().toString();
        } catch (ParseException | JOSEException e) {
            throw new GeneralSecurityException("not sealed for this edge: " + e.getMessage(), e);
        }
    }

    /** A key for this purpose alone (HMAC-SHA256 of the credential), not the credential itself. */
    private static SecretKeySpec key(String edgeSecret) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(edgeSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return new SecretKeySpec(mac.doFinal(KEY_PURPOSE.getBytes(StandardCharsets.UTF_8)), "AES");
    }
}
