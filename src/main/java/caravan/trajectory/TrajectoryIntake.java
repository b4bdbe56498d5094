package caravan.trajectory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

import caravan.edge.RunningDeployments;
import caravan.edge.RunningDeployments.Running;
import caravan.trajectory.Track.Vector3;

/**
 * What the {@code trajectory-intake} route calls: which edge a topic names, which mapping and venue that edge uses,
 * and the validation of mapped tracks. Every invalid track is counted with its reason; valid ones go on.
 */
@Component
public class TrajectoryIntake {

    /**
     * Reads vendor payloads. NaN and Infinity literals (Python's json.dumps writes them) are read as numbers, so
     * they are rejected as non-finite rather than as malformed JSON; written back, they become strings.
     */
    private static final ObjectMapper PAYLOAD_MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    /** Why a track is rejected: a reason counted per edge, and a detail for the sample. */
    record Problem(String reason, String detail) {
    }

    private final TrajectoryProperties properties;
    private final TrajectoryRejections rejections;
    private final MeterRegistry meters;
    private final Duration maxSkew;
    private final Map<String, AtomicLong> lastMessage = new ConcurrentHashMap<>();
    private final RunningDeployments running;
    /** Each edge's running deployment, asked for at most every few seconds: messages arrive many times a second. */
    private final Map<String, Deployed> deployed = new ConcurrentHashMap<>();

    private record Deployed(Optional<Running> running, long lookedUpAt) {
    }

    private static final long DEPLOYED_LOOKUP_MILLIS = 5_000;
    private static final int MAX_EDGES_CACHED = 10_000;

    public TrajectoryIntake(TrajectoryProperties properties, TrajectoryRejections rejections, MeterRegistry meters,
            RunningDeployments running) {
        this.properties = properties;
        this.rejections = rejections;
        this.meters = meters;
        this.maxSkew = properties.maxClockSkew();
        this.running = running;
    }

    public String edgeId(String topic) {
        return properties.edgeIdOf(topic);
    }

    /** Counts a message for the edge's rate and last-message metrics. */
    public void countMessage(String edgeId) {
        Counter.builder("caravan.trajectories.messages").tag("edge", edgeId)
                .description("trajectory messages received; its rate is messages per second").register(meters).increment();
        lastMessage.computeIfAbsent(edgeId, edge -> {
            AtomicLong time = new AtomicLong();
            Gauge.builder("caravan.trajectories.last.message", time, AtomicLong::get).tag("edge", edge)
                    .description("when the edge's last message arrived, epoch seconds").register(meters);
            return time;
        }).set(System.currentTimeMillis() / 1000);
    }

    /**
     * The edge's message format: as configured for it in {@code caravan.trajectories.edges}, else the format of the
     * provider deployed on it, else the default.
     */
    public String format(String edgeId) {
        TrajectoryProperties.EdgeSource source = properties.edges().get(edgeId);
        if (source != null && source.format() != null) {
            return source.format();
        }
        return deployed(edgeId).map(Running::trajectoryFormat).orElse(properties.defaultFormat());
    }

    /**
     * The edge's venue, for formats whose messages do not carry one: as configured, else the venue of its
     * deployment; empty when neither says.
     */
    public String venueId(String edgeId) {
        TrajectoryProperties.EdgeSource source = properties.edges().get(edgeId);
        if (source != null && source.venueId() != null) {
            return source.venueId();
        }
        return deployed(edgeId).map(Running::venueId).orElse("");
    }

    /** When the edge's last message arrived, epoch seconds; 0 when none has since the hub started. */
    public long lastMessageAt(String edgeId) {
        AtomicLong time = lastMessage.get(edgeId);
        return time == null ? 0 : time.get();
    }

    private Optional<Running> deployed(String edgeId) {
        long now = System.currentTimeMillis();
        Deployed cached = deployed.get(edgeId);
        if (cached == null || now - cached.lookedUpAt() > DEPLOYED_LOOKUP_MILLIS) {
            if (deployed.size() > MAX_EDGES_CACHED) {
                deployed.clear(); // topics name edges, so a misbehaving publisher must not grow this without end
            }
            cached = new Deployed(running.of(edgeId), now);
            deployed.put(edgeId, cached);
        }
        return cached.running();
    }

    /** The payload as standard JSON for the mapping; fails with a {@link JsonProcessingException} when it is not JSON. */
    public String readPayload(byte[] payload) throws java.io.IOException {
        return PAYLOAD_MAPPER.writeValueAsString(PAYLOAD_MAPPER.readTree(payload));
    }

