package caravan.deploy;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Commands as they cross the broker: a JWS (ES256) whose claims name the edge ({@code sub}), the command id
 * ({@code jti}), when it was issued and when it expires, with the command itself in {@code command}. The hub signs
 * with its private key and the agent checks with the public key it was given at install, so a broker client that is
 * not the hub cannot make an agent do anything, nor replay the hub's command to another edge or after it expired.
 * What a command carries for the edge alone travels sealed to it: its pull credentials ({@code registryAuth} as
 * {@code sealedRegistryAuth}) and a workload operation's arguments, which may hold secret environment
 * ({@code workload} as {@code sealedWorkload}).
 */
public final class SignedCommands {

    static final String COMMAND_CLAIM = "command";
    /** Each field sealed to the edge, and the name it travels under. */
    private static final Map<String, String> SEALED = Map.of("registryAuth", "sealedRegistryAuth",
            "workload", "sealedWorkload");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JWSAlgorithm ALGORITHM = JWSAlgorithm.ES256;
    /** How far the agent's clock may be behind the hub's before a fresh command looks expired. */
    private static final Duration CLOCK_SKEW = Duration.ofSeconds(60);
    private static final String PEM_BEGIN = "-----BEGIN PUBLIC KEY-----";
    private static final String PEM_END = "-----END PUBLIC KEY-----";

    private SignedCommands() {
    }

    /**
     * The command for {@code edgeId}, its pull credentials sealed with the edge's credential, signed, expiring
     * {@code ttl} after {@code now}.
     *
     * @param edgeSecret the edge's credential; may be null for a command without pull credentials
     */
    public static String sign(ECPrivateKey key, String edgeId, String edgeSecret, String commandJson, Instant now,
            Duration ttl) {
        try {
            ObjectNode command = (ObjectNode) JSON.readTree(commandJson);
            for (Map.Entry<String, String> field : SEALED.entrySet()) {
                JsonNode secret = command.remove(field.getKey());
                if (secret != null) {
                    if (edgeSecret == null) {
                        throw new IllegalStateException("edge " + edgeId + " has no credential to seal the command's "
                                + field.getKey() + " to: issue one with POST /api/edges/" + edgeId + "/credentials "
                                + "and give it to its agent");
                    }
                    command.put(field.getValue(), EdgeSeal.seal(edgeSecret, secret.toString()));
                }
            }
            JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(edgeId).jwtID(command.path("commandId").asText())
                    .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(ttl)))
                    .claim(COMMAND_CLAIM, JSONObjectUtils.parse(command.toString())).build();
            SignedJWT jwt = new SignedJWT(new JWSHeader(ALGORITHM), claims);
            jwt.sign(new ECDSASigner(key));
            return jwt.serialize();
        } catch (ParseException | JOSEException | JsonProcessingException e) {
            throw new IllegalArgumentException("the command for " + edgeId + " cannot be signed: " + e.getMessage(), e);
        }
    }

    /**
     * The command JSON, with its pull credentials opened, once the message is shown to be the hub's, for this edge,
     * and not expired.
     *
     * @param edgeSecret this edge's credential; may be null for an agent given none
     * @throws CommandRefusedException naming why it is not
     */
    public static String verify(ECPublicKey hubKey, String edgeId, String edgeSecret, String message, Instant now)
            throws CommandRefusedException {
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(message.trim());
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new CommandRefusedException(null, "unsigned", "not a signed command: " + e.getMessage());
        }
        String commandId = claims.getJWTID();
        try {
            if (!ALGORITHM.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(new ECDSAVerifier(hubKey))) {
                throw new CommandRefusedException(commandId, "bad-signature",
                        "the signature is not the hub's (" + jwt.getHeader().getAlgorithm() + ")");
            }
        } catch (JOSEException e) {
            throw new CommandRefusedException(commandId, "bad-signature", e.getMessage());
        }
        if (!edgeId.equals(claims.getSubject())) {
            throw new CommandRefusedException(commandId, "wrong-edge",
                    "the command is for edge '" + claims.getSubject() + "', not this one");
        }
        Date expires = claims.getExpirationTime();
        if (expires == null || now.isAfter(expires.toInstant().plus(CLOCK_SKEW))) {
            throw new CommandRefusedException(commandId, "expired", "the command expired at "
                    + (expires == null ? "(no expiry)" : expires.toInstant()));
        }
        try {
            Map<String, Object> command = claims.getJSONObjectClaim(COMMAND_CLAIM);
            if (command == null || !String.valueOf(command.get("commandId")).equals(commandId)) {
                throw new CommandRefusedException(commandId, "malformed", "the signed claims hold no command " + commandId);
            }
            return opened(commandId, (ObjectNode) JSON.readTree(JSONObjectUtils.toJSONString(command)), edgeSecret)
                    .toString();
        } catch (ParseException | JsonProcessingException e) {
            throw new CommandRefusedException(commandId, "malformed", e.getMessage());
        }
    }

    private static ObjectNode opened(String commandId, ObjectNode command, String edgeSecret)
            throws CommandRefusedException, JsonProcessingException {
        for (Map.Entry<String, String> field : SEALED.entrySet()) {
            JsonNode sealed = command.remove(field.getValue());
            if (sealed == null) {
                continue;
            }
            if (edgeSecret == null) {
                throw new CommandRefusedException(commandId, "sealed", "the command's " + field.getKey() + " is sealed "
                        + "to this edge's credential, and the agent was given none (CARAVAN_AGENT_CREDENTIALS_FILE)");
            }
            try {
                command.set(field.getKey(), JSON.readTree(EdgeSeal.open(edgeSecret, sealed.asText())));
            } catch (GeneralSecurityException e) {
                throw new CommandRefusedException(commandId, "sealed", "the command's " + field.getKey() + " is sealed "
                        + "to another credential than this agent's: " + e.getMessage());
            }
        }
        return command;
    }

    /** The public key as PEM, as the agent is given it at install. */
    public static String pem(ECPublicKey key) {
        return PEM_BEGIN + "\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded()) + "\n"
                + PEM_END + "\n";
    }

    /** A PEM public key, or its base64 body alone (easier to pass in an environment variable). */
    public static ECPublicKey publicKey(String pem) {
        String body = pem.replace(PEM_BEGIN, "").replace(PEM_END, "").replaceAll("\\s", "");
        try {
            return (ECPublicKey) KeyFactory.getInstance("EC")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalArgumentException("not an EC public key in PEM: " + e.getMessage(), e);
        }
    }
}
