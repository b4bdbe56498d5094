package caravan.model;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

import caravan.api.ConflictException;
import caravan.api.NotFoundException;
import caravan.api.Problems;
import caravan.edge.EdgeRegistry;
import caravan.edge.EdgeRegistry.Edge;
import caravan.edge.ModelRollouts;
import caravan.model.ModelDeployments.ModelDeployment;

/**
 * Deploying models to SSH devices and rolling them back. The deployment itself runs in the {@code model-deploy}
 * route; a request is checked here and answered at once.
 */
@Component
public class ModelDeploymentApi implements ModelRollouts {

    /** {@code POST /api/edges/{edgeId}/models/deploy}. */
    public record DeployRequest(String modelId, JsonNode parameters) {
    }

    public record DeploymentAccepted(String deploymentId, String status, String statusUrl) {
    }

    private final EdgeRegistry edges;
    private final ModelStore models;
    private final ModelDeployments deployments;
    private final ObjectMapper mapper;

    public ModelDeploymentApi(EdgeRegistry edges, ModelStore models, ModelDeployments deployments, ObjectMapper mapper) {
        this.edges = edges;
        this.models = models;
        this.deployments = deployments;
        this.mapper = mapper;
    }

    /** A pending deployment of a stored model to a device whose host key is trusted. */
    public ModelDeployment deploy(String edgeId, DeployRequest request, String actor) {
        Problems problems = new Problems();
        String modelId = problems.required(request.modelId(), "modelId");
        JsonNode parameters = request.parameters() == null || request.parameters().isNull()
                ? mapper.createObjectNode() : request.parameters();
        problems.check(parameters.isObject(), "parameters must be a JSON object");
        problems.rejectIfAny();
        return deploy(edgeId, models.get(modelId).modelId(), parameters, null, actor);
    }

    ModelDeployment deploy(String edgeId, String modelId, JsonNode parameters, String groupId, String actor) {
        Edge edge = edges.edge(edgeId).orElseThrow(() -> new NotFoundException("no edge " + edgeId));
        String refusal = refusal(edge);
        if (refusal != null) {
            throw new ConflictException(refusal);
        }
        return deployments.insertPending(edgeId, modelId, groupId, parameters, actor);
    }

    /** Why a model cannot go to the edge, or null. */
    private static String refusal(Edge edge) {
        if (!"ssh".equals(edge.transport()) || edge.ssh() == null) {
            return "edge " + edge.edgeId() + " is not reached over SSH: models go to devices with transport ssh and "
                    + "their SSH access";
        }
        if (!edge.ssh().hostKeyVerified()) {
            return "device " + edge.edgeId() + " has an unconfirmed host key (" + edge.ssh().hostKeyFingerprint()
                    + "): nothing is deployed to it until an operator confirms the fingerprint (POST /api/edges/"
                    + edge.edgeId() + "/host-key/confirm)";
        }
        return null;
    }

    @Override
    public void checkDeployable(String modelId, Edge edge, Problems problems) {
        models.get(modelId);
        String refusal = refusal(edge);
        problems.check(refusal == null, refusal);
    }

    /**
     * A member of a group: refused by the device (busy, or no longer trusted) it becomes a failed deployment of the
     * group rather than stopping the wave.
     */
    @Override
    public PendingModelDeployment plan(String edgeId, String modelId, String groupId, JsonNode parameters,
            String startedBy) {
        try {
            return new PendingModelDeployment(deploy(edgeId, modelId, parameters, groupId, startedBy).deploymentId());
        } catch (ConflictException e) {
            ModelDeployment refused = deployments.insertRefused(edgeId, modelId, groupId, parameters, startedBy,
                    e.getMessage());
            return new PendingModelDeployment(refused.deploymentId());
        }
    }

    @Override
    public String status(String deploymentId) {
        return deployments.find(deploymentId).map(ModelDeployment::status).orElse("failed");
    }

    /** Deploys again the model (and parameters) the device served before its current one. */
    public ModelDeployment rollback(String edgeId, String actor) {
        List<ModelDeployment> deployed = deployments.ofEdge(edgeId).stream()
                .filter(deployment -> "deployed".equals(deployment.status())).toList();
        if (deployed.isEmpty()) {
            throw new ConflictException("no model was deployed to " + edgeId + ": there is nothing to roll back");
        }
        ModelDeployment current = deployed.get(0);
        ModelDeployment previous = deployed.stream()
                .filter(deployment -> !deployment.remotePath().equals(current.remotePath())).findFirst()
                .orElseThrow(() -> new ConflictException("device " + edgeId + " has served only "
                        + current.remotePath() + ": there is no earlier model to roll back to"));
        return deploy(edgeId, previous.modelId(), previous.parameters(), null, actor);
    }

    public ModelDeployment deployment(String deploymentId) {
        return deployments.get(deploymentId);
    }

    public List<ModelDeployment> deploymentsOf(String edgeId) {
        edges.edge(edgeId).orElseThrow(() -> new NotFoundException("no edge " + edgeId));
        return deployments.ofEdge(edgeId);
    }

    public DeploymentAccepted accepted(ModelDeployment deployment) {
        return new DeploymentAccepted(deployment.deploymentId(), deployment.status(),
                "/api/model-deployments/" + deployment.deploymentId());
    }
}
