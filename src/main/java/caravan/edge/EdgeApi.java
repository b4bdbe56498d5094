package caravan.edge;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.springframework.stereotype.Component;

import caravan.api.ConflictException;
import caravan.api.NotFoundException;
import caravan.api.Problems;
import caravan.edge.DeploymentStore.Deployment;
import caravan.edge.EdgeRegistry.Edge;
import caravan.edge.EdgeRegistry.Lidar;
import caravan.edge.EdgeRegistry.SshLogin;
import caravan.edge.EdgeRegistry.Venue;
import caravan.edge.EdgeRequests.DeployHerRequest;
import caravan.edge.EdgeRequests.EdgeRequest;
import caravan.edge.EdgeRequests.HostKeyConfirmation;
import caravan.edge.EdgeRequests.LidarRequest;
import caravan.edge.EdgeRequests.SshRequest;
import caravan.edge.EdgeRequests.VenueRequest;
import caravan.secrets.SecretBox;

/** What the edge commissioning and deployment REST routes answer. */
@Component
public class EdgeApi {

    private static final Pattern SSH_USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");

    public record DeploymentAccepted(String deploymentId, String status, String statusUrl) {
    }

    private final EdgeRegistry registry;
    private final DeploymentStore deployments;
    private final DeploymentPlanner planner;
    private final ObjectMapper mapper;
    private final SecretBox secrets;
    private final HostKeys hostKeys;

    public EdgeApi(EdgeRegistry registry, DeploymentStore deployments, DeploymentPlanner planner, ObjectMapper mapper,
            SecretBox secrets, HostKeys hostKeys) {
        this.hostKeys = hostKeys;
        this.registry = registry;
        this.deployments = deployments;
        this.planner = planner;
        this.mapper = mapper;
        this.secrets = secrets;
    }

    public Venue saveVenue(String venueId, VenueRequest request) {
        return registry.saveVenue(new Venue(venueId, request.name() == null ? venueId : request.name(),
                orEmpty(request.coordinateFrame()), orEmpty(request.venueBounds()), null));
    }

    public Venue venue(String venueId) {
        return registry.venue(venueId).orElseThrow(() -> new NotFoundException("no venue " + venueId));
    }

    public Edge saveEdge(String edgeId, EdgeRequest request) {
        Problems problems = new Problems();
        String transport = request.transport() == null ? "agent" : request.transport();
        problems.check(List.of("agent", "ssh", "sse").contains(transport),
                "transport must be agent, ssh or sse (a device streaming commands), not " + transport);
        String venueId = request.venueId();
        problems.check(venueId == null || registry.venue(venueId).isPresent(), "venueId " + venueId + " is not a known venue");
        SshCommission ssh = "ssh".equals(transport) ? sshCommission(edgeId, request, problems) : null;
        problems.rejectIfAny();
        Edge saved = registry.saveEdge(edgeId, request.name() == null ? edgeId : request.name(), venueId,
                request.address(), transport, request.labels() == null ? Map.of() : request.labels());
        if (ssh == null) {
            return saved;
        }
        if (ssh.encryptedSecret() == null) {
            registry.updateSshAccess(edgeId, ssh.user(), ssh.port(), ssh.hostKey(), ssh.hostKeyVerified());
        } else {
            registry.saveSsh(edgeId, ssh.user(), ssh.port(), ssh.hostKey(), ssh.hostKeyVerified(), ssh.auth(),
                    ssh.encryptedSecret());
        }
        return edge(edgeId);
    }

    private static boolean sameHost(SshLogin stored, String address, String user, int port, SshHostKey hostKey) {
        return stored.address().equals(address) && stored.user().equals(user) && stored.port() == port
                && stored.hostKey().fingerprint().equals(hostKey.fingerprint());
    }

    private record SshCommission(String user, int port, SshHostKey hostKey, boolean hostKeyVerified, String auth,
            String encryptedSecret) {
    }

