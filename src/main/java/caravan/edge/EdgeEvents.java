package caravan.edge;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What edge agents report on {@code caravan/edges/{edgeId}/events}: heartbeats (which also register an edge on
 * first contact), deployment statuses and answers to container operations.
 */
@Component
public class EdgeEvents {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeEvents.class);
    static final List<String> DEPLOYMENT_STATUSES = List.of("pulling", "starting", "running", "healthy", "failed");

    private final EdgeRegistry registry;
    private final DeploymentStore deployments;
    private final EdgeCommands commands;
    private final EdgeProperties properties;

    public EdgeEvents(EdgeRegistry registry, DeploymentStore deployments, EdgeCommands commands,
            EdgeProperties properties) {
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

    public void handle(String edgeId, JsonNode event) {
        String type = event.path("type").asText();
        switch (type) {
            case "heartbeat" -> registry.heartbeat(edgeId, event.path("agentVersion").asText(null),
                    event.path("dockerVersion").asText(null));
            case "deployment-status" -> {
                String status = event.path("status").asText();
                if (!DEPLOYMENT_STATUSES.contains(status)) {
                    LOG.warn("Edge {} reported unknown deployment status '{}'", edgeId, status);
                    return;
                }
                registry.heartbeat(edgeId, event.path("agentVersion").asText(null), event.path("dockerVersion").asText(null));
                deployments.advance(event.path("deploymentId").asText(), status, event.path("detail").asText(null),
                        reportedAt(event));
            }
            case "command-result" -> {
                registry.heartbeat(edgeId, event.path("agentVersion").asText(null), null);
                commands.recordResult(edgeId, event);
            }
            default -> LOG.warn("Edge {} sent an event of unknown type '{}'", edgeId, type);
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
