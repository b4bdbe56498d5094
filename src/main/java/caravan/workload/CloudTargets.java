package caravan.workload;

import java.util.Map;
import java.util.TreeMap;

import org.springframework.stereotype.Component;

import caravan.api.Problems;
import caravan.workload.WorkloadTarget.CloudTarget;

/** The configured cloud targets by name ({@code caravan.workloads.cloud-targets}). */
@Component
public class CloudTargets {

    private final Map<String, CloudTarget> targets = new TreeMap<>();

    public CloudTargets(WorkloadProperties properties) {
        properties.cloudTargets().forEach((name, target) ->
                targets.put(name, new DockerEngineTarget(name, target, properties.pullTimeout())));
    }

    public CloudTarget get(String name) {
        CloudTarget target = targets.get(name);
        if (target == null) {
            throw new TargetGoneException("cloud target " + name + " is not configured (any more)");
        }
        return target;
    }

    /** Notes a problem when {@code name} is not a configured target, naming those that are. */
    void checkKnown(String name, Problems problems) {
        problems.check(name == null || targets.containsKey(name), "cloudTarget '" + name + "' is not configured; "
                + (targets.isEmpty() ? "none is (caravan.workloads.cloud-targets)" : "configured: " + targets.keySet()));
    }
}
