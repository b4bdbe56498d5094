package caravan.edge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.util.HexFormat;
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
 * Device claiming. An agent started without a credential shows a one-time code and announces it (only its hash is
 * kept); an operator who reads the code off the device claims it for an edge id ({@code POST /api/edges/claim}); the
 * agent, asking with its code, collects its credential and the hub's command key, once. A code is valid for
 * {@code caravan.edges.claim-ttl}; a code nobody announced, an expired one and a used one are refused, saying which.
 */
@Component
public class EdgeClaims {

    /** An edge id becomes a broker username and a topic level. */
    private static final Pattern EDGE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    public record Announcement(String code, String agentVersion) {
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

    private record Claim(String codeHash, OffsetDateTime expiresAt, String edgeId, OffsetDateTime claimedAt,
            OffsetDateTime collectedAt) {
    }

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

    /** A device shows {@code code} and waits to be claimed; announcing the same code again changes nothing. */
    @Transactional
    public Map<String, Object> announce(Announcement announcement) {
        String hash = hash(announcement == null ? null : announcement.code());
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
            jdbc.sql("INSERT INTO edge_claims (code_hash, announced_at, expires_at, agent_version) "
                            + "VALUES (:hash, :now, :expires, :agent) ON CONFLICT (code_hash) DO NOTHING")
                    .param("hash", hash).param("now", now).param("expires", now.plus(properties.claimTtl()))
                    .param("agent", announcement.agentVersion()).update();
            known = find(hash);
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
                request.venueId() != null || existing == null ? request.venueId() : existing.venueId(), null, "agent",
                request.labels() != null || existing == null ? labels(request.labels()) : existing.labels());
        credentials.issue(edgeId, actor); // replaces an earlier device's: this one is the edge now
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
     * The device asks with its code: {@code waiting} until it is claimed, then its credential, once.
     *
     * @throws NotFoundException when no device announced the code, or it expired
     * @throws ConflictException when the credential was collected before
     */
    @Transactional
    public Collected collect(Announcement asking) {
        String hash = hash(asking == null ? null : asking.code());
        Claim claim = jdbc.sql("SELECT * FROM edge_claims WHERE code_hash = :hash FOR UPDATE").param("hash", hash)
                .query((rs, row) -> claim(rs)).optional().orElse(null);
        OffsetDateTime now = EdgeRegistry.now();
        if (claim == null || claim.expiresAt().isBefore(now)) {
            throw new NotFoundException("no device waits with this claim code, or it expired: announce it "
                    + "(POST /api/claims) and have an operator claim it");
        }
        if (claim.claimedAt() == null) {
            return new Collected("waiting", null, null, null, null, claim.expiresAt());
        }
        if (claim.collectedAt() != null) {
            throw new ConflictException("this claim code was used: its credential was collected at "
                    + claim.collectedAt());
        }
        String password = credentials.secret(claim.edgeId()).orElseThrow(() -> new ConflictException("edge "
                + claim.edgeId() + "'s credential was revoked after it was claimed: claim the device again"));
        jdbc.sql("UPDATE edge_claims SET collected_at = :now WHERE code_hash = :hash").param("now", now)
                .param("hash", hash).update();
        return new Collected("claimed", claim.edgeId(), claim.edgeId(), password,
                credentials.commandKey().get("publicKey"), claim.expiresAt());
    }

    private Claim find(String hash) {
        return jdbc.sql("SELECT * FROM edge_claims WHERE code_hash = :hash").param("hash", hash)
                .query((rs, row) -> claim(rs)).optional().orElse(null);
    }

    private static Claim claim(ResultSet rs) throws SQLException {
        return new Claim(rs.getString("code_hash"), rs.getObject("expires_at", OffsetDateTime.class),
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
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(normalised.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
