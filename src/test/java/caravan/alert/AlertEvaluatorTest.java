package caravan.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import caravan.trajectory.Track.Vector3;
import caravan.trajectory.Track;

class AlertEvaluatorTest {

    @TempDir
    Path dir;

    AlertEvaluator evaluator;

    @BeforeEach
    void rules() throws Exception {
        Path file = Files.writeString(dir.resolve("rules.yaml"), """
                rules:
                  - {id: enter, type: zone-enter, venueId: v, zone: [[0, 0], [10, 0], [10, 10], [0, 10]], cooldown: 1h}
                  - {id: leave, type: zone-exit, venueId: v, zone: [[0, 0], [10, 0], [10, 10], [0, 10]], cooldown: 0s}
                  - {id: dwell, type: dwell-in-zone, venueId: d, zone: [[0, 0], [10, 0], [10, 10], [0, 10]], seconds: 2, cooldown: 0s}
                  - {id: crowd, type: occupancy-above, venueId: o, zone: [[0, 0], [10, 0], [10, 10], [0, 10]], maxOccupants: 1, cooldown: 0s}
                  - {id: forklift-speed, type: speed-above, objectTypes: [forklift], metersPerSecond: 2, cooldown: 0s}
                """);
        evaluator = new AlertEvaluator(new AlertRules(new AlertProperties(file, null, 5, Duration.ofSeconds(1), Duration.ofSeconds(1))));
    }

    @Test
    void zoneEntryFiresOnTheTransitionAndThenCoolsDown() {
        assertThat(fired("v", "a", 0, 20, 20)).isEmpty();
        assertThat(fired("v", "a", 1, 5, 5)).containsExactly("enter");
        assertThat(fired("v", "b", 2, 6, 6)).as("within the cooldown").isEmpty();
        assertThat(fired("v", "a", 3, 20, 5)).containsExactly("leave");
        assertThat(fired("v", "a", 4, 30, 5)).as("still outside: no new exit").isEmpty();
    }

    @Test
    void dwellFiresOncePerStayThatLastsTooLong() {
        assertThat(fired("d", "a", 0, 5, 5)).isEmpty();
        assertThat(fired("d", "a", 1500, 5, 5)).isEmpty();
        assertThat(fired("d", "a", 2500, 5, 5)).containsExactly("dwell");
        assertThat(fired("d", "a", 4000, 5, 5)).as("same stay").isEmpty();
        assertThat(fired("d", "a", 4100, 50, 5)).isEmpty();
        assertThat(fired("d", "a", 4200, 5, 5)).as("a new stay starts").isEmpty();
    }

    @Test
    void occupancyCountsTracksSeenInsideRecently() {
        assertThat(fired("o", "a", 0, 5, 5)).isEmpty();
        assertThat(fired("o", "b", 100, 6, 6)).containsExactly("crowd");
        assertThat(fired("o", "c", 100 + AlertEvaluator.OCCUPANCY_WINDOW + 1000, 7, 7))
                .as("a and b were last seen too long ago").isEmpty();
    }

    @Test
    void speedRulesWatchOnlyTheirObjectTypes() {
        assertThat(evaluator.evaluate(track("x", "truck", "forklift", 0, 50, 50, 3)))
                .extracting(Alert::ruleId).containsExactly("forklift-speed");
        assertThat(evaluator.evaluate(track("x", "walker", "person", 0, 50, 50, 3))).isEmpty();
    }

    private List<String> fired(String venue, String id, long timestamp, double x, double z) {
        return evaluator.evaluate(track(venue, id, "person", timestamp, x, z, 0)).stream().map(Alert::ruleId).toList();
    }

    private static Track track(String venue, String id, String type, long timestamp, double x, double z, double speed) {
        return new Track(id, "device", venue, timestamp, new Vector3(x, 0, z), new Vector3(speed, 0, 0), type, 0.9, "edge");
    }
}
