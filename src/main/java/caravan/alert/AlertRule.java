package caravan.alert;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.convert.DurationStyle;

/**
 * One rule of the rules file.
 *
 * @param venueId         the venue it watches; every venue when absent
 * @param zone            polygon of [x, z] corners (zone-enter, zone-exit)
 * @param bounds          rectangle a track must stay in (outside-bounds)
 * @param metersPerSecond speed limit (speed-above)
 * @param seconds         how long a track may stay in the zone (dwell-in-zone); how long an edge with a running
 *                        deployment may send nothing (edge-silent)
 * @param maxOccupants    how many tracks may be in the zone at once (occupancy-above)
 * @param objectTypes     only these object types; all when absent
 * @param cooldown        after firing, the rule is quiet this long for its venue ("30s", "5m"); default 30s
 */
public record AlertRule(
        String id,
        String type,
        String venueId,
        List<List<Double>> zone,
        Bounds bounds,
        Double metersPerSecond,
        Double seconds,
        Integer maxOccupants,
        List<String> objectTypes,
        String cooldown,
        String severity,
        String message) {

    public static final List<String> TYPES = List.of("zone-enter", "zone-exit", "dwell-in-zone", "occupancy-above",
            "outside-bounds", "speed-above", "edge-silent");

    public record Bounds(double minX, double maxX, double minZ, double maxZ) {
    }

    public Duration cooldownDuration() {
        return cooldown == null ? Duration.ofSeconds(30) : DurationStyle.detectAndParse(cooldown);
    }

    public String severityOrDefault() {
        return severity == null ? "warning" : severity;
    }

    /** What is wrong with this rule, each problem prefixed with its id (or position). */
    List<String> problems(String where) {
        List<String> problems = new ArrayList<>();
        if (id == null || id.isBlank()) {
            problems.add(where + ": id is required");
        }
        if (type == null || !TYPES.contains(type)) {
            problems.add(where + ": type must be one of " + TYPES);
        } else if (hasZone() && (zone == null || zone.size() < 3
                || zone.stream().anyMatch(corner -> corner == null || corner.size() != 2))) {
            problems.add(where + ": " + type + " needs a zone of at least three [x, z] corners");
        } else if (type.equals("dwell-in-zone") && (seconds == null || seconds <= 0)) {
            problems.add(where + ": dwell-in-zone needs seconds > 0");
        } else if (type.equals("edge-silent") && (seconds == null || seconds <= 0)) {
            problems.add(where + ": edge-silent needs seconds > 0");
        } else if (type.equals("occupancy-above") && (maxOccupants == null || maxOccupants < 0)) {
            problems.add(where + ": occupancy-above needs maxOccupants >= 0");
        } else if (type.equals("outside-bounds") && (bounds == null || bounds.minX() >= bounds.maxX()
                || bounds.minZ() >= bounds.maxZ())) {
            problems.add(where + ": outside-bounds needs bounds {minX < maxX, minZ < maxZ}");
        } else if (type.equals("speed-above") && (metersPerSecond == null || metersPerSecond <= 0)) {
            problems.add(where + ": speed-above needs metersPerSecond > 0");
        }
        try {
            cooldownDuration();
        } catch (IllegalArgumentException e) {
            problems.add(where + ": cooldown '" + cooldown + "' is not a duration like 30s or 5m");
        }
        return problems;
    }

    boolean hasZone() {
        return type.startsWith("zone-") || type.equals("dwell-in-zone") || type.equals("occupancy-above");
    }

    boolean watches(String trackVenueId, String objectType) {
        return (venueId == null || venueId.equals(trackVenueId))
                && (objectTypes == null || objectTypes.isEmpty() || objectTypes.contains(objectType));
    }

    /** Ray casting over the zone's [x, z] corners. */
    boolean zoneContains(double x, double z) {
        boolean inside = false;
        for (int i = 0, j = zone.size() - 1; i < zone.size(); j = i++) {
            double xi = zone.get(i).get(0), zi = zone.get(i).get(1);
            double xj = zone.get(j).get(0), zj = zone.get(j).get(1);
            if ((zi > z) != (zj > z) && x < (xj - xi) * (z - zi) / (zj - zi) + xi) {
                inside = !inside;
            }
        }
        return inside;
    }
}
