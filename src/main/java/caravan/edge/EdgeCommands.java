package caravan.edge;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import caravan.api.InputRejectedException;
import caravan.api.NotFoundException;
import caravan.docker.RegistryProperties;
import caravan.edge.DeploymentStore.Deployment;
import caravan.security.CommandSigningKey;
import caravan.security.EdgeCredentials;

/**
 * Commands for edge agents: deploys (the document plus the health gate and, for images in our registry, the pull
 * credentials, which are never stored) and container operations, whose answers are kept in edge_commands. What goes
 * to an agent is signed by the hub and expires when the hub would stop waiting for its answer, with the pull
 * credentials sealed to the edge.
 */
@Component
public class EdgeCommands {

    static final List<String> CONTAINER_ACTIONS = List.of("stop", "restart", "remove", "logs", "stats");
    /** How often a caller waiting for an answer looks in the database, for answers another hub recorded. */
    static final Duration ANSWER_POLL = Duration.ofSeconds(1);

    public record EdgeCommand(String commandId, String edgeId, String action, String status, JsonNode result,
            OffsetDateTime sentAt, OffsetDateTime answeredAt) {
    }

    private final JdbcClient jdbc;
    private final ObjectMapper mapper;
    private final EdgeProperties properties;
    private final RegistryProperties registry;
    private final EdgeApi api;

    private final CommandSigningKey signingKey;
    private final EdgeCredentials credentials;
    /** Calls waiting on this hub for their answers. */
    private final Map<String, CompletableFuture<Void>> answered = new ConcurrentHashMap<>();

    public EdgeCommands(JdbcClient jdbc, ObjectMapper mapper, EdgeProperties properties, RegistryProperties registry,
            EdgeApi api, CommandSigningKey signingKey, EdgeCredentials credentials) {
        this.signingKey = signingKey;
        this.credentials = credentials;
        this.jdbc = jdbc;
        this.mapper = mapper;
        this.properties = properties;
        this.registry = registry;
        this.api = api;
    }

    /** The deploy command for the agent; its command id is the deployment id, so a redelivery is recognised. */
    public String deployCommand(Deployment deployment) {
        ObjectNode command = mapper.createObjectNode();
        command.put("type", "deploy");
        command.put("commandId", deployment.deploymentId());
        command.set("deployment", deployment.document());
        ObjectNode gate = command.putObject("healthGate");
        gate.put("windowSeconds", properties.healthWindow().toSeconds());
        gate.put("requireTrajectories", properties.healthRequiresTrajectories());
        gate.put("rollbackOnFailure", properties.autoRollback());
        String image = deployment.document().path("provider").path("image").asText();
        if (registry.hasCredentials() && image.startsWith(registry.url() + "/")) {
            ObjectNode auth = command.putObject("registryAuth");
            auth.put("serverAddress", registry.url());
            auth.put("username", registry.username());
            auth.put("password", registry.password());
        }
        return command.toString();
    }

    /**
     * The command as it crosses the broker to the edge's agent: its pull credentials sealed to the edge, the whole
     * signed by the hub, expiring after {@code caravan.edges.ack-timeout}, when the hub stops waiting for it.
     */
    public String forAgent(String edgeId, String commandJson) {
        return forAgent(edgeId, commandJson, properties.ackTimeout());
    }

    /** As {@link #forAgent(String, String)}, expiring after {@code ttl}: when the hub stops waiting for its answer. */
    public String forAgent(String edgeId, String commandJson, Duration ttl) {
        return signingKey.sign(edgeId, credentials.secret(edgeId).orElse(null), commandJson, ttl);
    }

    /** Records a command sent to an edge's agent, waiting for its answer; returns its id. The caller sends it. */
    public String record(String edgeId, String action) {
        String commandId = UUID.randomUUID().toString();
        jdbc.sql("INSERT INTO edge_commands (command_id, edge_id, action, status, sent_at) "
                        + "VALUES (:id, :edge, :action, 'sent', :now)")
                .param("id", commandId).param("edge", edgeId).param("action", action).param("now", EdgeRegistry.now())
                .update();
        return commandId;
    }

