package caravan.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertRulesTest {

    @TempDir
    Path dir;

    @Test
    void aChangedFileIsReadAgainAndABadOneIsRefusedWhole() throws Exception {
        Path file = Files.writeString(dir.resolve("rules.yaml"), """
                rules:
                  - {id: fast, type: speed-above, metersPerSecond: 3}
                """);
        AlertRules rules = new AlertRules(new AlertProperties(file, null, 5, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertThat(rules.current()).extracting(AlertRule::id).containsExactly("fast");

        Files.writeString(file, """
                rules:
                  - {id: fast, type: speed-above, metersPerSecond: 3}
                  - {id: dock, type: zone-enter, zone: [[0, 0], [1, 0]]}
                  - {id: dock, type: teleport}
                """);
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .untilAsserted(() -> assertThat(rules.current()).extracting(AlertRule::id).containsExactly("fast"));

        Files.writeString(file, """
                rules:
                  - {id: slow, type: speed-above, metersPerSecond: 1, cooldown: 5m}
                """);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(rules.current()).extracting(AlertRule::id).containsExactly("slow"));
        assertThat(rules.current().get(0).cooldownDuration()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void withoutARulesFileTheShippedRulesApply() {
        AlertRules rules = new AlertRules(new AlertProperties(dir.resolve("absent.yaml"), null, 5, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertThat(rules.current()).extracting(AlertRule::id).contains("loading-dock-entry", "tracker-silent");
    }

    @Test
    void reportsEveryProblemOfARule() {
        AlertRule rule = new AlertRule("dock", "zone-enter", null, null, null, null, null, null, null, "soon", null, null);

        assertThat(rule.problems("rule dock")).containsExactly(
                "rule dock: zone-enter needs a zone of at least three [x, z] corners",
                "rule dock: cooldown 'soon' is not a duration like 30s or 5m");
    }
}
