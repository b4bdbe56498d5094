package caravan.trajectory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.schibsted.spt.data.jslt.JsltException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappingCatalogTest {

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theShippedMappingsReadTheEdgeAndVenueAsTheyDidUnderCamelJslt() throws Exception {
        MappingCatalog catalog = new MappingCatalog(Path.of("mappings"));
        JsonNode headers = json.readTree("{\"CaravanEdgeId\": \"edge-7\", \"CaravanVenueId\": \"venue-1\"}");

        JsonNode mapped = catalog.map("vendor-array", json.readTree(
                "[{\"track_id\": 17, \"pos\": [1.5, 0, 2.25], \"vel\": [0.1, 0, -0.2], \"cls\": \"person\", "
                        + "\"score\": 0.87, \"ts\": 1708261234.567}]"), Map.of("headers", headers));

        assertThat(mapped.get(0).get("id").asText()).isEqualTo("17");
        assertThat(mapped.get(0).get("deviceId").asText()).isEqualTo("edge-7");
        assertThat(mapped.get(0).get("venueId").asText()).isEqualTo("venue-1");
        assertThat(mapped.get(0).get("timestamp").asLong()).isEqualTo(1708261234567L);
    }

    @Test
    void theShippedMappingsApplyWithoutAFolder_andAFileOfTheSameNameOverridesOne() throws Exception {
        MappingCatalog catalog = new MappingCatalog(dir.resolve("absent"));
        JsonNode message = json.readTree("{\"id\": \"t-1\"}");
        assertThat(catalog.problemWith("reference")).isNull();
        assertThat(catalog.map("reference", message, Map.of()).get(0).get("id").asText()).isEqualTo("t-1");

        Files.writeString(dir.resolve("reference.jslt"), "[{\"id\": \"overridden\"}]");
        assertThat(new MappingCatalog(dir).map("reference", message, Map.of()).get(0).get("id").asText())
                .isEqualTo("overridden");
    }

    @Test
    void anEditedMappingAppliesWithoutARestart_andABrokenOneIsNamedWithItsFile() throws Exception {
        Path mapping = dir.resolve("tracker.jslt");
        Files.writeString(mapping, "{\"version\": 1}");
        MappingCatalog catalog = new MappingCatalog(dir);
        JsonNode message = json.readTree("{}");
        assertThat(catalog.map("tracker", message, Map.of()).get("version").asInt()).isEqualTo(1);

        Files.writeString(mapping, "{\"version\": 2}");
        Files.setLastModifiedTime(mapping, FileTime.from(Instant.now().plusSeconds(10)));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> catalog.map("tracker", message, Map.of()).get("version").asInt() == 2);

        Files.writeString(mapping, "{\"version\": ");
        Files.setLastModifiedTime(mapping, FileTime.from(Instant.now().plusSeconds(20)));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThatThrownBy(
                () -> catalog.map("tracker", message, Map.of()))
                .isInstanceOf(JsltException.class).hasMessageContaining(mapping + " does not compile"));

        assertThatThrownBy(() -> catalog.map("absent", message, Map.of()))
                .isInstanceOf(JsltException.class).hasMessageContaining("no mapping " + dir.resolve("absent.jslt"));
    }
}
