package caravan.deploy;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Docker engine on an edge: the agent's own through the engine API ({@code caravan.agent.EngineApiRuntime}), or an agentless
 * edge's through the docker CLI over SSH ({@code caravan.ssh.RemoteDockerRuntime}). The deploy steps and container
 * operations are written against this, so both transports do the same things in the same order.
 */
public interface ContainerRuntime {

    String DEPLOYMENT_LABEL = "caravan.deployment";

    /** What the provider container is doing, as heartbeats and the health gate see it. */
    record ContainerState(String name, String image, String deploymentId, String status, boolean running,
            int restartCount, Integer exitCode) {
    }

    String dockerVersion();

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

    /**
     * Creates and starts the provider container: host network, {@code configDir} (a path on the edge) read-only at
     * {@code /config}, restarted unless stopped, CPU and memory limits, labelled. Returns the container id.
     */
    String start(String name, String image, List<String> env, String configDir, double cpus, long memoryBytes,
            Map<String, String> labels);

    /** The last {@code lines} lines of the container's output, stdout and stderr interleaved. */
    String logs(String name, int lines) throws InterruptedException;

    /** One sample of CPU and memory use. */
    Map<String, Object> stats(String name) throws InterruptedException;

    /** Removes the given images except those in {@code keep}; an image still in use stays. Returns what was removed. */
    List<String> removeImages(Set<String> candidates, Set<String> keep);
}
