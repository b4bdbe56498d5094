package caravan.alert;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** After a rule fires for a key (its venue, or its edge), it stays quiet for that key for its cooldown. */
final class Cooldowns {

    private final Map<String, Instant> lastFired = new ConcurrentHashMap<>();

    /** Whether the rule may fire for {@code key} now; if so, the cooldown starts. */
    boolean fire(String key, Duration cooldown, Instant now) {
        boolean[] fires = {false};
        lastFired.compute(key, (k, previous) -> {
            fires[0] = previous == null || !previous.plus(cooldown).isAfter(now);
            return fires[0] ? now : previous;
        });
        return fires[0];
    }
}
