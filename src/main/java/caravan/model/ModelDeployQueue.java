package caravan.model;

import java.util.List;

import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

import caravan.edge.EdgeRegistry;
import caravan.hub.HubInstance;
import caravan.hub.SharedQueue;
import caravan.model.ModelDeployments.Step;
import caravan.model.ModelDeployments.Claimable;

/**
 * The model deployments under way, shared by the hubs on one database (route model-deploy-claim, a {@link SharedQueue}
 * on the model_deployments table). One whose hub died or stopped is taken up from its first step: every step can be
 * run again, and what the links pointed at before is on the deployment from its first swap.
 */
@Component("modelDeployQueue")
public class ModelDeployQueue {

    private static final Logger LOG = LoggerFactory.getLogger(ModelDeployQueue.class);

    private final ModelDeployments deployments;
    private final ModelProperties properties;
    private final HubInstance hub;
    private final SharedQueue<Claimable> queue;

    public ModelDeployQueue(ModelDeployments deployments, ModelProperties properties, HubInstance hub) {
        this.deployments = deployments;
        this.properties = properties;
        this.hub = hub;
        this.queue = new SharedQueue<>("Model deployments", deployments, hub.id(), properties.deployLease(),
                properties.claimPeriod());
    }

    /**
     * Renews this hub's claims and claims deployments up to its concurrent deploys: first {@code accepted} (the one a
     * request to this hub just made; null for the poll), then the oldest. Returns the claimed ids; one taken up from
     * another hub says so in its steps.
     */
    public List<String> claim(String accepted) {
        List<Claimable> claimed = queue.claim(accepted, properties.concurrentDeploys(), deployment -> true);
        claimed.stream().filter(deployment -> deployment.claimedBy() != null).forEach(this::recordTakeUp);
        return claimed.stream().map(Claimable::deploymentId).toList();
    }

    /** The deployment went through the model-deploy route, whichever way it ended: its slot is free. */
    public void done(String deploymentId) {
        queue.done(deploymentId);
    }

    /** Stopping: the deployments this hub had not finished are free for the other hubs now. */
    @PreDestroy
    public void releaseAll() {
        queue.releaseAll();
    }

    private void recordTakeUp(Claimable deployment) {
        try {
            deployments.step(deployment.deploymentId(), hub.id(), new Step("take-up", EdgeRegistry.now(), 0,
                    "taken up by hub " + hub.id() + " from the first step: hub " + deployment.claimedBy()
                            + " stopped running it while " + deployment.status()));
        } catch (DataAccessException e) {
            LOG.warn("Model deployment {}: its take-up was not recorded ({}); it runs", deployment.deploymentId(),
                    e.getMostSpecificCause().getMessage()); // it must reach model-deploy, or its slot stays taken
        }
    }
}
