package caravan.edge;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.springframework.stereotype.Component;

import caravan.api.ConflictException;
import caravan.api.NotFoundException;
import caravan.edge.DeploymentStore.Deployment;
import caravan.edge.EdgeRegistry.Edge;
import caravan.edge.EdgeRegistry.Venue;
import caravan.provider.Provider;
import caravan.provider.ProviderStore;

/**
 * What a deployment is before it is dispatched: the reference's deployment document of a provider on an edge, or a
 * rollback to the edge's previous healthy one, stored as pending. Single deploys ({@code deploy-her}, rollback) and
 * deployment groups plan through it.
 */
@Component
public class DeploymentPlanner {

    static final String DEFAULT_BROKER = "mqtt://localhost:1883";

    private final EdgeRegistry registry;
    private final DeploymentStore deployments;
    private final ProviderStore providers;
    private final EdgeProperties properties;
    private final ObjectMapper mapper;

    public DeploymentPlanner(EdgeRegistry registry, DeploymentStore deployments, ProviderStore providers,
            EdgeProperties properties, ObjectMapper mapper) {
        this.registry = registry;
        this.deployments = deployments;
        this.providers = providers;
        this.properties = properties;
        this.mapper = mapper;
    }

    /** The provider, if it has an image to deploy. */
    public Provider deployableProvider(String providerId) {
        Provider provider = providers.find(providerId).orElseThrow(() -> new NotFoundException("no provider " + providerId));
        if (provider.dockerImage() == null) {
            throw new ConflictException("provider " + providerId + " has no image yet: its build has not succeeded");
        }
        if (provider.imageDigest() == null) {
            throw new ConflictException("provider " + providerId + " has no image digest to pin its deployments to:"
                    + " build it with a registry configured (CARAVAN_REGISTRY_URL), or register it again");
        }
        return provider;
    }

    /**
     * The reference's deployment document (deploymentId, edgeId, venueId, mqtt, lidars, coordinateFrame,
     * venueBounds) plus the provider's image and the container's resource limits, stored as pending; {@code env}
     * adds variables to the provider's container.
     */
    public Deployment plan(Edge edge, Venue venue, Provider provider, String brokerUrl, JsonNode env,
            String startedBy) {
        if ("sse".equals(edge.transport())) {
            throw new ConflictException("edge " + edge.edgeId() + " is a device streaming commands (transport sse): it "
                    + "runs no containers");
        }
        ObjectNode document = mapper.createObjectNode();
        document.put("deploymentId", UUID.randomUUID().toString());
        document.put("edgeId", edge.edgeId());
        document.put("venueId", venue.venueId());
        ObjectNode mqtt = document.putObject("mqtt");
        mqtt.put("broker", brokerUrl == null ? DEFAULT_BROKER : brokerUrl);
        mqtt.put("topic", "hyperspace/trajectories/" + edge.edgeId());
        mqtt.put("qos", 1);
        document.set("lidars", mapper.valueToTree(registry.lidars(edge.edgeId()).stream()
                .map(lidar -> Map.of("model", lidar.model(), "serial", lidar.serial(), "extrinsics", lidar.extrinsics()))
                .toList()));
        document.set("coordinateFrame", venue.coordinateFrame());
        document.set("venueBounds", venue.venueBounds());
        ObjectNode image = document.putObject("provider");
        image.put("providerId", provider.providerId());
        image.put("version", provider.version());
        image.put("image", provider.dockerImage());
        image.put("digest", provider.imageDigest());
        ObjectNode resources = document.putObject("resources");
        resources.put("cpus", properties.defaultCpus());
        resources.put("memory", properties.defaultMemory());
        if (env != null && !env.isEmpty()) {
            document.set("env", env);
        }
        return deployments.insertPending(document, startedBy);
    }

    /**
     * A new deployment of the edge's previous healthy one: the same document under a new deployment id, noting
     * which deployment it rolls back to.
     */
    public Deployment planRollback(String edgeId, String startedBy) {
        registry.edge(edgeId).orElseThrow(() -> new NotFoundException("no edge " + edgeId));
        List<Deployment> history = deployments.forEdge(edgeId);
        String current = history.isEmpty() ? null : history.get(0).deploymentId();
        Deployment previous = deployments.lastHealthy(edgeId, current)
                .orElseThrow(() -> new ConflictException("edge " + edgeId + " has no earlier healthy deployment to roll back to"));
        ObjectNode document = previous.document().deepCopy();
        document.put("deploymentId", UUID.randomUUID().toString());
        document.put("rollbackOf", previous.deploymentId());
        return deployments.insertPending(document, startedBy);
    }
}
