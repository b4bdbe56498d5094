package caravan.model;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import caravan.api.MetadataJson;

/**
 * What comes with a model: its name and version, and optionally a description, the full shapes of inputs with
 * dynamic dimensions, and the device it is meant for.
 *
 * @param inputShapes input name to its full shape, used for dynamic dimensions in validation
 */
public record ModelMetadata(String name, String version, String description, Map<String, List<Long>> inputShapes,
        Target target) {

    /** The device a model needs: its service, CPU architecture (as {@code uname -m} prints it) and whether a GPU. */
    public record Target(String service, String arch, boolean gpu) {
    }

    static final Pattern NAME = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");
    static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}");
    static final Pattern SERVICE = Pattern.compile("[A-Za-z0-9_.@-]{1,128}");
    static final Pattern ARCH = Pattern.compile("[a-z0-9_]{1,32}");

    /** Reads the metadata JSON, adding every problem found to {@code problems}; null when it is not usable. */
    static ModelMetadata parse(ObjectMapper mapper, String json, List<String> problems) {
        JsonNode root = MetadataJson.object(mapper, json,
                "a JSON object: {\"name\": \"a-lowercase-slug\", \"version\": \"1.0.0\"}", problems);
        if (root == null) {
            return null;
        }
        int before = problems.size();
        String name = text(root, "name", NAME, "a lowercase slug of letters, digits and dashes (at most 63)", true, problems);
        String version = text(root, "version", VERSION, "letters, digits and . _ + - (at most 64)", true, problems);
        JsonNode description = root.path("description");
        if (!description.isMissingNode() && !description.isNull() && !description.isTextual()) {
            problems.add("description must be a string");
        }
        Map<String, List<Long>> shapes = inputShapes(root.path("inputShapes"), problems);
        Target target = target(root.path("target"), problems);
        return problems.size() > before ? null
                : new ModelMetadata(name, version, description.isTextual() ? description.asText() : null, shapes, target);
    }

    private static Map<String, List<Long>> inputShapes(JsonNode node, List<String> problems) {
        Map<String, List<Long>> shapes = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return shapes;
        }
        if (!node.isObject()) {
            problems.add("inputShapes must be an object of input name to its full shape, e.g. {\"image\": [1, 3, 224, 224]}");
            return shapes;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> input = it.next();
            List<Long> dims = new ArrayList<>();
            input.getValue().forEach(dim -> dims.add(dim.canConvertToLong() && dim.isIntegralNumber() ? dim.asLong() : -1));
            if (!input.getValue().isArray() || dims.contains(-1L) || dims.stream().anyMatch(dim -> dim < 1)) {
                problems.add("inputShapes." + input.getKey() + " must be an array of positive whole numbers");
            } else {
                shapes.put(input.getKey(), List.copyOf(dims));
            }
        }
        return shapes;
    }

    private static Target target(JsonNode node, List<String> problems) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add("target must be an object: {service?, arch?, gpu?}");
            return null;
        }
        String service = text(node, "service", SERVICE, "a service name", false, problems);
        String arch = text(node, "arch", ARCH, "an architecture as uname -m prints it, e.g. aarch64 or x86_64", false, problems);
        JsonNode gpu = node.path("gpu");
        if (!gpu.isMissingNode() && !gpu.isBoolean()) {
            problems.add("target.gpu must be true or false");
        }
        return new Target(service, arch, gpu.asBoolean(false));
    }

    private static String text(JsonNode parent, String field, Pattern pattern, String expected, boolean required,
            List<String> problems) {
        JsonNode value = parent.path(field);
        if (value.isMissingNode() || value.isNull()) {
            if (required) {
                problems.add(field + " is required: " + expected);
            }
            return null;
        }
        if (!value.isTextual() || !pattern.matcher(value.asText()).matches()) {
            problems.add(field + " must be " + expected + ", not " + value);
            return null;
        }
        return value.asText();
    }
}
