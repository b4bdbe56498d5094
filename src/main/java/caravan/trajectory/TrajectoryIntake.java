package caravan.trajectory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

import caravan.edge.RunningDeployments;
import caravan.edge.RunningDeployments.Running;
import caravan.mqtt.Acknowledgement;
import caravan.mqtt.HiveMqttConsumer;
import caravan.trajectory.Track.Vector3;

/**
 * What the trajectory routes call: which edge a topic names, which mapping and venue that edge uses, the mapping
 * and validation of its messages, and the dropping of redelivered tracks. Every invalid track is counted with its
 * reason; valid ones go on.
 */
@Component
public class TrajectoryIntake {

    /** What the mappings read a message's edge and venue by: {@code $headers.CaravanEdgeId}, {@code …VenueId}. */
    private static final String EDGE_ID = "CaravanEdgeId";
    private static final String VENUE_ID = "CaravanVenueId";
    /** The lane a message's edge takes. */
    public static final String LANE = "CaravanLane";
    /** The messages a lane has taken: their acknowledgements go to storage, and a failure rejects each of them. */
    public static final String LANE_BATCH = "CaravanLaneBatch";
    /**
     * A lane batch's valid tracks, for storage: a redelivered message's too (its first delivery may not be stored
     * yet, and storage skips what is), where the body holds only the fresh ones, for the live feed and the alerts.
     */
    public static final String VALID_TRACKS = "CaravanValidTracks";

    /**
     * Reads vendor payloads. NaN and Infinity literals (Python's json.dumps writes them) are read as numbers, so
     * they are rejected as non-finite rather than as malformed JSON.
     */
    private static final ObjectMapper PAYLOAD_MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    /** Why a track is rejected: a reason counted per edge, and a detail for the sample. */
    record Problem(String reason, String detail) {
    }

    private record EdgeMeters(Counter messages, Counter accepted, AtomicLong lastMessage) {
    }

    private final TrajectoryProperties properties;
    private final TrajectoryRejections rejections;
    private final MeterRegistry meters;
    private final Duration maxSkew;
    private final MappingCatalog mappings;
    /** Keys of recent tracks: a QoS 1 redelivery repeats one. */
    private final RecentKeys redeliveries;
    /** Per edge: its meters, looked up once rather than per message. */
    private final Map<String, EdgeMeters> edgeMeters = new ConcurrentHashMap<>();
    private final RunningDeployments running;
    /** Each edge's running deployment, asked for at most every few seconds: messages arrive many times a second. */
    private final Map<String, Deployed> deployed = new ConcurrentHashMap<>();

    private record Deployed(Optional<Running> running, long lookedUpAt) {
    }

    private static final long DEPLOYED_LOOKUP_MILLIS = 5_000;
    private static final int MAX_EDGE_ID = 255;
    private static final int MAX_EDGES_CACHED = 10_000;

    private final Clock clock;

    @Autowired
    public TrajectoryIntake(TrajectoryProperties properties, TrajectoryRejections rejections, MeterRegistry meters,
            RunningDeployments running, MappingCatalog mappings) {
        this(properties, rejections, meters, running, mappings, Clock.systemUTC());
    }

    TrajectoryIntake(TrajectoryProperties properties, TrajectoryRejections rejections, MeterRegistry meters,
            RunningDeployments running, MappingCatalog mappings, Clock clock) {
        this.clock = clock;
        this.properties = properties;
        this.rejections = rejections;
        this.meters = meters;
        this.maxSkew = properties.maxClockSkew();
        this.mappings = mappings;
        this.redeliveries = new RecentKeys(properties.dedupWindow());
        this.running = running;
    }

    /**
     * First step for every message, on the MQTT client's thread, so it does as little as possible: names the
     * message's edge and its lane (an edge always takes the same one, so its messages stay in order), and counts it
     * for the edge's rate and last-message metrics.
     */
    public TrajectoryMessage receive(Exchange exchange) {
        Message message = exchange.getMessage();
        String edgeId = properties.edgeIdOf(message.getHeader(HiveMqttConsumer.TOPIC, String.class));
        message.setHeader(LANE, Math.floorMod(edgeId.hashCode(), properties.lanes()));
        EdgeMeters edge = edgeMeters.computeIfAbsent(edgeId, this::registerMeters);
        edge.messages().increment();
        edge.lastMessage().set(clock.millis() / 1000);
        Acknowledgement acknowledgement = message.getHeader(HiveMqttConsumer.ACKNOWLEDGEMENT, Acknowledgement.class);
        return new TrajectoryMessage(edgeId, message.getBody(byte[].class),
                acknowledgement == null ? Acknowledgement.NONE : acknowledgement);
    }

    /**
     * A batch's fresh tracks (not a QoS 1 redelivery: same edge, track id and timestamp as a recent one), in the
     * order of the messages; all its valid tracks go in {@link #VALID_TRACKS}. A message that is not JSON, or that
     * its edge's mapping cannot handle, is rejected with its reason, and the batch goes on without it.
     *
     * @throws DataAccessException when the database cannot say which mapping an edge of the batch uses: thrown
     *                             before any message is judged, so the lane can try the batch again
     */
    public List<Track> acceptAll(List<TrajectoryMessage> batch, Exchange exchange) {
        batch.stream().map(TrajectoryMessage::edgeId).distinct().forEach(this::format);
        List<Track> valid = new ArrayList<>();
        for (TrajectoryMessage message : batch) {
            try {
                valid.addAll(accept(message.edgeId(), message.payload()));
            } catch (IOException notJson) {
                rejections.reject(message.edgeId(), "malformed-json", notJson.getMessage(), message.payload());
            } catch (RuntimeException mappingFailed) {
                rejections.reject(message.edgeId(), "mapping-failed", mappingFailed.getMessage(), message.payload());
            }
        }
        List<Track> fresh = new ArrayList<>(valid.size());
        for (Track track : valid) {
            if (redeliveries.add(track.edgeId() + '|' + track.id() + '|' + track.timestamp())) {
                fresh.add(track);
            }
        }
        exchange.setProperty(VALID_TRACKS, valid);
        return fresh;
    }

