package caravan.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import org.junit.jupiter.api.Test;

class SignedCommandsTest {

    static final String EDGE = "edge-7";
    static final String SECRET = "the-edge-credential";
    static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    static final String DEPLOY = "{\"type\": \"deploy\", \"commandId\": \"c-1\", \"deployment\": {\"deploymentId\": "
            + "\"c-1\"}, \"registryAuth\": {\"serverAddress\": \"registry:5000\", \"username\": \"pull\", "
            + "\"password\": \"s3cret-pull-password\"}}";

    final KeyPair hub = keyPair();

    @Test
    void theHubsCommandForThisEdgeIsTakenWithItsPullCredentialsOpened_whichTravelledSealed() throws Exception {
        String signed = sign(hub, EDGE, DEPLOY, Duration.ofMinutes(10));

        assertThat(decodedParts(signed)).doesNotContain("s3cret-pull-password").contains("sealedRegistryAuth");
        String command = SignedCommands.verify(publicKey(hub), EDGE, SECRET, signed, NOW.plusSeconds(30));
        assertThat(command).contains("\"password\":\"s3cret-pull-password\"").doesNotContain("sealedRegistryAuth");
        assertThat(SignedCommands.publicKey(SignedCommands.pem(publicKey(hub)))).isEqualTo(publicKey(hub));
    }

    @Test
    void whatIsNotTheHubsOrNotForNowOrNotForThisEdgeIsRefusedWithItsReason() {
        String container = "{\"type\": \"container\", \"commandId\": \"c-2\", \"action\": \"stop\"}";
        String signed = sign(hub, EDGE, container, Duration.ofMinutes(10));
        String[] parts = signed.split("\\.");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                decoded(parts[1]).replace("stop", "remove").getBytes(StandardCharsets.UTF_8)) + "." + parts[2];

        assertRefused(container, "unsigned");
        assertRefused(tampered, "bad-signature");
        assertRefused(sign(keyPair(), EDGE, container, Duration.ofMinutes(10)), "bad-signature");
        assertRefused(sign(hub, "edge-8", container, Duration.ofMinutes(10)), "wrong-edge");
        assertRefused(sign(hub, EDGE, container, Duration.ofMinutes(-2)), "expired");
    }

    @Test
    void pullCredentialsSealedToAnotherEdgeOrToNoneAreRefused() throws Exception {
        String signed = sign(hub, EDGE, DEPLOY, Duration.ofMinutes(10));

        assertThatThrownBy(() -> SignedCommands.verify(publicKey(hub), EDGE, "another-credential", signed, NOW))
                .isInstanceOfSatisfying(CommandRefusedException.class, e -> {
                    assertThat(e.reason()).isEqualTo("sealed");
                    assertThat(e.commandId()).isEqualTo("c-1");
                });
        assertThatThrownBy(() -> SignedCommands.verify(publicKey(hub), EDGE, null, signed, NOW))
                .hasMessageContaining("the agent was given none");
        assertThatThrownBy(() -> SignedCommands.sign((ECPrivateKey) hub.getPrivate(), EDGE, null, DEPLOY, NOW,
                Duration.ofMinutes(1))).hasMessageContaining("POST /api/edges/edge-7/credentials");
    }

    private void assertRefused(String message, String reason) {
        assertThatThrownBy(() -> SignedCommands.verify(publicKey(hub), EDGE, SECRET, message, NOW))
                .isInstanceOfSatisfying(CommandRefusedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    private static String sign(KeyPair keys, String edgeId, String command, Duration ttl) {
        return SignedCommands.sign((ECPrivateKey) keys.getPrivate(), edgeId, SECRET, command, NOW, ttl);
    }

    private static String decodedParts(String jws) {
        String[] parts = jws.split("\\.");
        return decoded(parts[0]) + decoded(parts[1]);
    }

    private static String decoded(String part) {
        return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
    }

    private static ECPublicKey publicKey(KeyPair keys) {
        return (ECPublicKey) keys.getPublic();
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
