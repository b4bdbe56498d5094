package caravan.alert;

import java.time.Instant;

/** A rule that fired: for a track, or for an edge (edge-silent: no track, object type or position). */
public record Alert(
        String alertId,
        String ruleId,
        String type,
        String severity,
        String venueId,
        String edgeId,
        String trackId,
        String objectType,
        String message,
        Double x,
        Double z,
        Instant at,
        Instant acknowledgedAt) {
}