    /**
     * A message's valid tracks: the payload is parsed, mapped with its edge's mapping and validated; invalid tracks
     * are rejected with their reason.
     *
     * @throws IOException when the payload is not JSON
     * @throws com.schibsted.spt.data.jslt.JsltException when the edge's mapping is missing, broken or fails on it
     */
    List<Track> accept(String edgeId, byte[] payload) throws IOException {
        JsonNode message = PAYLOAD_MAPPER.readTree(payload);
        if (message == null || message.isMissingNode()) {
            throw new JsonParseException(null, "the message is empty");
        }
        ObjectNode headers = JsonNodeFactory.instance.objectNode();
        headers.put(EDGE_ID, edgeId);
        headers.put(VENUE_ID, venueId(edgeId));
        JsonNode mapped = mappings.map(format(edgeId), message, Map.of("headers", headers));
        return validate(mapped, edgeId, payload);
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
        EdgeMeters edge = edgeMeters.get(edgeId);
        return edge == null ? 0 : edge.lastMessage().get();
    }

    private EdgeMeters registerMeters(String edgeId) {
        AtomicLong lastMessage = new AtomicLong();
        Gauge.builder("caravan.trajectories.last.message", lastMessage, AtomicLong::get).tag("edge", edgeId)
                .description("when the edge's last message arrived, epoch seconds").register(meters);
        return new EdgeMeters(
                Counter.builder("caravan.trajectories.messages").tag("edge", edgeId)
                        .description("trajectory messages received; its rate is messages per second").register(meters),
                Counter.builder("caravan.trajectories.accepted").tag("edge", edgeId)
                        .description("valid tracks received").register(meters),
                lastMessage);
    }

    /**
     * The edge's running deployment, looked up at most every few seconds. While the database cannot answer, the last
     * answer stands (deployments change seldom); with none yet, the failure stands: a message mapped without knowing
     * its edge's format could be rejected for it, and a rejected message is acknowledged, so lost.
     */
    private Optional<Running> deployed(String edgeId) {
        long now = clock.millis();
        Deployed cached = deployed.get(edgeId);
        if (cached == null || now - cached.lookedUpAt() > DEPLOYED_LOOKUP_MILLIS) {
            if (deployed.size() > MAX_EDGES_CACHED) {
                deployed.clear(); // topics name edges, so a misbehaving publisher must not grow this without end
            }
            Optional<Running> current;
            try {
                current = running.of(edgeId);
            } catch (DataAccessException unavailable) {
                if (cached == null) {
                    throw unavailable;
                }
                current = cached.running();
            }
            cached = new Deployed(current, now);
            deployed.put(edgeId, cached);
        }
        return cached.running();
    }

    /**
     * @param tracks  the mapping's output: an array of canonical tracks
     * @param payload the message as received, kept with any rejection
     * @return the valid tracks
     */
    List<Track> validate(JsonNode tracks, String edgeId, byte[] payload) {
        if (tracks == null || !tracks.isArray()) {
            rejections.reject(edgeId, "mapping-failed", "the mapping must produce an array of tracks", payload);
            return new ArrayList<>();
        }
        List<Track> valid = new ArrayList<>();
        long now = clock.millis();
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
            edgeMeters.computeIfAbsent(edgeId, this::registerMeters).accepted().increment(valid.size());
        }
        return valid;
    }

    private Track toTrack(JsonNode node, String edgeId, long now, List<Problem> problems) {
        if (!node.isObject()) {
            problems.add(new Problem("wrong-type", "a track must be an object"));
            return null;
        }
        String id = text(node, "id", 255, problems);
        String deviceId = text(node, "deviceId", 255, problems);
        String venueId = text(node, "venueId", 128, problems);
        Double timestamp = number(node, "timestamp", problems);
        Vector3 position = vector(node, "position", problems);
        Vector3 velocity = vector(node, "velocity", problems);
        String objectType = text(node, "objectType", 64, problems);
        if (edgeId.length() > MAX_EDGE_ID) {
            problems.add(new Problem("too-long", "the edge id in the topic is longer than " + MAX_EDGE_ID));
        }
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

    /** A text field of at most {@code maxLength} characters: what the database stores of it. */
    private static String text(JsonNode node, String field, int maxLength, List<Problem> problems) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || (value.isTextual() && value.asText().isBlank())) {
            problems.add(new Problem("missing-field", field + " is missing"));
            return null;
        }
        if (!value.isTextual() && !value.isNumber()) {
            problems.add(new Problem("wrong-type", field + " must be a string"));
            return null;
        }
        if (value.asText().length() > maxLength) {
            problems.add(new Problem("too-long", field + " is longer than " + maxLength + " characters"));
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
        // Some trackers write NaN and Infinity as strings.
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
