package caravan.trajectory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * Rejected trajectory messages: counted per edge and reason (also as the Prometheus counter
 * {@code caravan_trajectories_rejected_total}), with the latest ones kept, bounded, for inspection.
 */
@Component
public class TrajectoryRejections {

    static final int MAX_PAYLOAD_CHARS = 2048;

    public record Sample(Instant at, String edgeId, String reason, String detail, String payload) {
    }

    public record Report(long total, Map<String, Map<String, Long>> byEdge, List<Sample> samples) {
    }

    private final MeterRegistry meters;
    private final int maxSamples;
    private final Map<String, Map<String, LongAdder>> counts = new ConcurrentHashMap<>();
    private final Deque<Sample> samples = new ArrayDeque<>();

    public TrajectoryRejections(MeterRegistry meters, TrajectoryProperties properties) {
        this.meters = meters;
        this.maxSamples = properties.rejectedSamples();
    }

    public void reject(String edgeId, String reason, String detail, byte[] payload) {
        String edge = edgeId == null ? "unknown" : edgeId;
        counts.computeIfAbsent(edge, e -> new ConcurrentHashMap<>()).computeIfAbsent(reason, r -> new LongAdder()).increment();
        Counter.builder("caravan.trajectories.rejected").tag("edge", edge).tag("reason", reason)
                .description("trajectory messages or tracks rejected").register(meters).increment();
        Sample sample = new Sample(Instant.now(), edge, reason, detail, excerpt(payload));
        synchronized (samples) {
            if (samples.size() == maxSamples) {
                samples.removeFirst();
            }
            samples.addLast(sample);
        }
    }

    /** Every message of a batch that could not be passed on, each with the same reason. */
    public void rejectAll(List<TrajectoryMessage> batch, String reason, String detail) {
        for (TrajectoryMessage message : batch) {
            reject(message.edgeId(), reason, detail, message.payload());
        }
    }

    public Report report() {
        Map<String, Map<String, Long>> byEdge = new TreeMap<>();
        long total = 0;
        for (var edge : counts.entrySet()) {
            Map<String, Long> reasons = new TreeMap<>();
            for (var reason : edge.getValue().entrySet()) {
                reasons.put(reason.getKey(), reason.getValue().sum());
                total += reason.getValue().sum();
            }
            byEdge.put(edge.getKey(), reasons);
        }
        List<Sample> latestFirst;
        synchronized (samples) {
            latestFirst = new ArrayList<>(samples);
        }
        Collections.reverse(latestFirst);
        return new Report(total, byEdge, latestFirst);
    }

    private static String excerpt(byte[] payload) {
        if (payload == null) {
            return "";
        }
        String text = new String(payload, StandardCharsets.UTF_8);
        return text.length() <= MAX_PAYLOAD_CHARS ? text : text.substring(0, MAX_PAYLOAD_CHARS) + "…";
    }
}
