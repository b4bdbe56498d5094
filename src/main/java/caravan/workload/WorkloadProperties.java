package caravan.workload;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Workloads: named containers on edges and cloud targets.
 *
 * @param cloudTargets      the cloud targets by name
 * @param concurrentDeploys deploys carried out at once
 * @param pullTimeout       longest a pull may take
 * @param settle            a new container must still be running, without restarts, this long after it started
 * @param healthTick        how often each hub looks for health checks that are due
 * @param healthRetention   how long health check results are kept
 * @param healthPruneInterval how often results past their retention are deleted
 * @param pendingTimeout    a deploy queued this long and never started (its hub stopped) is started by another
 * @param interruptionCheck how often hubs look for deploys a hub stopped in the middle of
 * @param agentAnswerTimeout how long the hub waits for an edge's agent to answer an operation on a workload (a pull
 *                          waits for {@code pullTimeout}, a check or a command for its own timeout on top)
 */
@ConfigurationProperties("caravan.workloads")
public record WorkloadProperties(
        @DefaultValue Map<String, CloudTargetProperties> cloudTargets,
        @DefaultValue("2") int concurrentDeploys,
        @DefaultValue("10m") Duration pullTimeout,
        @DefaultValue("3s") Duration settle,
        @DefaultValue("1s") Duration healthTick,
        @DefaultValue("7d") Duration healthRetention,
        @DefaultValue("1h") Duration healthPruneInterval,
        @DefaultValue("30s") Duration agentAnswerTimeout,
        @DefaultValue("1h") Duration pendingTimeout,
        @DefaultValue("1m") Duration interruptionCheck) {

    /** Longer than any deploy step takes: a deploy with no step for this long was interrupted. */
    public Duration longestStep() {
        return pullTimeout.plus(settle).plus(agentAnswerTimeout).plusMinutes(1);
    }

    /**
     * A Docker engine on a cloud VM, reached over TCP with mutual TLS, as {@code dockerd --tlsverify} serves it.
     *
     * @param dockerHost    {@code tcp://host:2376}
     * @param ca            PEM of the CA that signed the engine's certificate
     * @param certificate   PEM of the hub's client certificate, signed by a CA the engine trusts
     * @param privateKey    PEM of its key
     * @param publicAddress the host the VM's published ports are reached at: workloads' addresses are made of it
     */
    public record CloudTargetProperties(String dockerHost, Path ca, Path certificate, Path privateKey,
            String publicAddress) {
    }
}
