package caravan.edge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import caravan.api.ConflictException;
import caravan.api.NotFoundException;
import caravan.api.Problems;
import caravan.deploy.ClaimCode;
import caravan.security.EdgeCredentials;

/**
 * Device claiming. An agent started without a credential shows a one-time code and announces it with the hash of a
 * secret it never shows (the hub keeps only hashes); an operator who reads the code off the device claims it for an
 * edge id ({@code POST /api/edges/claim}); the agent, asking with its code and its secret, collects its credential and
 * the hub's command key (again if the answer was lost: only the device holds the secret). A code is valid for
 * {@code caravan.edges.claim-ttl}; a code nobody announced, an expired one and a used one are refused, saying which.
 * An edge that already has a credential is not claimed: an admin revokes it first, so an operator cannot take an
 * edge over.
 */
@Component
public class EdgeClaims {

    /** An edge id becomes a broker username and a topic level. */
    private static final Pattern EDGE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    /**
     * @param verifier at announce: the hex SHA-256 of the device's secret
     * @param secret   at collect: the secret itself
     */
    public record Announcement(String code, String verifier, String secret, String agentVersion) {
    }

    public record ClaimRequest(String code, String edgeId, String venueId, Map<String, String> labels) {
    }

    /** What a device is told when it asks with its code: {@code waiting}, or {@code claimed} with its credential. */
    public record Collected(String status, String edgeId, String username, String password, String commandKey,
            OffsetDateTime expiresAt) {

        @Override
        public String toString() {
            return "Collected[" + status + ", " + edgeId + "]"; // never the password
        }
    }

    private record Claim(String codeHash, String verifier, OffsetDateTime expiresAt, String edgeId,
            OffsetDateTime claimedAt, OffsetDateTime collectedAt) {
    }

    private static final Pattern VERIFIER = Pattern.compile("[0-9a-f]{64}");

    private final JdbcClient jdbc;
    private final EdgeRegistry registry;
    private final EdgeCredentials credentials;
    private final EdgeProperties properties;

    public EdgeClaims(JdbcClient jdbc, EdgeRegistry registry, EdgeCredentials credentials, EdgeProperties properties) {
        this.jdbc = jdbc;
        this.registry = registry;
        this.credentials = credentials;
        this.properties = properties;
    }

