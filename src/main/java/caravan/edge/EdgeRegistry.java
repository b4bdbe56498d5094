package caravan.edge;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

import caravan.deploy.DeviceCapabilities;
import caravan.store.JsonColumns;

/** Venues, edges and lidar pairings. */
@Repository
public class EdgeRegistry {

    public record Venue(String venueId, String name, JsonNode coordinateFrame, JsonNode venueBounds,
            OffsetDateTime updatedAt) {
    }

    public record Edge(String edgeId, String name, String venueId, String address, String transport,
            Map<String, String> labels, String status, OffsetDateTime lastSeen, String agentVersion,
            String dockerVersion, OffsetDateTime updatedAt, SshAccess ssh, DeviceCapabilities capabilities,
            OffsetDateTime capabilitiesAt) {
    }

    /** How an agentless edge is reached, as the API shows it: never the credentials themselves. */
    public record SshAccess(String user, int port, String hostKeyType, String hostKeyFingerprint, String auth,
            boolean hostKeyVerified) {
    }

    private static final String EDGE_COLUMNS = "SELECT e.*, s.ssh_user, s.ssh_port, s.host_key, s.auth, s.host_key_verified "
            + "FROM edges e LEFT JOIN edge_ssh s ON s.edge_id = e.edge_id";

    public record Lidar(String edgeId, String serial, String model, JsonNode extrinsics) {
    }

    private static final TypeReference<Map<String, String>> LABELS = new TypeReference<>() { };

    private final JdbcClient jdbc;
    private final JsonColumns json;