    /**
     * An SSH edge needs an address, {@code ssh.user}, the host key to pin ({@code ssh.hostKey}, as ssh-keyscan prints
     * it; fetched from the device and left unverified when not given) and {@code ssh.privateKey} (preferred) or
     * {@code ssh.password}, which are encrypted at once. When the edge
     * already has credentials, leaving both out keeps them, for the same host only: stored credentials never go to
     * another address, user, port or host key than the one they were given for.
     */
    private SshCommission sshCommission(String edgeId, EdgeRequest request, Problems problems) {
        problems.check(request.address() != null, "address is required for an ssh edge: its Tailscale IP or host name");
        SshRequest ssh = request.ssh();
        if (ssh == null) {
            problems.add("ssh must be an object: {user, port?, hostKey, privateKey | password}");
            return null;
        }
        String user = ssh.user() == null ? "" : ssh.user();
        problems.check(SSH_USER.matcher(user).matches(), "ssh.user must be a user name on the edge");
        int port = ssh.port() == null ? 22 : ssh.port();
        problems.check(port >= 1 && port <= 65535, "ssh.port must be between 1 and 65535");
        boolean verified = ssh.hostKey() != null;
        SshHostKey hostKey = verified ? SshHostKey.parse(ssh.hostKey()) : fetchHostKey(edgeId, request.address(), port, problems);
        problems.check(!verified || hostKey != null, "ssh.hostKey must be the edge's OpenSSH public host key line, e.g. "
                + "from ssh-keyscan: one of " + SshHostKey.TYPES + " and its base64 key");
        String privateKey = ssh.privateKey();
        String password = ssh.password();
        if (privateKey != null) {
            try {
                SshKeys.parse(privateKey, edgeId);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (privateKey == null && password == null) {
            Optional<SshLogin> stored = registry.sshLogin(edgeId);
            if (stored.isEmpty()) {
                problems.add("ssh.privateKey (preferred) or ssh.password is required");
            } else if (hostKey != null && !sameHost(stored.get(), request.address(), user, port, hostKey)) {
                problems.add("ssh.privateKey or ssh.password is required again to change the edge's address, user, "
                        + "port or host key: its stored credentials only go to the host they were given for");
            }
            return new SshCommission(user, port, hostKey, verified, null, null);
        }
        String auth = privateKey != null ? "key" : "password";
        ObjectNode secret = mapper.createObjectNode();
        secret.put(auth.equals("key") ? "privateKey" : "password", auth.equals("key") ? privateKey : password);
        return new SshCommission(user, port, hostKey, verified, auth, secrets.encrypt(secret.toString(), edgeId));
    }

    /**
     * The key the device presents, not yet trusted. Fetched again for an edge whose stored key was not confirmed, and
     * kept confirmed when the device still presents the confirmed key.
     */
    private SshHostKey fetchHostKey(String edgeId, String address, int port, Problems problems) {
        if (address == null) {
            return null;
        }
        try {
            return hostKeys.fetch(address, port);
        } catch (RuntimeException e) {
            problems.add("ssh.hostKey was not given and the host key of " + address + ":" + port + " could not be "
                    + "fetched: " + e.getMessage());
            return null;
        }
    }

    /**
     * Trusts a fetched host key once the operator has read the same fingerprint on the device
     * ({@code ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub}).
     */
    public Edge confirmHostKey(String edgeId, HostKeyConfirmation confirmation) {
        SshLogin login = registry.sshLogin(edgeId)
                .orElseThrow(() -> new NotFoundException("edge " + edgeId + " is not commissioned for SSH"));
        Problems problems = new Problems();
        String fingerprint = problems.required(confirmation.fingerprint(), "fingerprint");
        problems.rejectIfAny();
        String pinned = login.hostKey().fingerprint();
        if (!pinned.equals(fingerprint.strip()) && !pinned.equals("SHA256:" + fingerprint.strip())) {
            throw new ConflictException("edge " + edgeId + " presented host key " + pinned + ", not " + fingerprint
                    + ": nothing was confirmed. If the device really has that key, someone else answered for it");
        }
        registry.confirmHostKey(edgeId);
        return edge(edgeId);
    }

    public List<Venue> registryVenues() {
        return registry.venues();
    }

    public List<Edge> registryEdges() {
        return registry.edges();
    }

    /** Whether the hub deploys to the edge itself over SSH rather than through the edge's agent. */
    public boolean isSshEdge(String edgeId) {
        return "ssh".equals(edge(edgeId).transport());
    }

    public Edge edge(String edgeId) {
        return registry.edge(edgeId).orElseThrow(() -> new NotFoundException("no edge " + edgeId));
    }

    public Lidar saveLidar(String edgeId, String serial, LidarRequest request) {
        edge(edgeId);
        Problems problems = new Problems();
        problems.required(request.model(), "model");
        problems.check(request.extrinsics() != null, "extrinsics (the lidar's pose) must be an object");
        problems.rejectIfAny();
        return registry.saveLidar(new Lidar(edgeId, serial, request.model(), request.extrinsics()));
    }

    public List<Lidar> lidars(String edgeId) {
        edge(edgeId);
        return registry.lidars(edgeId);
    }

    /**
     * {@code deploy-her}: the request's venue and provider, planned as the reference's deployment document;
     * {@code startedBy} names who asked.
     */
    public Deployment planDeployment(String edgeId, DeployHerRequest request, String startedBy) {
        Problems problems = new Problems();
        problems.required(request.venueId(), "venueId");
        problems.required(request.providerId(), "providerId");
        problems.rejectIfAny();
        return planner.plan(edge(edgeId), venue(request.venueId()), planner.deployableProvider(request.providerId()),
                request.mqttBrokerUrl(), null, startedBy);
    }

    public static DeploymentAccepted accepted(Deployment deployment) {
        return new DeploymentAccepted(deployment.deploymentId(), deployment.status(),
                "/api/deployments/" + deployment.deploymentId());
    }

    public Deployment deployment(String deploymentId) {
        return deployments.find(deploymentId).orElseThrow(() -> new NotFoundException("no deployment " + deploymentId));
    }

    public List<Deployment> deploymentsOf(String edgeId) {
        edge(edgeId);
        return deployments.forEdge(edgeId);
    }

    private ObjectNode orEmpty(ObjectNode node) {
        return node == null ? mapper.createObjectNode() : node;
    }
}