    /**
     * A device shows {@code code} and waits to be claimed; announcing the same code again (the same device, after a
     * restart) changes nothing.
     */
    @Transactional
    public Map<String, Object> announce(Announcement announcement) {
        String hash = hash(announcement.code());
        Problems problems = new Problems();
        problems.check(announcement.verifier() != null && VERIFIER.matcher(announcement.verifier()).matches(),
                "verifier must be the hex SHA-256 of a secret only the device keeps");
        problems.check(announcement.agentVersion() == null || announcement.agentVersion().length() <= 255,
                "agentVersion is longer than 255 characters");
        problems.rejectIfAny();
        OffsetDateTime now = EdgeRegistry.now();
        jdbc.sql("DELETE FROM edge_claims WHERE expires_at < :now").param("now", now).update();
        Claim known = find(hash);
        if (known == null) {
            int pending = jdbc.sql("SELECT COUNT(*) FROM edge_claims WHERE claimed_at IS NULL").query(Integer.class)
                    .single();
            if (pending >= properties.maxPendingClaims()) {
                throw new ConflictException(pending + " devices already wait to be claimed "
                        + "(caravan.edges.max-pending-claims): claim or let them expire first");
            }
            jdbc.sql("INSERT INTO edge_claims (code_hash, verifier, announced_at, expires_at, agent_version) "
                            + "VALUES (:hash, :verifier, :now, :expires, :agent) ON CONFLICT (code_hash) DO NOTHING")
                    .param("hash", hash).param("verifier", announcement.verifier()).param("now", now)
                    .param("expires", now.plus(properties.claimTtl())).param("agent", announcement.agentVersion())
                    .update();
            known = find(hash);
        }
        if (!known.verifier().equals(announcement.verifier())) {
            throw new ConflictException("another device announced this claim code: restart the agent for a new one");
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", known.claimedAt() == null ? "waiting" : "claimed");
        answer.put("expiresAt", known.expiresAt());
        return answer;
    }

    /** An operator claims the device showing {@code code} as edge {@code edgeId}, with its venue and labels. */
    @Transactional
    public Map<String, Object> claim(ClaimRequest request, String actor) {
        Problems problems = new Problems();
        problems.required(request.code(), "code");
        String edgeId = problems.required(request.edgeId(), "edgeId");
        problems.check(edgeId == null || EDGE_ID.matcher(edgeId).matches(), "edgeId '" + edgeId + "' must be letters, "
                + "digits, '.', '_' or '-', starting with a letter or digit, at most 128 characters");
        problems.check(request.venueId() == null || registry.venue(request.venueId()).isPresent(),
                "venueId " + request.venueId() + " is not a known venue");
        registry.edge(edgeId == null ? "" : edgeId).filter(edge -> !"agent".equals(edge.transport()))
                .ifPresent(edge -> problems.add("edge " + edgeId + " is reached through " + edge.transport()
                        + ", not an agent: claim the device under another id"));
        problems.rejectIfAny();
        if (credentials.secret(edgeId).isPresent()) {
            throw new ConflictException("edge " + edgeId + " has a credential: a device replacing it is claimed once an "
                    + "admin has revoked that (DELETE /api/edges/" + edgeId + "/credentials)");
        }
        String hash = hash(request.code());
        Claim claim = jdbc.sql("SELECT * FROM edge_claims WHERE code_hash = :hash FOR UPDATE").param("hash", hash)
                .query((rs, row) -> claim(rs)).optional().orElse(null);
        OffsetDateTime now = EdgeRegistry.now();
        if (claim == null || claim.claimedAt() == null && claim.expiresAt().isBefore(now)) {
            throw new NotFoundException("no device is waiting to be claimed with code " + request.code().trim()
                    + ": check the code the agent shows (it is valid for " + properties.claimTtl().toHours()
                    + " h from when the agent started)");
        }
        if (claim.claimedAt() != null) {
            throw new ConflictException("claim code " + request.code().trim() + " was used at " + claim.claimedAt()
                    + ": the device is edge " + claim.edgeId());
        }
        EdgeRegistry.Edge existing = registry.edge(edgeId).orElse(null);
        registry.saveEdge(edgeId, existing == null ? edgeId : existing.name(),
                request.venueId() != null || existing == null ? request.venueId() : existing.venueId(),
                existing == null ? null : existing.address(), "agent",
                request.labels() != null || existing == null ? labels(request.labels()) : existing.labels());
        credentials.issue(edgeId, actor);
        jdbc.sql("UPDATE edge_claims SET edge_id = :edge, claimed_by = :actor, claimed_at = :now, expires_at = :expires "
                        + "WHERE code_hash = :hash")
                .param("edge", edgeId).param("actor", actor).param("now", now)
                .param("expires", now.plus(properties.claimTtl())).param("hash", hash).update();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("edgeId", edgeId);
        answer.put("edge", registry.edge(edgeId).orElseThrow());
        answer.put("claimedAt", now);
        answer.put("claimedBy", actor);
        return answer;
    }

    /**
     * The device asks with its code and secret: {@code waiting} until it is claimed, then its credential (again, if
     * it asks again: an answer may be lost, and only the device holds the secret), until the code expires.
     *
     * @throws NotFoundException when no device announced the code with this secret, or it expired
     */
    @Transactional
    public Collected collect(Announcement asking) {
        String hash = hash(asking.code());
        Claim claim = jdbc.sql("SELECT * FROM edge_claims WHERE code_hash = :hash FOR UPDATE").param("hash", hash)
                .query((rs, row) -> claim(rs)).optional().orElse(null);
        OffsetDateTime now = EdgeRegistry.now();
        if (claim == null || claim.expiresAt().isBefore(now) || asking.secret() == null
                || !MessageDigest.isEqual(claim.verifier().getBytes(StandardCharsets.US_ASCII),
                        ClaimCode.sha256(asking.secret()).getBytes(StandardCharsets.US_ASCII))) {
            throw new NotFoundException("no device waits with this claim code and secret, or it expired: announce it "
                    + "(POST /api/claims) and have an operator claim it");
        }
        if (claim.claimedAt() == null) {
            return new Collected("waiting", null, null, null, null, claim.expiresAt());
        }
        String password = credentials.secret(claim.edgeId()).orElseThrow(() -> new ConflictException("edge "
                + claim.edgeId() + "'s credential was revoked after it was claimed: claim the device again"));
        if (claim.collectedAt() == null) {
            jdbc.sql("UPDATE edge_claims SET collected_at = :now WHERE code_hash = :hash").param("now", now)
                    .param("hash", hash).update();
        }
        return new Collected("claimed", claim.edgeId(), claim.edgeId(), password,
                credentials.commandKey().get("publicKey"), claim.expiresAt());
    }

    private Claim find(String hash) {
        return jdbc.sql("SELECT * FROM edge_claims WHERE code_hash = :hash").param("hash", hash)
                .query((rs, row) -> claim(rs)).optional().orElse(null);
    }

    private static Claim claim(ResultSet rs) throws SQLException {
        return new Claim(rs.getString("code_hash"), rs.getString("verifier"), rs.getObject("expires_at", OffsetDateTime.class),
                rs.getString("edge_id"), rs.getObject("claimed_at", OffsetDateTime.class),
                rs.getObject("collected_at", OffsetDateTime.class));
    }

    private static Map<String, String> labels(Map<String, String> labels) {
        return labels == null ? Map.of() : labels;
    }

    /** The stored form of a code: the hub never keeps a code a device could still be claimed with. */
    private static String hash(String code) {
        String normalised = ClaimCode.normalise(code);
        if (normalised == null) {
            Problems problems = new Problems();
            problems.add("code must be the " + ClaimCode.LENGTH + " letters and digits the agent shows "
                    + "(dashes optional)");
            problems.rejectIfAny();
        }
        return ClaimCode.sha256(normalised);
    }
}
