package caravan.alert;

import java.time.Instant;

/** A rule that fired for a track. */
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
        double x,
        double z,
        Instant at,
        Instant acknowledgedAt) {
}
