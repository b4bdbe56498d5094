package caravan.deploy;

/** Where the deploy steps report each status: the agent publishes it to the hub, the hub's SSH transport records it. */
@FunctionalInterface
public interface DeploymentReporter {

    void deploymentStatus(String deploymentId, String status, String detail);
}
