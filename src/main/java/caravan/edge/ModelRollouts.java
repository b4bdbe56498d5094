package caravan.edge;

import com.fasterxml.jackson.databind.JsonNode;

import caravan.api.Problems;
import caravan.edge.EdgeRegistry.Edge;

/** What a deployment group needs of policy models, which live in caravan.model, built on the edges here. */
public interface ModelRollouts {

    /** A model deployment a wave started, for the model-deploy route. */
    record PendingModelDeployment(String deploymentId) implements Rollout {
    }

    /** Fails with NotFoundException for an unknown model; adds a problem for an edge the model cannot go to. */
    void checkDeployable(String modelId, Edge edge, Problems problems);

    /** A pending deployment of the model to one edge of the group. */
    PendingModelDeployment plan(String edgeId, String modelId, String groupId, JsonNode parameters, String startedBy);

    /** The deployment's status: pending … deployed, failed or rolled-back. */
    String status(String deploymentId);
}
