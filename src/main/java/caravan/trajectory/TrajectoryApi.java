package caravan.trajectory;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

import org.springframework.stereotype.Component;

import caravan.api.InputRejectedException;

/** Reads the replay query's parameters (all optional but the venue) and pages the stored tracks. */
@Component
public class TrajectoryApi {

    static final Duration DEFAULT_WINDOW = Duration.ofHours(1);
    static final int DEFAULT_LIMIT = 1000;

    private final TrackStore store;

    public TrajectoryApi(TrackStore store) {
        this.store = store;
    }

    public TrackStore.Page page(String venueId, String from, String to, String edgeId, String limit, String offset) {
        long now = System.currentTimeMillis();
        List<String> problems = new java.util.ArrayList<>();
        long toMillis = time("to", to, now, problems);
        long fromMillis = time("from", from, toMillis - DEFAULT_WINDOW.toMillis(), problems);
        int pageSize = integer("limit", limit, DEFAULT_LIMIT, problems);
        int start = integer("offset", offset, 0, problems);
        if (!problems.isEmpty()) {
            throw new InputRejectedException(problems);
        }
        return store.page(venueId, fromMillis, toMillis, edgeId, pageSize, start);
    }

    private static long time(String name, String value, long fallback, List<String> problems) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return value.chars().allMatch(Character::isDigit) ? Long.parseLong(value) : Instant.parse(value).toEpochMilli();
        } catch (NumberFormatException | DateTimeParseException e) {
            problems.add(name + " '" + value + "' is neither epoch milliseconds nor an ISO-8601 instant");
            return fallback;
        }
    }

    private static int integer(String name, String value, int fallback, List<String> problems) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(name + " '" + value + "' must be a whole number of at least 0");
        return fallback;
    }
}
