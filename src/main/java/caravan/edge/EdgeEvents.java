package caravan.edge;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

import caravan.deploy.DeviceCapabilities;
import caravan.security.AuditLog;

/**
 * What edge agents report on {@code caravan/edges/{edgeId}/events}, one method per event type (the {@code edge-events}
 * route chooses): heartbeats (which also register an edge on first contact), deployment statuses, answers to
 * container operations and refusals of commands; and the timeouts of silent edges and deployments.
 */
@Component
public class EdgeEvents {

    static final List<String> DEPLOYMENT_STATUSES = List.of("pulling", "starting", "running", "healthy", "failed");
    /** Refusals of commands whose signature held: the hub did send them, so they will not be applied. */
    static final List<String> REFUSALS_OF_THE_HUBS_COMMANDS = List.of("expired", "sealed");

    private final EdgeRegistry registry;
    private final DeploymentStore deployments;
    private final EdgeCommands commands;
    private final EdgeProperties properties;
    private final AuditLog audit;
    private final MeterRegistry meters;
    private final ObjectMapper mapper;

    public EdgeEvents(EdgeRegistry registry, DeploymentStore deployments, EdgeCommands commands,
            EdgeProperties properties, AuditLog audit, MeterRegistry meters, ObjectMapper mapper) {
        this.mapper = mapper;
        this.audit = audit;
        this.meters = meters;
        this.registry = registry;
        this.deployments = deployments;
        this.commands = commands;
        this.properties = properties;
    }

    /** The edge id in {@code caravan/edges/{edgeId}/events}. */
    public String edgeIdOf(String topic) {
        String[] parts = topic.split("/");
        return parts.length == 4 ? parts[2] : null;
    }

    /**
     * {@code heartbeat}: the edge is alive (registered on first contact), with its agent's and engine's versions and
     * what it can hold.
     */
    public void heartbeat(String edgeId, JsonNode event) throws JsonProcessingException {
        registry.heartbeat(edgeId, event.path("agentVersion").asText(null), event.path("dockerVersion").asText(null),
                event.hasNonNull("capabilities") ? mapper.treeToValue(event.get("capabilities"), DeviceCapabilities.class)
                        : null);
    }

    /** {@code deployment-status}: a step of a deployment on the edge, filed in the deployment's history. */
    public void deploymentStatus(String edgeId, JsonNode event) {
        String status = event.path("status").asText();
        if (!DEPLOYMENT_STATUSES.contains(status)) {
            throw new IllegalArgumentException("unknown deployment status '" + status + "'");
        }
        registry.heartbeat(edgeId, event.path("agentVersion").asText(null), null, null);
        deployments.advance(event.path("deploymentId").asText(), status, event.path("detail").asText(null),
                reportedAt(event));
    }

    /** {@code command-result}: the agent's answer to a container operation. */
    public void commandResult(String edgeId, JsonNode event) {
        registry.heartbeat(edgeId, event.path("agentVersion").asText(null), null, null);
        commands.recordResult(edgeId, event);
    }

    /**
     * {@code command-refused}: the agent would not apply a command (not the hub's, for another edge, expired,
     * applied before, or sealed to another credential). Audited and counted; a command of the hub's that the agent
     * refused for its age or its seal fails, saying why, rather than wait for its timeout.
     */
    public void commandRefused(String edgeId, JsonNode event) {
        String commandId = event.path("commandId").asText("");
        String reason = event.path("reason").asText("unknown");
        String detail = event.path("detail").asText("");
        audit.record("edge " + edgeId, "command refused", "caravan/edges/" + edgeId + "/commands " + commandId,
                reason + ": " + detail, "mqtt");
        meters.counter("caravan.edges.commands.refused", "edge", edgeId, "reason", reason).increment();
        if (REFUSALS_OF_THE_HUBS_COMMANDS.contains(reason)) {
            String why = "refused by the edge's agent: " + detail;
            deployments.find(commandId).filter(deployment -> deployment.edgeId().equals(edgeId))
                    .ifPresent(deployment -> deployments.advance(commandId, "failed", why));
            commands.recordResult(edgeId, JsonNodeFactory.instance.objectNode().put("commandId", commandId)
                    .put("ok", false).put("error", why));
        }
    }

    /** When the agent says the event happened ({@code at}, epoch ms); when it arrived if the agent does not say. */
    private static OffsetDateTime reportedAt(JsonNode event) {
        return event.path("at").isIntegralNumber()
                ? OffsetDateTime.ofInstant(Instant.ofEpochMilli(event.get("at").asLong()), ZoneOffset.UTC)
                : EdgeRegistry.now();
    }

    /** Deployments dispatched to agents that no agent reported on within {@code caravan.edges.ack-timeout} fail, saying so. */
    public int failUnacknowledged() {
        List<String> stale = deployments.unacknowledgedSince(EdgeRegistry.now().minus(properties.ackTimeout()));
        stale.forEach(id -> deployments.advance(id, "failed", "no agent acknowledged the deploy command within "
                + properties.ackTimeout().toSeconds() + " s (caravan.edges.ack-timeout): is the edge's agent running?"));
        return stale.size();
    }

    /** Deployments under way with no new status within {@code caravan.edges.progress-timeout} fail, saying so. */
    public int failStalled() {
        List<String> stalled = deployments.stalledSince(EdgeRegistry.now().minus(properties.progressTimeout()));
        stalled.forEach(id -> deployments.advance(id, "failed", "no status from the edge for "
                + properties.progressTimeout().toSeconds() + " s (caravan.edges.progress-timeout): the deploy was "
                + "interrupted, or never started (an SSH deploy still queued, or a hub restarted); see the edge's "
                + "container state, then deploy again"));
        return stalled.size();
    }

    /** Agent edges silent for longer than {@code caravan.edges.offline-after} go offline. */
    public int markSilentOffline() {
        Duration after = properties.offlineAfter();
        return registry.markSilentOffline(EdgeRegistry.now().minus(after));
    }
}
