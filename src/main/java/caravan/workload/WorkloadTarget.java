package caravan.workload;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import caravan.deploy.AgentCommand.RegistryAuth;
import caravan.deploy.ContainerRuntime.ContainerSpec;
import caravan.deploy.ContainerRuntime.ContainerState;
import caravan.deploy.ContainerRuntime.ExecResult;
import caravan.deploy.HealthProbe;

/**
 * Where a workload runs, and what can be done there: a cloud target, or an agentless edge ({@link SshEdgeTargets}).
 */
public interface WorkloadTarget {

    /** Refuses a container the target cannot hold, before anything is touched. */
    void checkCapacity(ContainerSpec spec);

    void pull(String image, RegistryAuth auth) throws InterruptedException;

    /** Replaces the workload's container (by name) with a new one made from {@code spec}; returns its id. */
    String replace(ContainerSpec spec);

    Optional<ContainerState> state(String container);

    void stop(String container);

    void start(String container);

    void restart(String container);

    void remove(String container);

    ExecResult exec(String container, List<String> command, Duration timeout) throws InterruptedException;

    String logs(String container, int tail) throws InterruptedException;

    Map<String, Object> stats(String container) throws InterruptedException;

    /** Where a workload publishing {@code port} is reached from outside: {@code host:port}. */
    String address(int port);

    /**
     * Runs one health check of the workload in {@code container}: here by default, against {@link #address} (http,
     * tcp) or in the container (command).
     *
     * @param hostPort the published port the check is against; null for a command
     */
    default HealthProbe.Result probe(HealthProbe probe, String container, Integer hostPort) throws InterruptedException {
        String address = hostPort == null ? null : address(hostPort);
        return probe.run(address == null ? null : address.substring(0, address.lastIndexOf(':')), hostPort, container,
                this::exec);
    }

    /**
     * A cloud target. {@link DockerEngineTarget} is a Docker engine on a VM; a platform such as the reference's
     * Railway (a GraphQL API) would be another implementation, made from its own properties in {@link CloudTargets}.
     */
    interface CloudTarget extends WorkloadTarget {

        String name();
    }
}
