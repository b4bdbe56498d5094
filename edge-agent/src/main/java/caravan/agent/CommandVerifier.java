package caravan.agent;

import java.security.interfaces.ECPublicKey;
import java.time.Instant;

import caravan.deploy.CommandRefusedException;
import caravan.deploy.MqttLogin;
import caravan.deploy.SignedCommands;

/**
 * The first step for every command: it must be the hub's (signed with the key given at install), for this edge and
 * not expired; the registry credentials the hub sealed to this edge are opened here, in memory.
 */
public class CommandVerifier {

    private final ECPublicKey hubKey;
    private final String edgeId;
    private final MqttLogin credentials;

    public CommandVerifier(ECPublicKey hubKey, String edgeId, MqttLogin credentials) {
        this.hubKey = hubKey;
        this.edgeId = edgeId;
        this.credentials = credentials;
    }

    /** The command JSON as the hub made it. */
    public String verify(String message) throws CommandRefusedException {
        return SignedCommands.verify(hubKey, edgeId, credentials == null ? null : credentials.password(), message,
                Instant.now());
    }
}
