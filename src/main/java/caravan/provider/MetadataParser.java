package caravan.provider;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

import caravan.api.InputRejectedException;
import caravan.api.MetadataJson;

/** Reads provider metadata JSON and reports every problem at once. */
@Component
public class MetadataParser {

    static final Pattern PROVIDER_ID = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");
    /** Versions become Docker tags. */
    static final Pattern DOCKER_TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    static final Pattern DEB_FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+~-]*\\.deb");
    /** Target platforms and the Debian architecture a package must have for them. */
    static final Map<String, String> PLATFORM_ARCHITECTURES = Map.of(
            "linux/amd64", "amd64",
            "linux/arm64", "arm64",
            "linux/arm/v7", "armhf");
    /** [registry[:port]/]path[:tag][@sha256:digest], lowercase path components as Docker requires. */
    static final Pattern IMAGE_REFERENCE = Pattern.compile(
            "(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
                    + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?");
    static final String DEFAULT_PLATFORM = "linux/amd64";
    static final String DEFAULT_UBUNTU_BASE = "22.04";

    private final ObjectMapper mapper;
    private final Set<String> knownUbuntuBases;
    private final TrajectoryFormats mappings;

    public MetadataParser(ObjectMapper mapper, ProviderProperties properties, TrajectoryFormats mappings) {
        this.mapper = mapper;
        this.knownUbuntuBases = properties.baseImages().keySet();
        this.mappings = mappings;
    }

    /** The optional {@code trajectoryFormat}: it must name a mapping the hub has. */
    private String trajectoryFormat(JsonNode root, List<String> problems) {
        String format = text(root, "trajectoryFormat", false, problems);
        String problem = format == null ? null : mappings.problemWith(format);
        if (problem != null) {
            problems.add(problem);
        }
        return format;
    }

    public ProviderMetadata parse(String json) {
        List<String> problems = new ArrayList<>();
        ProviderMetadata metadata = parse(json, problems);
        if (!problems.isEmpty()) {
            throw new InputRejectedException(problems);
        }
        return metadata;
    }

    /** Parses what it can and adds each problem to {@code problems}; the result is only usable when none were added. */
    public ProviderMetadata parse(String json, List<String> problems) {
        JsonNode root = MetadataJson.object(mapper, json, "a JSON object with providerId, version and runCommand", problems);
        if (root == null) {
            return null;
        }
        String providerId = text(root, "providerId", true, problems);
        if (providerId != null && !PROVIDER_ID.matcher(providerId).matches()) {
            problems.add("providerId '" + providerId + "' must be a lowercase slug: a-z, 0-9 and '-', at most 63 characters, "
                    + "starting and ending with a letter or digit");
        }
        String version = text(root, "version", true, problems);
        if (version != null && !DOCKER_TAG.matcher(version).matches()) {
            problems.add("version '" + version + "' cannot be used as an image tag: letters, digits, '_', '.' and '-', "
                    + "at most 128 characters, not starting with '.' or '-'");
        }
        String displayName = text(root, "displayName", false, problems);
        List<String> runCommand = strings(root, "runCommand", true, problems);
        if (runCommand != null && (runCommand.isEmpty() || runCommand.get(0).isBlank())) {
            problems.add("runCommand must be a non-empty array whose first element is the program to run");
        }
        List<String> supportedLidars = strings(root, "supportedLidars", false, problems);
        Boolean requiresGpu = bool(root, "requiresGpu", problems);
        String ubuntuBase = text(root, "ubuntuBase", false, problems);
        if (ubuntuBase != null && !knownUbuntuBases.contains(ubuntuBase)) {
            problems.add("ubuntuBase '" + ubuntuBase + "' is not known; known: " + knownUbuntuBases.stream().sorted().toList());
        }
        String platform = text(root, "platform", false, problems);
        if (platform != null && !PLATFORM_ARCHITECTURES.containsKey(platform)) {
            problems.add("platform '" + platform + "' is not supported; supported: "
                    + PLATFORM_ARCHITECTURES.keySet().stream().sorted().toList());
        }
        List<String> debFiles = strings(root, "debFiles", false, problems);
        String trajectoryFormat = trajectoryFormat(root, problems);
        if (debFiles != null) {
            debFiles.stream().filter(name -> !DEB_FILE_NAME.matcher(name).matches())
                    .forEach(name -> problems.add("debFiles entry '" + name + "' must be a plain file name ending in .deb"));
        }
        return new ProviderMetadata(
                providerId,
                displayName == null || displayName.isBlank() ? providerId : displayName,
                version,
                runCommand,
                supportedLidars == null ? List.of() : supportedLidars,
                requiresGpu != null && requiresGpu,
                ubuntuBase == null ? DEFAULT_UBUNTU_BASE : ubuntuBase,
                platform == null ? DEFAULT_PLATFORM : platform,
                trajectoryFormat,
                debFiles == null ? List.of() : debFiles);
    }

    /** Reads a {@code POST /api/algorithm-providers} body: a provider that already is an image. */
    public ImageProvider parseImageRegistration(String json) {
        List<String> problems = new ArrayList<>();
        JsonNode root = null;
        try {
            root = json == null || json.isBlank() ? null : mapper.readTree(json);
        } catch (JsonProcessingException e) {
            problems.add("body is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            problems.add("body must be a JSON object with providerId, version and dockerImage");
            throw new InputRejectedException(problems);
        }
        String providerId = text(root, "providerId", true, problems);
        if (providerId != null && !PROVIDER_ID.matcher(providerId).matches()) {
            problems.add("providerId '" + providerId + "' must be a lowercase slug: a-z, 0-9 and '-'");
        }
        String version = text(root, "version", true, problems);
        String dockerImage = text(root, "dockerImage", true, problems);
        if (dockerImage != null && !IMAGE_REFERENCE.matcher(dockerImage).matches()) {
            problems.add("dockerImage '" + dockerImage + "' is not an image reference like registry/path/name:tag");
        }
        String displayName = text(root, "displayName", false, problems);
        List<String> runCommand = strings(root, "runCommand", false, problems);
        List<String> supportedLidars = strings(root, "supportedLidars", false, problems);
        Boolean requiresGpu = bool(root, "requiresGpu", problems);
        String platform = text(root, "platform", false, problems);
        if (platform != null && !PLATFORM_ARCHITECTURES.containsKey(platform)) {
            problems.add("platform '" + platform + "' is not supported; supported: "
                    + PLATFORM_ARCHITECTURES.keySet().stream().sorted().toList());
        }
        String trajectoryFormat = trajectoryFormat(root, problems);
        if (!problems.isEmpty()) {
            throw new InputRejectedException(problems);
        }
        return new ImageProvider(providerId, displayName == null || displayName.isBlank() ? providerId : displayName,
                version, dockerImage, runCommand == null ? List.of() : runCommand,
                supportedLidars == null ? List.of() : supportedLidars, requiresGpu != null && requiresGpu,
                platform == null ? DEFAULT_PLATFORM : platform, trajectoryFormat);
    }

    private static String text(JsonNode root, String field, boolean required, List<String> problems) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                problems.add(field + " is required");
            }
            return null;
        }
        if (!node.isTextual()) {
            problems.add(field + " must be a string, not " + node.getNodeType().name().toLowerCase());
            return null;
        }
        if (required && node.asText().isBlank()) {
            problems.add(field + " must not be empty");
            return null;
        }
        return node.asText();
    }

    private static List<String> strings(JsonNode root, String field, boolean required, List<String> problems) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                problems.add(field + " is required");
            }
            return null;
        }
        if (!node.isArray()) {
            problems.add(field + " must be an array of strings, not " + node.getNodeType().name().toLowerCase());
            return null;
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode element = node.get(i);
            if (!element.isTextual()) {
                problems.add(field + "[" + i + "] must be a string, not " + element.getNodeType().name().toLowerCase());
                return null;
            }
            values.add(element.asText());
        }
        return List.copyOf(values);
    }

    private static Boolean bool(JsonNode root, String field, List<String> problems) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isBoolean()) {
            problems.add(field + " must be true or false, not " + node);
            return null;
        }
        return node.asBoolean();
    }
}
