package caravan.workload;

import org.springframework.stereotype.Component;

import caravan.api.Problems;
import caravan.deploy.DeploySteps;
import caravan.deploy.DeviceCapabilities;
import caravan.edge.EdgeRegistry;
import caravan.edge.EdgeRegistry.Edge;
import caravan.workload.Workload.Resources;

/** Where each workload runs: its cloud target, or its edge (through its agent, or over SSH). */
@Component
public class WorkloadTargets {

    private final CloudTargets cloud;
    private final SshEdgeTargets sshEdges;
    private final AgentEdgeTargets agentEdges;
    private final EdgeRegistry registry;

    public WorkloadTargets(CloudTargets cloud, SshEdgeTargets sshEdges, AgentEdgeTargets agentEdges,
            EdgeRegistry registry) {
        this.cloud = cloud;
        this.sshEdges = sshEdges;
        this.agentEdges = agentEdges;
        this.registry = registry;
    }

    WorkloadTarget of(Workload workload) {
        if ("cloud".equals(workload.target())) {
            return cloud.get(workload.cloudTarget());
        }
        Edge edge = registry.edge(workload.deviceId()).orElseThrow(() -> new TargetGoneException("edge "
                + workload.deviceId() + " is not registered (any more)"));
        return "ssh".equals(edge.transport()) ? sshEdges.get(edge) : agentEdges.get(edge);
    }

    /** Notes what keeps a request's target from being served. */
    void check(String target, String deviceId, String cloudTarget, Problems problems) {
        if ("cloud".equals(target)) {
            problems.required(cloudTarget, "cloudTarget");
            cloud.checkKnown(cloudTarget, problems);
        } else if ("edge".equals(target) && problems.required(deviceId, "deviceId") != null) {
            Edge edge = registry.edge(deviceId).orElse(null);
            if (edge == null) {
                problems.add("deviceId '" + deviceId + "' is not a registered edge");
            } else if ("ssh".equals(edge.transport())) {
                sshEdges.checkServed(edge, problems);
            } else if ("agent".equals(edge.transport())) {
                agentEdges.checkServed(edge, problems);
            } else {
                problems.add("edge " + deviceId + " is a device streaming commands (transport " + edge.transport()
                        + "): it runs no containers");
            }
        }
    }

    /**
     * Notes a request for more memory or CPUs than the edge last reported having (its agent's heartbeat, or the SSH
     * probe); the deploy checks the engine again before it pulls.
     */
    void checkCapabilities(String deviceId, Resources resources, Problems problems) {
        DeviceCapabilities capabilities = deviceId == null ? null
                : registry.edge(deviceId).map(Edge::capabilities).orElse(null);
        if (capabilities == null) {
            return;
        }
        long memoryMb;
        try {
            memoryMb = DeploySteps.memoryBytes(resources.memory()) / (1024 * 1024);
        } catch (IllegalArgumentException alreadyNoted) {
            return;
        }
        problems.check(capabilities.memoryMb() == null || memoryMb <= capabilities.memoryMb(), "resources.memory "
                + resources.memory() + " is more than edge " + deviceId + " has: it reports " + capabilities.memoryMb()
                + " MB");
        problems.check(capabilities.cpus() == null || resources.cpus() <= capabilities.cpus(), "resources.cpus "
                + resources.cpus() + " is more than edge " + deviceId + " has: it reports " + capabilities.cpus()
                + " CPUs");
    }
}
