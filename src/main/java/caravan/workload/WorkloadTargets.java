package caravan.workload;

import org.springframework.stereotype.Component;

import caravan.api.Problems;
import caravan.deploy.DeploySteps;
import caravan.deploy.DeviceCapabilities;
import caravan.edge.EdgeRegistry;
import caravan.edge.EdgeRegistry.Edge;
import caravan.workload.Workload.Resources;

/** Where each workload runs: its cloud target, or its agentless edge. */
@Component
public class WorkloadTargets {

    private final CloudTargets cloud;
    private final SshEdgeTargets edges;
    private final EdgeRegistry registry;

    public WorkloadTargets(CloudTargets cloud, SshEdgeTargets edges, EdgeRegistry registry) {
        this.cloud = cloud;
        this.edges = edges;
        this.registry = registry;
    }

    WorkloadTarget of(Workload workload) {
        return "cloud".equals(workload.target()) ? cloud.get(workload.cloudTarget()) : edges.get(workload.deviceId());
    }

    /** Notes what keeps a request's target from being served. */
    void check(String target, String deviceId, String cloudTarget, Problems problems) {
        if ("cloud".equals(target)) {
            problems.required(cloudTarget, "cloudTarget");
            cloud.checkKnown(cloudTarget, problems);
        } else if ("edge".equals(target)) {
            problems.required(deviceId, "deviceId");
            edges.checkServed(deviceId, problems);
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
