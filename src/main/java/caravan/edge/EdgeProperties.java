package caravan.edge;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Edges and deployments.
 *
 * @param offlineAfter   an edge whose agent has not been heard from for this long is offline
 * @param ackTimeout     a dispatched deployment no agent has reported on for this long fails (an edge that comes back
 *                       within it still gets the command: QoS 1 on its persistent session)
 * @param progressTimeout a deployment under way (pulling, starting, running), or queued for SSH, with no new status
 *                       for this long fails: the agent, or the hub deploying over SSH, stopped and could not finish
 *                       it (keep it above the edges' pull timeouts)
 * @param eventsGroup    hubs read agent events through this MQTT 5 shared subscription, so each event is applied by
 *                       one hub when several share a database
 * @param defaultCpus    CPU limit of a deployed provider container
 * @param defaultMemory  memory limit of a deployed provider container (Docker syntax)
 * @param healthWindow   a new provider is healthy once its container has kept running this long
 * @param healthRequiresTrajectories and its trajectories arrived on the edge's topic within that window
 * @param autoRollback   a provider that fails the health gate is replaced by the edge's previous healthy deployment
 * @param groupTick      how often deployment groups are looked at to start their next wave
 * @param timeoutCheckInterval how often edges are checked for silence and deployments for the timeouts above
 * @param claimTtl       how long an unclaimed device's claim code stays valid, and a claimed one's credential waits
 *                       to be collected
 * @param maxPendingClaims devices that may wait to be claimed at once (announcing needs no key: this bounds it)
 */
@ConfigurationProperties("caravan.edges")
public record EdgeProperties(
        @DefaultValue("60s") Duration offlineAfter,
        @DefaultValue("10m") Duration ackTimeout,
        @DefaultValue("45m") Duration progressTimeout,
        @DefaultValue("caravan-hubs") String eventsGroup,
        @DefaultValue("2.0") double defaultCpus,
        @DefaultValue("2g") String defaultMemory,
        @DefaultValue("30s") Duration healthWindow,
        @DefaultValue("true") boolean healthRequiresTrajectories,
        @DefaultValue("true") boolean autoRollback,
        @DefaultValue("2s") Duration groupTick,
        @DefaultValue("5s") Duration timeoutCheckInterval,
        @DefaultValue("24h") Duration claimTtl,
        @DefaultValue("1000") int maxPendingClaims) {
}
