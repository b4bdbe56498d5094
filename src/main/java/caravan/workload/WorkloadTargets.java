package caravan.workload;

import org.springframework.stereotype.Component;

import caravan.api.Problems;

/** Where each workload runs: its cloud target, or its agentless edge. */
@Component
public class WorkloadTargets {

    private final CloudTargets cloud;
    private final SshEdgeTargets edges;

    public WorkloadTargets(CloudTargets cloud, SshEdgeTargets edges) {
        this.cloud = cloud;
        this.edges = edges;
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
}
