package caravan.testing;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import caravan.deploy.SignedCommands;

/**
 * For tests that play the hub toward a real agent: a command-signing key pair and an edge credential of their own,
 * and the environment that installs both on the agent.
 */
public final class TestCommandSigner {

    private final KeyPair keys;
    private final String edgeSecret = "test-edge-secret-" + UUID.randomUUID();

    public TestCommandSigner() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            keys = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The edge's credential: the agent's broker password, and what its pull credentials are sealed with. */
    public String edgeSecret() {
        return edgeSecret;
    }

    /** The agent's settings: this signer's public key, and the edge's credential (user name: the edge id). */
    public Map<String, String> agentEnvironment() {
        return Map.of("CARAVAN_AGENT_COMMAND_KEY", SignedCommands.pem((ECPublicKey) keys.getPublic()),
                "CARAVAN_AGENT_MQTT_PASSWORD", edgeSecret);
    }

    /** The command as the hub sends it: pull credentials sealed, signed, valid for ten minutes. */
    public String sign(String edgeId, String commandJson) {
        return SignedCommands.sign((ECPrivateKey) keys.getPrivate(), edgeId, edgeSecret, commandJson, Instant.now(),
                Duration.ofMinutes(10));
    }
}
