package caravan.api;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The metadata JSON sent with an upload (a provider's, a model's), read into problems rather than exceptions. */
public final class MetadataJson {

    private MetadataJson() {
    }

    /** The metadata as an object, or null with a problem added: missing ({@code expected} says what to send), not JSON, not an object. */
    public static ObjectNode object(ObjectMapper mapper, String json, String expected, List<String> problems) {
        if (json == null || json.isBlank()) {
            problems.add("metadata is missing: send " + expected);
            return null;
        }
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (JsonProcessingException e) {
            problems.add("metadata is not valid JSON: " + e.getOriginalMessage());
            return null;
        }
        if (root == null || !root.isObject()) {
            problems.add("metadata must be a JSON object");
            return null;
        }
        return (ObjectNode) root;
    }
}
