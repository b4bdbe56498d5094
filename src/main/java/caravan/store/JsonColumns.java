package caravan.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

/**
 * The stores' JSON columns (a build's metadata, a deployment's document and history, a group's edges), written and
 * read with the application's object mapper. Reads throw the parse error, for the row mapper to name the row.
 */
@Component
public class JsonColumns {

    private final ObjectMapper mapper;

    public JsonColumns(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot store " + value + " as JSON", e);
        }
    }

    public <T> T read(String json, Class<T> type) throws JsonProcessingException {
        return mapper.readValue(json, type);
    }

    public <T> T read(String json, TypeReference<T> type) throws JsonProcessingException {
        return mapper.readValue(json, type);
    }

    public JsonNode tree(String json) throws JsonProcessingException {
        return mapper.readTree(json);
    }
}
