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
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.WebSocketSession;

import caravan.alert.Alert;
import caravan.trajectory.Track;

/**
 * Batches tracks per venue and sends each venue's batch as one frame, {@code {event: "tracks", venueId, tracks}},
 * to every client that asked for that venue (or for all): {@code caravan.live.frames-per-second} times a second,
 * and at once when a batch reaches {@code caravan.live.max-frame-tracks}, so a busy venue's tracks do not wait for
 * the clock. Within a frame each track appears once, with its latest position. Alerts go out at once as
 * {@code {event: "alert", venueId, alert}}. A frame is written once and shared by all its clients.
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
    private final Counter droppedFrames;
    private final Object pendingLock = new Object();
    private Map<String, Map<String, Track>> pending = new LinkedHashMap<>();
    /** Held while frames are taken, written and queued, so each client gets a venue's frames in order. */
    private final Object flushLock = new Object();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "live-tracks-ticker"));
    private final ExecutorService senders = Executors.newCachedThreadPool(runnable -> daemon(runnable, "live-tracks-sender"));

    public LiveTracks(ObjectMapper mapper, LiveProperties properties, MeterRegistry meters) {
        this.mapper = mapper;
        this.properties = properties;
        long period = Math.max(1, 1000 / Math.max(1, properties.framesPerSecond()));
        ticker.scheduleAtFixedRate(() -> flush(null), period, period, TimeUnit.MILLISECONDS);
        Gauge.builder("caravan.live.clients", sessions, Map::size).description("browsers on the live feed").register(meters);
        droppedFrames = Counter.builder("caravan.live.dropped.frames")
                .description("frames not sent to a client that was too far behind").register(meters);
    }

    /**
     * Called by the trajectory lanes with a batch's accepted tracks; never waits for a browser. A venue whose batch
     * fills is sent right away, before the rest are added, so that a frame holds at most
     * {@code caravan.live.max-frame-tracks}.
     */
    public void publishAll(List<Track> tracks) {
        int next = 0;
        while (next < tracks.size()) {
            String full = null;
            synchronized (pendingLock) {
                while (full == null && next < tracks.size()) {
                    Track track = tracks.get(next++);
                    Map<String, Track> venue = pending.computeIfAbsent(track.venueId(), id -> new LinkedHashMap<>());
                    venue.put(track.id(), track);
                    if (venue.size() == properties.maxFrameTracks()) {
                        full = track.venueId();
                    }
                }
            }
            if (full != null) {
                flush(List.of(full));
            }
        }
    }

    /** Sends an alert to the venue's clients at once. */
    public void publishAlert(Alert alert) {
        char[] frame = json(new AlertFrame("alert", alert.venueId(), alert));
        for (LiveSession session : sessions.values()) {
            if (session.wants(alert.venueId())) {
                session.offer(frame);
            }
        }
    }

    void connect(WebSocketSession session, String venueId) {
        sessions.put(session.getId(), new LiveSession(session, venueId, senders, properties.sendTimeLimit().toMillis(),
                properties.maxQueuedFrames(), droppedFrames));
    }

    void disconnect(WebSocketSession session) {
        sessions.remove(session.getId());
    }

    public int clients() {
        return sessions.size();
    }

    /** Frames waiting, over all clients: at most {@code caravan.live.max-queued-frames} per client. */
    public int unsentFrames() {
        return sessions.values().stream().mapToInt(LiveSession::unsentFrames).sum();
    }

    /** Sends the batches of these venues, or of all when null. */
    private void flush(List<String> venues) {
        synchronized (flushLock) {
            Map<String, Map<String, Track>> batch;
            synchronized (pendingLock) {
                if (venues == null) {
                    batch = pending;
                    pending = new LinkedHashMap<>();
                } else {
                    batch = new LinkedHashMap<>();
                    venues.forEach(venue -> batch.put(venue, pending.remove(venue)));
                }
            }
            for (var venue : batch.entrySet()) {
                if (venue.getValue() == null || venue.getValue().isEmpty()) {
                    continue;
                }
                char[] frame = json(new Frame("tracks", venue.getKey(), new ArrayList<>(venue.getValue().values())));
                for (LiveSession session : sessions.values()) {
                    if (session.wants(venue.getKey())) {
                        session.offer(frame);
                    }
                }
            }
        }
    }

    /** A frame's text, as the chars every client's writer takes: one copy for all clients, not one each. */
    private char[] json(Object frame) {
        try {
            return mapper.writeValueAsString(frame).toCharArray();
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
