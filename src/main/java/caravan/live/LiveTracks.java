package caravan.live;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.WebSocketSession;

import caravan.alert.Alert;
import caravan.trajectory.Track;

/**
 * Batches tracks per venue and sends each venue's batch as one frame, {@code {event: "tracks", venueId, tracks}},
 * at most {@code caravan.live.frames-per-second} times a second, to every client that asked for that venue (or for
 * all). Within a frame each track appears once, with its latest position. Alerts go out at once as
 * {@code {event: "alert", venueId, alert}}.
 */
@Component
public class LiveTracks {

    public record Frame(String event, String venueId, List<Track> tracks) {
    }

    public record AlertFrame(String event, String venueId, Alert alert) {
    }

    private final ObjectMapper mapper;
    private final LiveProperties properties;
    private final Map<String, LiveSession> sessions = new ConcurrentHashMap<>();
    private final Object pendingLock = new Object();
    private Map<String, Map<String, Track>> pending = new LinkedHashMap<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "live-tracks-ticker"));
    private final ExecutorService senders = Executors.newCachedThreadPool(runnable -> daemon(runnable, "live-tracks-sender"));

    public LiveTracks(ObjectMapper mapper, LiveProperties properties, MeterRegistry meters) {
        this.mapper = mapper;
        this.properties = properties;
        long period = Math.max(1, 1000 / Math.max(1, properties.framesPerSecond()));
        ticker.scheduleAtFixedRate(this::flush, period, period, TimeUnit.MILLISECONDS);
        Gauge.builder("caravan.live.clients", sessions, Map::size).description("browsers on the live feed").register(meters);
    }

    /** Called by the trajectory route for every accepted track; never blocks. */
    public void publish(Track track) {
        synchronized (pendingLock) {
            pending.computeIfAbsent(track.venueId(), venue -> new LinkedHashMap<>()).put(track.id(), track);
        }
    }

    /**
     * Sends an alert to the venue's clients at once. A client that has not taken the previous alert frame of the
     * venue gets only the newest; the page loads the full list from {@code /api/alerts}.
     */
    public void publishAlert(Alert alert) {
        String frame = json(new AlertFrame("alert", alert.venueId(), alert));
        for (LiveSession session : sessions.values()) {
            if (session.wants(alert.venueId())) {
                session.offer("alert:" + alert.venueId(), frame);
            }
        }
    }

    void connect(WebSocketSession session, String venueId) {
        sessions.put(session.getId(), new LiveSession(session, venueId, senders, properties.sendTimeLimit().toMillis()));
    }

    void disconnect(WebSocketSession session) {
        sessions.remove(session.getId());
    }

    public int clients() {
        return sessions.size();
    }

    /** Frames waiting, over all clients: at most one per client and venue. */
    public int unsentFrames() {
        return sessions.values().stream().mapToInt(LiveSession::unsentFrames).sum();
    }

    private void flush() {
        Map<String, Map<String, Track>> batch;
        synchronized (pendingLock) {
            if (pending.isEmpty()) {
                return;
            }
            batch = pending;
            pending = new LinkedHashMap<>();
        }
        for (var venue : batch.entrySet()) {
            String frame = json(new Frame("tracks", venue.getKey(), new ArrayList<>(venue.getValue().values())));
            for (LiveSession session : sessions.values()) {
                if (session.wants(venue.getKey())) {
                    session.offer(venue.getKey(), frame);
                }
            }
        }
    }

    private String json(Object frame) {
        try {
            return mapper.writeValueAsString(frame);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a frame always serializes", e);
        }
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    @PreDestroy
    void stop() {
        ticker.shutdownNow();
        senders.shutdownNow();
    }
}