    /**
     * The agent's answer to a recorded call, or null when none came within {@code wait}. An answer this hub records
     * wakes the caller at once; one another hub records (they share the agents' events) is seen within
     * {@link #ANSWER_POLL}. The caller {@link #forget}s the call after.
     */
    public JsonNode awaitAnswer(String edgeId, String commandId, Duration wait) throws InterruptedException {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        answered.put(commandId, answer);
        try {
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                EdgeCommand command = command(edgeId, commandId);
                if (!"sent".equals(command.status())) {
                    return command.result();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                try {
                    answer.get(Math.min(left, ANSWER_POLL.toNanos()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException | ExecutionException notYet) {
                    // look in the database again
                }
            }
        } finally {
            answered.remove(commandId);
        }
    }

    /** A call that was answered, or given up on: its answer is the caller's, nobody else reads it. */
    public void forget(String commandId) {
        jdbc.sql("DELETE FROM edge_commands WHERE command_id = :id").param("id", commandId).update();
    }

    /** Calls whose caller stopped before forgetting them (its hub stopped): gone after a day. Returns how many. */
    public int forgetAbandonedCalls() {
        return jdbc.sql("DELETE FROM edge_commands WHERE action LIKE 'workload-%' AND sent_at < :before")
                .param("before", EdgeRegistry.now().minusDays(1)).update();
    }

    /** Records a container operation for an edge's agent and returns it; the route sends it. */
    public EdgeCommand containerCommand(String edgeId, String action, Integer tail) {
        api.edge(edgeId);
        if (!CONTAINER_ACTIONS.contains(action)) {
            throw new InputRejectedException(List.of("unknown container action '" + action + "': use one of "
                    + String.join(", ", CONTAINER_ACTIONS)));
        }
        if (tail != null && tail <= 0) {
            throw new InputRejectedException(List.of("tail must be a positive number of lines"));
        }
        return command(edgeId, record(edgeId, action));
    }

    /** The JSON the agent gets for a container operation. */
    public String containerMessage(EdgeCommand command, Integer tail) {
        ObjectNode message = mapper.createObjectNode();
        message.put("type", "container");
        message.put("commandId", command.commandId());
        message.put("action", command.action());
        if (tail != null) {
            message.put("tail", tail);
        }
        return message.toString();
    }

    /** The command could not be handed to the broker: it is failed with the reason, not left waiting. */
    public EdgeCommand notSent(EdgeCommand command, String reason) {
        ObjectNode result = mapper.createObjectNode();
        result.put("ok", false);
        result.put("error", "the command could not be sent: " + reason);
        recordResult(command.edgeId(), result.put("commandId", command.commandId()));
        return command(command.edgeId(), command.commandId());
    }

    /** An agent's answer to a container operation; answers to unknown or already answered commands are ignored. */
    public void recordResult(String edgeId, JsonNode event) {
        String commandId = event.path("commandId").asText();
        jdbc.sql("UPDATE edge_commands SET status = :status, result = :result, answered_at = :now "
                        + "WHERE command_id = :id AND edge_id = :edge AND status = 'sent'")
                .param("status", event.path("ok").asBoolean() ? "done" : "failed").param("result", event.toString())
                .param("now", EdgeRegistry.now()).param("id", commandId).param("edge", edgeId)
                .update();
        CompletableFuture<Void> waiting = answered.get(commandId);
        if (waiting != null) {
            waiting.complete(null);
        }
    }

    public EdgeCommand command(String edgeId, String commandId) {
        return find(edgeId, commandId).orElseThrow(() -> new NotFoundException("no command " + commandId + " for edge " + edgeId));
    }

    private Optional<EdgeCommand> find(String edgeId, String commandId) {
        return jdbc.sql("SELECT * FROM edge_commands WHERE command_id = :id AND edge_id = :edge")
                .param("id", commandId).param("edge", edgeId)
                .query((rs, row) -> new EdgeCommand(rs.getString("command_id"), rs.getString("edge_id"),
                        rs.getString("action"), rs.getString("status"), readJson(rs.getString("result")),
                        rs.getObject("sent_at", OffsetDateTime.class), rs.getObject("answered_at", OffsetDateTime.class)))
                .optional();
    }

    private JsonNode readJson(String json) {
        try {
            return json == null ? null : mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored command result is not JSON", e);
        }
    }
}
