package caravan.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import org.springframework.stereotype.Component;

import caravan.api.ConflictException;
import caravan.deploy.AgentCommand;
import caravan.edge.DeploymentStore;
import caravan.edge.DeploymentStore.Deployment;
import caravan.workload.Workload.Resources;

/**
 * Each edge's HER provider as one kind of workload ({@code her-provider}, id {@code her-provider:<edgeId>}): listed
 * with the edge's other workloads, read from the deployment ledger. It is deployed with deploy-her (its document,
 * health gate, rollback and waves) and operated with {@code /api/edges/{edgeId}/container/{action}}, so deploy-her
 * works exactly as before; the workload operations refuse it, naming those.
 */
@Component
public class HerProviders {

    static final String ID_PREFIX = Workload.HER_PROVIDER + ":";
    private static final Map<String, String> STATUSES = Map.of("pending", "pending", "dispatched", "pending",
            "pulling", "pulling", "starting", "starting", "running", "starting", "healthy", "running", "failed", "failed");

    private final DeploymentStore deployments;

    public HerProviders(DeploymentStore deployments) {
        this.deployments = deployments;
    }

    /** The HER providers of every edge deployed to, or of {@code deviceId}'s. */
    List<Workload> list(String deviceId) {
        return deployments.newestPerEdge(deviceId).stream().map(HerProviders::workload).toList();
    }

    Optional<Workload> find(String workloadId) {
        return workloadId.startsWith(ID_PREFIX)
                ? list(workloadId.substring(ID_PREFIX.length())).stream().findFirst() : Optional.empty();
    }

    /** @throws ConflictException when {@code workloadId} is an edge's HER provider */
    static void refuse(String workloadId) {
        if (workloadId != null && workloadId.startsWith(ID_PREFIX)) {
            String edgeId = workloadId.substring(ID_PREFIX.length());
            throw new ConflictException(workloadId + " is edge " + edgeId + "'s HER provider: deploy it with POST "
                    + "/edge-commissioning/edge/" + edgeId + "/deploy-her, operate it with POST /api/edges/" + edgeId
                    + "/container/{action}");
        }
    }

    /** The newest deployment's provider, as a workload. */
    private static Workload workload(Deployment deployment) {
        JsonNode document = deployment.document();
        JsonNode provider = document.path("provider");
        String image = provider.path("image").asText();
        String digest = provider.path("digest").asText("");
        Map<String, String> env = new TreeMap<>();
        document.path("env").fields().forEachRemaining(field -> env.put(field.getKey(), field.getValue().asText()));
        JsonNode resources = document.path("resources");
        List<String> secretEnv = new ArrayList<>(List.of("MQTT_PASSWORD")); // the edge's broker login, made on the edge
        String detail = "deployment " + deployment.deploymentId() + " (provider " + deployment.providerId() + ") is "
                + deployment.status() + (deployment.error() == null ? "" : ": " + deployment.error());
        return new Workload(ID_PREFIX + deployment.edgeId(), Workload.HER_PROVIDER, "edge", deployment.edgeId(), null,
                image, digest.isBlank() ? image : AgentCommand.repository(image) + "@" + digest, env, secretEnv,
                new Resources(resources.path("cpus").asDouble(), resources.path("memory").asText(null), null), "host",
                List.of(), Map.of("caravan.provider", deployment.providerId()), null,
                STATUSES.getOrDefault(deployment.status(), deployment.status()), detail, null, null, "unknown", null,
                deployment.startedBy(), deployment.createdAt(), deployment.updatedAt(), Workload.HER_PROVIDER, 0);
    }
}
