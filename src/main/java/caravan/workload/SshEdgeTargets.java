package caravan.workload;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

import caravan.api.Problems;
import caravan.deploy.AgentCommand.RegistryAuth;
import caravan.deploy.ContainerRuntime.ContainerSpec;
import caravan.deploy.ContainerRuntime.ContainerState;
import caravan.deploy.ContainerRuntime.ExecResult;
import caravan.deploy.WorkloadContainers;
import caravan.edge.EdgeRegistry.Edge;
import caravan.ssh.RemoteDockerRuntime;
import caravan.ssh.SshConnections;
import caravan.ssh.SshProperties;
import caravan.ssh.SshSession;

/**
 * Workloads on agentless edges (transport ssh): each operation logs in over SSH (the edge's pinned host key, its encrypted
 * credentials), runs the docker CLI there and logs out, taking turns with deploys to the same edge.
 */
@Component
public class SshEdgeTargets {

    private final SshConnections connections;
    private final SshProperties ssh;
    private final ObjectMapper mapper;

    public SshEdgeTargets(SshConnections connections, SshProperties ssh, ObjectMapper mapper) {
        this.connections = connections;
        this.ssh = ssh;
        this.mapper = mapper;
    }

    /** Notes a problem unless the agentless edge's host key is trusted. */
    void checkServed(Edge edge, Problems problems) {
        problems.check(edge.ssh() != null && edge.ssh().hostKeyVerified(), "edge " + edge.edgeId() + "'s host key is "
                + "not confirmed: nothing is deployed to it until it is");
    }

    WorkloadTarget get(Edge edge) {
        return new SshEdgeTarget(edge);
    }

    private final class SshEdgeTarget implements WorkloadTarget {

        private final Edge edge;
        private final String where;

        SshEdgeTarget(Edge edge) {
            this.edge = edge;
            this.where = "edge " + edge.edgeId();
        }

        private void onEdgeDo(Consumer<RemoteDockerRuntime> operation) {
            onEdge(engine -> {
                operation.accept(engine);
                return null;
            });
        }

        private <T> T onEdge(Function<RemoteDockerRuntime, T> operation) {
            try (SshSession session = connections.open(edge.edgeId())) {
                return operation.apply(new RemoteDockerRuntime(session, ssh, mapper));
            }
        }

        @Override
        public void checkCapacity(ContainerSpec spec) {
            onEdgeDo(engine -> WorkloadContainers.checkRoom(engine, spec, where, ssh.minFreeDiskMb() * 1024 * 1024));
        }

        @Override
        public void pull(String image, RegistryAuth auth) {
            onEdgeDo(engine -> engine.pull(image, auth));
        }

        @Override
        public String replace(ContainerSpec spec) {
            return onEdge(engine -> WorkloadContainers.replace(engine, spec, where));
        }

        @Override
        public Optional<ContainerState> state(String container) {
            return onEdge(engine -> engine.state(container));
        }

        @Override
        public void stop(String container) {
            onEdgeDo(engine -> engine.stop(container));
        }

        @Override
        public void start(String container) {
            onEdgeDo(engine -> engine.start(container));
        }

        @Override
        public void restart(String container) {
            onEdgeDo(engine -> engine.restart(container));
        }

        @Override
        public void remove(String container) {
            onEdgeDo(engine -> engine.remove(container));
        }

        @Override
        public ExecResult exec(String container, List<String> command, Duration timeout) {
            return onEdge(engine -> engine.exec(container, command, timeout));
        }

        @Override
        public String logs(String container, int tail) {
            return onEdge(engine -> engine.logs(container, tail));
        }

        @Override
        public Map<String, Object> stats(String container) {
            return onEdge(engine -> engine.stats(container));
        }

        @Override
        public String address(int port) {
            return edge.address() + ":" + port;
        }
    }
}
