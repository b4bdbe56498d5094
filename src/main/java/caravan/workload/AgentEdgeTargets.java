package caravan.workload;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.ProducerTemplate;
import org.springframework.stereotype.Component;

import caravan.api.Problems;
import caravan.deploy.AgentCommand.RegistryAuth;
import caravan.deploy.ContainerRuntime.ContainerSpec;
import caravan.deploy.ContainerRuntime.ContainerState;
import caravan.deploy.ContainerRuntime.ExecResult;
import caravan.deploy.HealthProbe;
import caravan.deploy.WorkloadContainers.CapacityException;
import caravan.edge.EdgeCommands;
import caravan.edge.EdgeRegistry;
import caravan.edge.EdgeRegistry.Edge;
import caravan.security.EdgeCredentials;

/**
 * Workloads on edges with an agent: each operation is a command signed by the hub, its arguments sealed to the edge
 * (a container spec carries secret environment), sent through the {@code edge-command-publish} route; the agent
 * applies it to its engine and answers on its events topic, and the caller waits for that answer. Health checks run
 * on the agent, against the workload's port on the edge itself.
 */
@Component
public class AgentEdgeTargets {

    static final String PUBLISH = "direct:edge-command-publish";

    private final EdgeRegistry registry;
    private final EdgeCommands commands;
    private final EdgeCredentials credentials;
    private final ProducerTemplate producer;
    private final ObjectMapper mapper;
    private final WorkloadProperties properties;

    public AgentEdgeTargets(EdgeRegistry registry, EdgeCommands commands, EdgeCredentials credentials,
            ProducerTemplate producer, ObjectMapper mapper, WorkloadProperties properties) {
        this.registry = registry;
        this.commands = commands;
        this.credentials = credentials;
        this.producer = producer;
        this.mapper = mapper;
        this.properties = properties;
    }

    /** Notes a problem unless the agent edge has a credential: what the hub sends it is sealed with it. */
    void checkServed(Edge edge, Problems problems) {
        problems.check(credentials.secret(edge.edgeId()).isPresent(), "edge " + edge.edgeId() + " has no credential "
                + "to seal the workload's settings to: issue one (POST /api/edges/" + edge.edgeId() + "/credentials) "
                + "or claim the device");
    }

    WorkloadTarget get(Edge edge) {
        return new AgentEdgeTarget(edge);
    }

    private final class AgentEdgeTarget implements WorkloadTarget {

        private final Edge edge;

        AgentEdgeTarget(Edge edge) {
            this.edge = edge;
        }

        /**
         * Sends {@code operation} and waits up to {@code wait} for the agent's answer.
         *
         * @throws CapacityException when the agent found the edge cannot hold the workload
         * @throws IllegalStateException naming why the agent did not do it, or that it did not answer
         */
        private JsonNode call(String operation, Map<String, Object> arguments, RegistryAuth auth, Duration wait)
                throws InterruptedException {
            String commandId = commands.record(edge.edgeId(), "workload-" + operation);
            JsonNode answer;
            try {
                ObjectNode message = mapper.createObjectNode().put("type", "workload").put("commandId", commandId)
                        .put("action", operation);
                ObjectNode workload = message.putObject("workload");
                workload.setAll((ObjectNode) mapper.valueToTree(arguments));
                // the agent does not start what the hub has stopped waiting for
                workload.put("deadline", System.currentTimeMillis() + wait.toMillis());
                if (auth != null) {
                    message.set("registryAuth", mapper.valueToTree(auth));
                }
                producer.sendBodyAndHeader(PUBLISH, commands.forAgent(edge.edgeId(), message.toString(), wait),
                        "CaravanEdgeId", edge.edgeId());
                answer = commands.awaitAnswer(edge.edgeId(), commandId, wait);
            } finally {
                commands.forget(commandId);
            }
            if (answer == null) {
                throw new IllegalStateException("edge " + edge.edgeId() + "'s agent did not answer " + operation
                        + " within " + wait.toSeconds() + " s: is it online? (it was last seen " + registry
                        .edge(edge.edgeId()).map(Edge::lastSeen).map(Object::toString).orElse("never") + ")");
            }
            if (!answer.path("ok").asBoolean()) {
                String error = answer.path("error").asText("the agent gave no reason");
                throw answer.path("capacity").asBoolean() ? new CapacityException(error) : new IllegalStateException(error);
            }
            return answer;
        }

        private JsonNode quick(String operation, Map<String, Object> arguments) {
            try {
                return call(operation, arguments, null, properties.agentAnswerTimeout());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(operation + " on edge " + edge.edgeId() + " was interrupted", e);
            }
        }

        private <T> T read(JsonNode node, Class<T> type) {
            try {
                return node == null || node.isNull() ? null : mapper.treeToValue(node, type);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("edge " + edge.edgeId() + "'s agent answered what the hub cannot read: "
                        + e.getOriginalMessage(), e);
            }
        }

        @Override
        public void checkCapacity(ContainerSpec spec) {
            quick("capacity", Map.of("spec", spec));
        }

        @Override
        public void pull(String image, RegistryAuth auth) throws InterruptedException {
            call("pull", Map.of("image", image), auth, properties.pullTimeout());
        }

        @Override
        public String replace(ContainerSpec spec) {
            return quick("replace", Map.of("spec", spec, "container", spec.name())).path("containerId").asText();
        }

        @Override
        public Optional<ContainerState> state(String container) {
            return Optional.ofNullable(read(quick("state", Map.of("container", container)).get("container"),
                    ContainerState.class));
        }

        @Override
        public void stop(String container) {
            quick("stop", Map.of("container", container));
        }

        @Override
        public void start(String container) {
            quick("start", Map.of("container", container));
        }

        @Override
        public void restart(String container) {
            quick("restart", Map.of("container", container));
        }

        @Override
        public void remove(String container) {
            quick("remove", Map.of("container", container));
        }

        @Override
        public ExecResult exec(String container, List<String> command, Duration timeout) throws InterruptedException {
            return read(call("exec", Map.of("container", container, "command", command, "timeoutSeconds",
                    timeout.toSeconds()), null, timeout.plus(properties.agentAnswerTimeout())).get("exec"), ExecResult.class);
        }

        @Override
        public String logs(String container, int tail) {
            return quick("logs", Map.of("container", container, "tail", tail)).path("output").asText();
        }

        @Override
        @SuppressWarnings("unchecked")
        public Map<String, Object> stats(String container) {
            return read(quick("stats", Map.of("container", container)).get("stats"), Map.class);
        }

        /** Where the edge is reached, when it was commissioned with an address. */
        @Override
        public String address(int port) {
            return edge.address() == null ? null : edge.address() + ":" + port;
        }

        /** On the agent, against the workload's port on the edge's own loopback: no address is needed from here. */
        @Override
        public HealthProbe.Result probe(HealthProbe probe, String container, Integer hostPort) throws InterruptedException {
            Map<String, Object> arguments = new LinkedHashMap<>();
            arguments.put("probe", probe);
            arguments.put("container", container);
            arguments.put("hostPort", hostPort);
            return read(call("probe", arguments, null, Duration.ofSeconds(probe.timeoutSeconds())
                    .plus(properties.agentAnswerTimeout())).get("probe"), HealthProbe.Result.class);
        }
    }
}
