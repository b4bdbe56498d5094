package caravan.alert;

import java.time.Instant;

/**
 * A rule that fired: for a track, for an edge (edge-silent: no track, object type or position), or for a workload
 * that turned unhealthy (no venue unless it runs on an edge of one).
 */
public record Alert(
        String alertId,
        String ruleId,
        String type,
        String severity,
        String venueId,
        String edgeId,
        String workloadId,
        String trackId,
        String objectType,
        String message,
        Double x,
        Double z,
        Instant at,
        Instant acknowledgedAt) {

    /** Where the alert is published on the broker: its venue's topic, or its workload's. */
    public String topic() {
        return venueId != null ? "caravan/alerts/" + venueId : "caravan/alerts/workloads/" + workloadId;
    }
}
