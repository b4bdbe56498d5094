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
import caravan.model.ModelDeployments.ModelDeployment;

/**
 * Deploying models to SSH devices and rolling them back. The deployment itself runs in the {@code model-deploy}
 * route; a request is checked here and answered at once.
 */
@Component
public class ModelDeploymentApi {

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
        if (!"ssh".equals(edge.transport()) || edge.ssh() == null) {
            throw new ConflictException("edge " + edgeId + " is not reached over SSH: models go to devices with "
                    + "transport ssh and their SSH access");
        }
        if (!edge.ssh().hostKeyVerified()) {
            throw new ConflictException("device " + edgeId + " has an unconfirmed host key ("
                    + edge.ssh().hostKeyFingerprint() + "): nothing is deployed to it until an operator confirms the "
                    + "fingerprint (POST /api/edges/" + edgeId + "/host-key/confirm)");
        }
        return deployments.insertPending(edgeId, modelId, groupId, parameters, actor);
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