    public EdgeRegistry(JdbcClient jdbc, JsonColumns json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    @Transactional
    public Venue saveVenue(Venue venue) {
        jdbc.sql("DELETE FROM venues WHERE venue_id = :id").param("id", venue.venueId()).update();
        jdbc.sql("INSERT INTO venues (venue_id, name, coordinate_frame, venue_bounds, updated_at) "
                        + "VALUES (:id, :name, :frame, :bounds, :now)")
                .param("id", venue.venueId()).param("name", venue.name())
                .param("frame", venue.coordinateFrame().toString()).param("bounds", venue.venueBounds().toString())
                .param("now", now()).update();
        return venue(venue.venueId()).orElseThrow();
    }

    public Optional<Venue> venue(String venueId) {
        return jdbc.sql("SELECT * FROM venues WHERE venue_id = :id").param("id", venueId).query(this::mapVenue).optional();
    }

    public List<Venue> venues() {
        return jdbc.sql("SELECT * FROM venues ORDER BY venue_id").query(this::mapVenue).list();
    }

    /** Creates or updates an edge's commissioning data; its status and versions stay as the agent reported them. */
    @Transactional
    public Edge saveEdge(String edgeId, String name, String venueId, String address, String transport,
            Map<String, String> labels) {
        int updated = jdbc.sql("UPDATE edges SET name = :name, venue_id = :venue, address = :address, "
                        + "transport = :transport, labels = :labels, updated_at = :now WHERE edge_id = :id")
                .param("id", edgeId).param("name", name).param("venue", venueId).param("address", address)
                .param("transport", transport).param("labels", json.write(labels)).param("now", now()).update();
        if (updated == 0) {
            jdbc.sql("INSERT INTO edges (edge_id, name, venue_id, address, transport, labels, status, updated_at) "
                            + "VALUES (:id, :name, :venue, :address, :transport, :labels, 'offline', :now)")
                    .param("id", edgeId).param("name", name).param("venue", venueId).param("address", address)
                    .param("transport", transport).param("labels", json.write(labels)).param("now", now()).update();
        }
        return edge(edgeId).orElseThrow();
    }

    /**
     * An agent was heard from: registers the edge on first contact, marks it online with its versions and, when the
     * agent reported them, its capabilities.
     */
    @Transactional
    public void heartbeat(String edgeId, String agentVersion, String dockerVersion, DeviceCapabilities capabilities) {
        String reported = capabilities == null ? null : json.write(capabilities);
        int updated = jdbc.sql("UPDATE edges SET status = 'online', last_seen = :now, "
                        + "agent_version = COALESCE(:agent, agent_version), docker_version = COALESCE(:docker, docker_version), "
                        + "capabilities = COALESCE(:capabilities, capabilities), "
                        + "capabilities_at = COALESCE(:capabilitiesAt, capabilities_at), updated_at = :now WHERE edge_id = :id")
                .param("id", edgeId).param("agent", agentVersion).param("docker", dockerVersion)
                .param("capabilities", reported).param("capabilitiesAt", reported == null ? null : now())
                .param("now", now())
                .update();
        if (updated == 0) {
            jdbc.sql("INSERT INTO edges (edge_id, name, transport, labels, status, last_seen, agent_version, "
                            + "docker_version, capabilities, capabilities_at, updated_at) VALUES (:id, :id, 'agent', '{}', "
                            + "'online', :now, :agent, :docker, :capabilities, :capabilitiesAt, :now)")
                    .param("id", edgeId).param("agent", agentVersion).param("docker", dockerVersion)
                    .param("capabilities", reported).param("capabilitiesAt", reported == null ? null : now())
                    .param("now", now()).update();
        }
    }

    /** What the SSH probe found the edge can hold. */
    public void recordCapabilities(String edgeId, DeviceCapabilities capabilities) {
        jdbc.sql("UPDATE edges SET capabilities = :capabilities, capabilities_at = :now, "
                        + "docker_version = COALESCE(:docker, docker_version) WHERE edge_id = :id")
                .param("id", edgeId).param("capabilities", json.write(capabilities))
                .param("docker", capabilities.dockerVersion()).param("now", now()).update();
    }

    /** Agent edges not heard from since {@code cutoff} go offline; returns how many did. */
    public int markSilentOffline(OffsetDateTime cutoff) {
        return jdbc.sql("UPDATE edges SET status = 'offline', updated_at = :now "
                        + "WHERE transport = 'agent' AND status = 'online' AND last_seen < :cutoff")
                .param("cutoff", cutoff).param("now", now()).update();
    }

    public Optional<Edge> edge(String edgeId) {
        return jdbc.sql(EDGE_COLUMNS + " WHERE e.edge_id = :id").param("id", edgeId).query(this::mapEdge).optional();
    }

    public List<Edge> edges() {
        return jdbc.sql(EDGE_COLUMNS + " ORDER BY e.edge_id").query(this::mapEdge).list();
    }

    @Transactional
    public Lidar saveLidar(Lidar lidar) {
        jdbc.sql("DELETE FROM lidars WHERE edge_id = :edge AND serial = :serial")
                .param("edge", lidar.edgeId()).param("serial", lidar.serial()).update();
        jdbc.sql("INSERT INTO lidars (edge_id, serial, model, extrinsics) VALUES (:edge, :serial, :model, :extrinsics)")
                .param("edge", lidar.edgeId()).param("serial", lidar.serial()).param("model", lidar.model())
                .param("extrinsics", lidar.extrinsics().toString()).update();
        return lidar;
    }

    public List<Lidar> lidars(String edgeId) {
        return jdbc.sql("SELECT * FROM lidars WHERE edge_id = :edge ORDER BY serial").param("edge", edgeId)
                .query((rs, row) -> new Lidar(rs.getString("edge_id"), rs.getString("serial"), rs.getString("model"),
                        tree(rs.getString("extrinsics")))).list();
    }

    private Venue mapVenue(ResultSet rs, int row) throws SQLException {
        return new Venue(rs.getString("venue_id"), rs.getString("name"), tree(rs.getString("coordinate_frame")),
                tree(rs.getString("venue_bounds")), rs.getObject("updated_at", OffsetDateTime.class));
    }

    private Edge mapEdge(ResultSet rs, int row) throws SQLException {
        try {
            return new Edge(rs.getString("edge_id"), rs.getString("name"), rs.getString("venue_id"),
                    rs.getString("address"), rs.getString("transport"), json.read(rs.getString("labels"), LABELS),
                    rs.getString("status"), rs.getObject("last_seen", OffsetDateTime.class),
                    rs.getString("agent_version"), rs.getString("docker_version"),
                    rs.getObject("updated_at", OffsetDateTime.class), sshAccess(rs),
                    rs.getString("capabilities") == null ? null
                            : json.read(rs.getString("capabilities"), DeviceCapabilities.class),
                    rs.getObject("capabilities_at", OffsetDateTime.class));
        } catch (JsonProcessingException e) {
            throw new SQLException("edge " + rs.getString("edge_id") + " has unreadable labels or capabilities", e);
        }
    }

    private static SshAccess sshAccess(ResultSet rs) throws SQLException {
        String user = rs.getString("ssh_user");
        if (user == null) {
            return null;
        }
        SshHostKey hostKey = SshHostKey.parse(rs.getString("host_key"));
        return new SshAccess(user, rs.getInt("ssh_port"), hostKey.type(), hostKey.fingerprint(), rs.getString("auth"),
                rs.getBoolean("host_key_verified"));
    }

    /**
     * Pins the edge's host key and stores its (already encrypted) credentials. A key the operator gave is verified; one
     * the hub fetched from the device is not, until its fingerprint is confirmed.
     */
    @Transactional
    public void saveSsh(String edgeId, String user, int port, SshHostKey hostKey, boolean verified, String auth,
            String encryptedSecret) {
        jdbc.sql("DELETE FROM edge_ssh WHERE edge_id = :id").param("id", edgeId).update();
        jdbc.sql("INSERT INTO edge_ssh (edge_id, ssh_user, ssh_port, host_key, host_key_verified, auth, secret, updated_at) "
                        + "VALUES (:id, :user, :port, :hostKey, :verified, :auth, :secret, :now)")
                .param("id", edgeId).param("user", user).param("port", port).param("hostKey", hostKey.line())
                .param("verified", verified).param("auth", auth).param("secret", encryptedSecret).param("now", now())
                .update();
    }

    /** Changes how an SSH edge is reached, keeping its stored credentials. */
    public void updateSshAccess(String edgeId, String user, int port, SshHostKey hostKey, boolean verified) {
        jdbc.sql("UPDATE edge_ssh SET ssh_user = :user, ssh_port = :port, host_key = :hostKey, "
                        + "host_key_verified = :verified, updated_at = :now WHERE edge_id = :id")
                .param("id", edgeId).param("user", user).param("port", port).param("hostKey", hostKey.line())
                .param("verified", verified).param("now", now()).update();
    }

    /** The operator has compared the fetched key's fingerprint with the device's own: it is trusted from now on. */
    public void confirmHostKey(String edgeId) {
        jdbc.sql("UPDATE edge_ssh SET host_key_verified = TRUE, updated_at = :now WHERE edge_id = :id")
                .param("id", edgeId).param("now", now()).update();
    }

    /** What the hub needs to log in to an SSH edge; the secret is still encrypted. */
    public record SshLogin(String edgeId, String address, String user, int port, SshHostKey hostKey,
            boolean hostKeyVerified, String auth, String encryptedSecret) {

        /** Never the secret: logins end up in messages. */
        @Override
        public String toString() {
            return user + "@" + address + ":" + port;
        }
    }

    public Optional<SshLogin> sshLogin(String edgeId) {
        return jdbc.sql("SELECT e.edge_id, e.address, s.ssh_user, s.ssh_port, s.host_key, s.host_key_verified, s.auth, s.secret "
                        + "FROM edges e JOIN edge_ssh s ON s.edge_id = e.edge_id WHERE e.edge_id = :id")
                .param("id", edgeId)
                .query((rs, row) -> new SshLogin(rs.getString("edge_id"), rs.getString("address"), rs.getString("ssh_user"),
                        rs.getInt("ssh_port"), SshHostKey.parse(rs.getString("host_key")),
                        rs.getBoolean("host_key_verified"), rs.getString("auth"), rs.getString("secret")))
                .optional();
    }

    /**
     * An SSH edge the hub could not reach ({@code offline}) or that is not the device it was commissioned as, or whose
     * engine does not answer ({@code error}). Returns whether its status changed.
     */
    public boolean markUnreachable(String edgeId, String status) {
        return jdbc.sql("UPDATE edges SET status = :status, updated_at = :now "
                        + "WHERE edge_id = :id AND transport = 'ssh' AND status <> :status")
                .param("id", edgeId).param("status", status).param("now", now()).update() > 0;
    }

    private JsonNode tree(String stored) {
        try {
            return json.tree(stored);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is unreadable: " + stored, e);
        }
    }

    /** The time the hub records, in UTC. */
    public static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
