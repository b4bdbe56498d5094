package caravan.acp;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.springframework.core.io.ClassPathResource;
import org.springframework.stereotype.Component;

import caravan.api.InputRejectedException;

/**
 * The hosting-orchestrator agent's manifest ({@code manifest.json} at the repository's root, shipped in the jar):
 * served under {@code /acp/agents}, and the JSON Schema each action's input is validated against.
 */
@Component
public class AcpManifest {

    public static final String AGENT = "hosting-orchestrator";

    private final JsonNode manifest;
    private final Map<String, JsonSchema> inputSchemas = new LinkedHashMap<>();

    public AcpManifest(ObjectMapper mapper) throws IOException {
        try (InputStream in = new ClassPathResource("acp/manifest.json").getInputStream()) {
            manifest = mapper.readTree(in);
        }
        JsonSchemaFactory schemas = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        for (JsonNode action : manifest.at("/metadata/annotations/caravan/actions")) {
            inputSchemas.put(action.get("name").asText(), schemas.getSchema(action.get("input_schema")));
        }
    }

    public JsonNode manifest() {
        return manifest;
    }

    /** Refuses an unknown action, or an input its schema does not accept, naming every problem. */
    public void validate(String action, JsonNode input) {
        JsonSchema schema = action == null ? null : inputSchemas.get(action);
        if (schema == null) {
            throw new InputRejectedException(List.of("unknown action '" + action + "'; the actions are "
                    + inputSchemas.keySet()));
        }
        List<String> problems = new ArrayList<>();
        for (ValidationMessage problem : schema.validate(input)) {
            problems.add(problem.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new InputRejectedException(problems.stream().sorted().toList());
        }
    }
}
