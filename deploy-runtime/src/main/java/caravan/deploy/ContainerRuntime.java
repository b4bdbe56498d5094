package caravan.deploy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * A Docker engine: an edge's own through the engine API ({@link EngineApiRuntime}), an agentless edge's through the
 * docker CLI over SSH ({@code caravan.ssh.RemoteDockerRuntime}), or a cloud VM's through the engine API over mutual
 * TLS. The deploy steps and container operations are written against this, so every transport does the same things
 * in the same order.
 */
public interface ContainerRuntime {

    String DEPLOYMENT_LABEL = "caravan.deployment";
    String WORKLOAD_LABEL = "caravan.workload";

    /**
     * What a container is made from: the HER provider's settings, or a workload's.
     *
     * @param network      {@code host}, {@code bridge} or another network of the engine
     * @param ports        published ports (ignored by the engine on the host network, where the container's own
     *                     ports are the host's)
     * @param readOnlyBinds host path to container path, mounted read-only
     * @param pids         most processes the container may run; 0 for the engine's default
     */
    @JsonIgnoreProperties(ignoreUnknown = true) // an agent older than its hub still reads what it knows
    record ContainerSpec(String name, String image, List<String> env, String network, List<PortMapping> ports,
            Map<String, String> readOnlyBinds, double cpus, long memoryBytes, long pids, Map<String, String> labels) {
    }

    /** {@code hostPort} on the engine's host forwards to {@code containerPort}; protocol {@code tcp} or {@code udp}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record PortMapping(int containerPort, int hostPort, String protocol) {
    }

    /** A command run in a container: its exit code and its output, stdout and stderr interleaved. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ExecResult(int exitCode, String output) {
    }

    /** What the engine's machine has, for refusing a container it could not hold before anything is touched. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Capacity(int cpus, long memoryBytes, String architecture, String dockerVersion) {
    }

    /** What a container is doing, as heartbeats and the health gate see it; the ids are its labels'. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ContainerState(String name, String image, String deploymentId, String workloadId, String status, boolean running,
            int restartCount, Integer exitCode) {
    }

    String dockerVersion();

    Capacity capacity();

    boolean imagePresent(String image);

    /** Bytes free where the engine keeps images. */
    long freeDisk() throws IOException;

    /** Pulls {@code image} (a reference with tag or digest) with {@code auth} if given, which is never written to disk in clear. */
    void pull(String image, AgentCommand.RegistryAuth auth) throws InterruptedException;

    Optional<ContainerState> state(String name);

    /** Stops and removes the container if there is one. */
    void remove(String name);

    void stop(String name);

    void restart(String name);

    /** Starts a stopped container. */
    void start(String name);

    /** Creates and starts a container as {@code spec} says, restarted unless stopped. Returns the container id. */
    String run(ContainerSpec spec);

    /** Runs {@code command} in the running container; fails when it does not end within {@code timeout}. */
    ExecResult exec(String name, List<String> command, Duration timeout) throws InterruptedException;

    /** The last {@code lines} lines of the container's output, stdout and stderr interleaved. */
    String logs(String name, int lines) throws InterruptedException;

    /** One sample of CPU and memory use. */
    Map<String, Object> stats(String name) throws InterruptedException;

    /** Removes the given images except those in {@code keep}; an image still in use stays. Returns what was removed. */
    List<String> removeImages(Set<String> candidates, Set<String> keep);
}
