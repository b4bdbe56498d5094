package caravan.alert;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

import caravan.trajectory.Track;

/**
 * Checks each live track against the rules. Zone rules fire on the transition (a track first seen inside a zone
 * has entered it); dwell fires once per stay that lasts too long (by the tracks' own timestamps); occupancy counts
 * the tracks seen inside the zone within the last {@link #OCCUPANCY_WINDOW}. Every rule is then quiet for its
 * cooldown in that venue, so one event does not fire a storm.
 */
@Component
public class AlertEvaluator {

    private static final int MAX_TRACKED = 100_000;
    static final long OCCUPANCY_WINDOW = 5_000;

    /** When a track entered a dwell rule's zone (its own timestamp), and whether this stay already fired. */
    private record Stay(long enteredAt, boolean fired) {
    }

    private final AlertRules rules;
    /** rule|venue|track → whether the track was inside the rule's zone when last seen. */
    private final Map<String, Boolean> insideZone = new ConcurrentHashMap<>();
    /** rule|venue|track → the current stay in a dwell rule's zone. */
    private final Map<String, Stay> stays = new ConcurrentHashMap<>();
    /** rule|venue → track → when it was last seen inside the zone (track timestamp). */
    private final Map<String, Map<String, Long>> occupants = new ConcurrentHashMap<>();
    private final Cooldowns cooldowns = new Cooldowns();

    public AlertEvaluator(AlertRules rules) {
        this.rules = rules;
    }

    /** The alerts a message's tracks raise, in the tracks' order. */
    public List<Alert> evaluateAll(List<Track> tracks) {
        List<Alert> alerts = new ArrayList<>();
        for (Track track : tracks) {
            alerts.addAll(evaluate(track));
        }
        return alerts;
    }

    public List<Alert> evaluate(Track track) {
        List<Alert> alerts = new ArrayList<>();
        Instant now = Instant.now();
        for (AlertRule rule : rules.current()) {
            if (!rule.watches(track.venueId(), track.objectType())) {
                continue;
            }
            String message = check(rule, track);
            if (message != null && coolDown(rule, track.venueId(), now)) {
                alerts.add(new Alert(UUID.randomUUID().toString(), rule.id(), rule.type(), rule.severityOrDefault(),
                        track.venueId(), track.edgeId(), null, track.id(), track.objectType(),
                        rule.message() == null ? message : rule.message() + " (" + message + ")",
                        track.position().x(), track.position().z(), now, null));
            }
        }
        return alerts;
    }

    /** Why the rule fires for this track, or null when it does not. */
    private String check(AlertRule rule, Track track) {
        double x = track.position().x(), z = track.position().z();
        switch (rule.type()) {
            case "zone-enter", "zone-exit" -> {
                if (insideZone.size() > MAX_TRACKED) {
                    insideZone.clear(); // bounded: tracks come and go; a cleared track counts as newly seen
                }
                boolean inside = rule.zoneContains(x, z);
                Boolean before = insideZone.put(rule.id() + "|" + track.venueId() + "|" + track.id(), inside);
                boolean entered = inside && (before == null || !before);
                boolean left = !inside && before != null && before;
                if (rule.type().equals("zone-enter") && entered) {
                    return track.objectType() + " " + track.id() + " entered zone " + rule.id();
                }
                if (rule.type().equals("zone-exit") && left) {
                    return track.objectType() + " " + track.id() + " left zone " + rule.id();
                }
                return null;
            }
            case "dwell-in-zone" -> {
                String key = rule.id() + "|" + track.venueId() + "|" + track.id();
                if (!rule.zoneContains(x, z)) {
                    stays.remove(key);
                    return null;
                }
                if (stays.size() > MAX_TRACKED) {
                    stays.clear();
                }
                Stay stay = stays.computeIfAbsent(key, k -> new Stay(track.timestamp(), false));
                double dwelt = (track.timestamp() - stay.enteredAt()) / 1000.0;
                if (stay.fired() || dwelt <= rule.seconds()) {
                    return null;
                }
                stays.put(key, new Stay(stay.enteredAt(), true));
                return track.objectType() + " " + track.id() + " has been in zone " + rule.id() + " for "
                        + Math.round(dwelt) + " s, longer than " + rule.seconds() + " s";
            }
            case "occupancy-above" -> {
                Map<String, Long> inside = occupants.computeIfAbsent(rule.id() + "|" + track.venueId(),
                        k -> new ConcurrentHashMap<>());
                if (rule.zoneContains(x, z)) {
                    inside.put(track.id(), track.timestamp());
                } else {
                    inside.remove(track.id());
                }
                inside.values().removeIf(seen -> seen < track.timestamp() - OCCUPANCY_WINDOW);
                return inside.size() > rule.maxOccupants() ? inside.size() + " tracks in zone " + rule.id()
                        + ", more than " + rule.maxOccupants() : null;
            }
            case "outside-bounds" -> {
                AlertRule.Bounds b = rule.bounds();
                boolean outside = x < b.minX() || x > b.maxX() || z < b.minZ() || z > b.maxZ();
                return outside ? track.objectType() + " " + track.id() + " is outside the venue bounds at ("
                        + x + ", " + z + ")" : null;
            }
            case "speed-above" -> {
                Track.Vector3 v = track.velocity();
                double speed = Math.sqrt(v.x() * v.x() + v.y() * v.y() + v.z() * v.z());
                return speed > rule.metersPerSecond() ? track.objectType() + " " + track.id() + " moves at "
                        + Math.round(speed * 100) / 100.0 + " m/s, above " + rule.metersPerSecond() : null;
            }
            default -> {
                return null;
            }
        }
    }

    private boolean coolDown(AlertRule rule, String venueId, Instant now) {
        return cooldowns.fire(rule.id() + "|" + venueId, rule.cooldownDuration(), now);
    }
}
