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

import caravan.trajectory.Track;

/**
 * Batches tracks per venue and sends each venue's batch as one frame, {@code {event: "tracks", venueId, tracks}},
 * at most {@code caravan.live.frames-per-second} times a second, to every client that asked for that venue (or for
 * all). Within a frame each track appears once, with its latest position.
 */
@Component
public class LiveTracks {

    public record Frame(String event, String venueId, List<Track> tracks) {
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
            String frame = frame(venue.getKey(), new ArrayList<>(venue.getValue().values()));
            for (LiveSession session : sessions.values()) {
                if (session.wants(venue.getKey())) {
                    session.offer(venue.getKey(), frame);
                }
            }
        }
    }

    private String frame(String venueId, List<Track> tracks) {
        try {
            return mapper.writeValueAsString(new Frame("tracks", venueId, tracks));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a frame of tracks always serializes", e);
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
