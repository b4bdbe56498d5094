package caravan.edge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.springframework.stereotype.Component;

import caravan.api.InputRejectedException;
import caravan.api.NotFoundException;
import caravan.edge.DeploymentStore.Deployment;
import caravan.edge.EdgeRegistry.Edge;
import caravan.edge.EdgeRegistry.Lidar;
import caravan.edge.EdgeRegistry.Venue;
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

    public EdgeApi(EdgeRegistry registry, DeploymentStore deployments, DeploymentPlanner planner, ObjectMapper mapper,
            SecretBox secrets) {
        this.registry = registry;
        this.deployments = deployments;
        this.planner = planner;
        this.mapper = mapper;
        this.secrets = secrets;
    }

    public Venue saveVenue(String venueId, String body) {
        JsonNode json = object(body);
        List<String> problems = new ArrayList<>();
        JsonNode frame = json.get("coordinateFrame");
        JsonNode bounds = json.get("venueBounds");
        if (frame != null && !frame.isObject()) {
            problems.add("coordinateFrame must be an object");
        }
        if (bounds != null && !bounds.isObject()) {
            problems.add("venueBounds must be an object");
        }
        rejectIf(problems);
        return registry.saveVenue(new Venue(venueId, json.path("name").asText(venueId),
                frame == null ? mapper.createObjectNode() : frame, bounds == null ? mapper.createObjectNode() : bounds, null));
    }

    public Venue venue(String venueId) {
        return registry.venue(venueId).orElseThrow(() -> new NotFoundException("no venue " + venueId));
    }

    public Edge saveEdge(String edgeId, String body) {
        JsonNode json = object(body);
        List<String> problems = new ArrayList<>();
        String transport = json.path("transport").asText("agent");
        if (!List.of("agent", "ssh").contains(transport)) {
            problems.add("transport must be agent or ssh, not " + transport);
        }
        String venueId = json.hasNonNull("venueId") ? json.get("venueId").asText() : null;
        if (venueId != null && registry.venue(venueId).isEmpty()) {
            problems.add("venueId " + venueId + " is not a known venue");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode labelNode = json.path("labels");
        if (!labelNode.isMissingNode() && !labelNode.isObject()) {
            problems.add("labels must be an object of strings");
        }
        labelNode.fields().forEachRemaining(label -> labels.put(label.getKey(), label.getValue().asText()));
        SshCommission ssh = "ssh".equals(transport) ? sshCommission(edgeId, json, problems) : null;
        rejectIf(problems);
        Edge saved = registry.saveEdge(edgeId, json.path("name").asText(edgeId), venueId,
                json.hasNonNull("address") ? json.get("address").asText() : null, transport, labels);
        if (ssh == null) {
            return saved;
        }
        if (ssh.encryptedSecret() == null) {
            registry.updateSshAccess(edgeId, ssh.user(), ssh.port(), ssh.hostKey());
        } else {
            registry.saveSsh(edgeId, ssh.user(), ssh.port(), ssh.hostKey(), ssh.auth(), ssh.encryptedSecret());
        }
        return edge(edgeId);
    }

    private record SshCommission(String user, int port, SshHostKey hostKey, String auth, String encryptedSecret) {
    }

    /**
     * An SSH edge needs an address, {@code ssh.user}, the host key to pin ({@code ssh.hostKey}, as ssh-keyscan prints
     * it) and {@code ssh.privateKey} (preferred) or {@code ssh.password}, which are encrypted at once. When the edge
     * already has credentials, leaving both out keeps them.
     */
    private SshCommission sshCommission(String edgeId, JsonNode json, List<String> problems) {
        JsonNode ssh = json.path("ssh");
        if (!json.hasNonNull("address")) {
            problems.add("address is required for an ssh edge: its Tailscale IP or host name");
        }
        if (!ssh.isObject()) {
            problems.add("ssh must be an object: {user, port?, hostKey, privateKey | password}");
            return null;
        }
        String user = ssh.path("user").asText("");
        if (!SSH_USER.matcher(user).matches()) {
            problems.add("ssh.user must be a user name on the edge");
        }
        int port = ssh.path("port").asInt(22);
        if (port < 1 || port > 65535) {
            problems.add("ssh.port must be between 1 and 65535");
        }
        SshHostKey hostKey = SshHostKey.parse(ssh.path("hostKey").asText(null));
        if (hostKey == null) {
            problems.add("ssh.hostKey must be the edge's OpenSSH public host key line, e.g. from ssh-keyscan: "
                    + "one of " + SshHostKey.TYPES + " and its base64 key");
        }
        String privateKey = ssh.path("privateKey").asText(null);
        String password = ssh.path("password").asText(null);
        if (privateKey != null) {
            try {
                SshKeys.parse(privateKey, edgeId);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (privateKey == null && password == null) {
            if (registry.sshSecret(edgeId).isEmpty()) {
                problems.add("ssh.privateKey (preferred) or ssh.password is required");
            }
            return new SshCommission(user, port, hostKey, null, null);
        }
        String auth = privateKey != null ? "key" : "password";
        ObjectNode secret = mapper.createObjectNode();
        secret.put(auth.equals("key") ? "privateKey" : "password", auth.equals("key") ? privateKey : password);
        return new SshCommission(user, port, hostKey, auth, secrets.encrypt(secret.toString(), edgeId));
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

    public Lidar saveLidar(String edgeId, String serial, String body) {
        edge(edgeId);
        JsonNode json = object(body);
        List<String> problems = new ArrayList<>();
        if (!json.path("model").isTextual()) {
            problems.add("model is required");
        }
        if (!json.path("extrinsics").isObject()) {
            problems.add("extrinsics (the lidar's pose) must be an object");
        }
        rejectIf(problems);
        return registry.saveLidar(new Lidar(edgeId, serial, json.get("model").asText(), json.get("extrinsics")));
    }

    public List<Lidar> lidars(String edgeId) {
        edge(edgeId);
        return registry.lidars(edgeId);
    }

    /** {@code deploy-her}: the request's venue and provider, planned as the reference's deployment document. */
    public Deployment planDeployment(String edgeId, String body) {
        JsonNode json = object(body);
        List<String> problems = new ArrayList<>();
        String venueId = text(json, "venueId", problems);
        String providerId = text(json, "providerId", problems);
        rejectIf(problems);
        return planner.plan(edge(edgeId), venue(venueId), planner.deployableProvider(providerId),
                json.hasNonNull("mqttBrokerUrl") ? json.get("mqttBrokerUrl").asText() : null, null);
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

    JsonNode object(String body) {
        try {
            JsonNode json = body == null || body.isBlank() ? null : mapper.readTree(body);
            if (json != null && json.isObject()) {
                return json;
            }
        } catch (JsonProcessingException e) {
            throw new InputRejectedException(List.of("body is not valid JSON: " + e.getOriginalMessage()));
        }
        throw new InputRejectedException(List.of("body must be a JSON object"));
    }

    static String text(JsonNode json, String field, List<String> problems) {
        if (!json.path(field).isTextual() || json.get(field).asText().isBlank()) {
            problems.add(field + " is required");
            return null;
        }
        return json.get(field).asText();
    }

    static void rejectIf(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new InputRejectedException(problems);
        }
    }
}