    /**
     * @param mapped  the JSLT mapping's output: a JSON array of canonical tracks
     * @param payload the message as received, kept with any rejection
     * @return the valid tracks
     */
    public List<Track> validate(String mapped, String edgeId, byte[] payload) {
        JsonNode tracks;
        try {
            tracks = PAYLOAD_MAPPER.readTree(mapped);
        } catch (JsonProcessingException e) {
            rejections.reject(edgeId, "mapping-failed", "the mapping did not produce JSON: " + e.getOriginalMessage(), payload);
            return List.of();
        }
        if (tracks == null || !tracks.isArray()) {
            rejections.reject(edgeId, "mapping-failed", "the mapping must produce an array of tracks", payload);
            return List.of();
        }
        List<Track> valid = new ArrayList<>();
        long now = System.currentTimeMillis();
        for (JsonNode node : tracks) {
            List<Problem> problems = new ArrayList<>();
            Track track = toTrack(node, edgeId, now, problems);
            if (track == null) {
                Problem first = problems.get(0);
                rejections.reject(edgeId, first.reason(), first.detail(), payload);
            } else {
                valid.add(track);
            }
        }
        if (!valid.isEmpty()) {
            Counter.builder("caravan.trajectories.accepted").tag("edge", edgeId)
                    .description("valid tracks received").register(meters).increment(valid.size());
        }
        return valid;
    }

    private Track toTrack(JsonNode node, String edgeId, long now, List<Problem> problems) {
        if (!node.isObject()) {
            problems.add(new Problem("wrong-type", "a track must be an object"));
            return null;
        }
        String id = text(node, "id", problems);
        String deviceId = text(node, "deviceId", problems);
        String venueId = text(node, "venueId", problems);
        Double timestamp = number(node, "timestamp", problems);
        Vector3 position = vector(node, "position", problems);
        Vector3 velocity = vector(node, "velocity", problems);
        String objectType = text(node, "objectType", problems);
        Double confidence = number(node, "confidence", problems);
        if (confidence != null && (confidence < 0 || confidence > 1)) {
            problems.add(new Problem("confidence-out-of-range", "confidence " + confidence + " is outside [0, 1]"));
        }
        if (timestamp != null && Math.abs(timestamp - now) > maxSkew.toMillis()) {
            problems.add(new Problem("timestamp-skew", "timestamp " + timestamp.longValue() + " is "
                    + Duration.ofMillis(Math.abs(timestamp.longValue() - now)).toSeconds()
                    + " s from the hub's clock (caravan.trajectories.max-clock-skew " + maxSkew + ")"));
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return new Track(id, deviceId, venueId, timestamp.longValue(), position, velocity, objectType, confidence, edgeId);
    }

    private static String text(JsonNode node, String field, List<Problem> problems) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || (value.isTextual() && value.asText().isBlank())) {
            problems.add(new Problem("missing-field", field + " is missing"));
            return null;
        }
        if (!value.isTextual() && !value.isNumber()) {
            problems.add(new Problem("wrong-type", field + " must be a string"));
            return null;
        }
        return value.asText();
    }

    private static Double number(JsonNode node, String field, List<Problem> problems) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            problems.add(new Problem("missing-field", field + " is missing"));
            return null;
        }
        // The mappings' writer turns NaN and Infinity into strings.
        if (value.isTextual() && List.of("NaN", "Infinity", "-Infinity").contains(value.asText())
                || value.isNumber() && !Double.isFinite(value.asDouble())) {
            problems.add(new Problem("non-finite", field + " is " + value.asText()));
            return null;
        }
        if (!value.isNumber()) {
            problems.add(new Problem("wrong-type", field + " must be a number"));
            return null;
        }
        return value.asDouble();
    }

    private static Vector3 vector(JsonNode node, String field, List<Problem> problems) {
        JsonNode value = node.get(field);
        if (value == null || !value.isObject()) {
            problems.add(new Problem("missing-field", field + " {x, y, z} is missing"));
            return null;
        }
        int before = problems.size();
        Double x = number(value, "x", problems);
        Double y = number(value, "y", problems);
        Double z = number(value, "z", problems);
        for (int i = before; i < problems.size(); i++) {
            problems.set(i, new Problem(problems.get(i).reason(), field + "." + problems.get(i).detail()));
        }
        return problems.size() > before ? null : new Vector3(x, y, z);
    }
}
