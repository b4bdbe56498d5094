package caravan.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A hub's output in the prod profile: one JSON object a line (Elastic Common Schema), nothing else. */
public final class JsonLog {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonLog() {
    }

    /** The line's level: ERROR, WARN, INFO, … */
    public static String level(JsonNode line) {
        return line.at("/log/level").asText();
    }

    /** Every line of {@code output}, each asserted to be a JSON object with a level and a message. */
    public static List<JsonNode> lines(String output) {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode parsed = MAPPER.readTree(line);
                assertThat(parsed.isObject()).as(line).isTrue();
                assertThat(level(parsed)).as(line).isNotEmpty();
                assertThat(parsed.has("message")).as(line).isTrue();
                lines.add(parsed);
            } catch (JsonProcessingException e) {
                throw new AssertionError("not a JSON log line: " + line, e);
            }
        }
        return lines;
    }
}
