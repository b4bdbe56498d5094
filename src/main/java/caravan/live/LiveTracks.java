package caravan.live;

import java.util.ArrayList;
import java.util.HashMap;
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
 * Sends each venue's tracks as frames, {@code {event: "tracks", venueId, tracks}}, to every client that asked for
 * that venue (or for all). A venue's tracks go out at once when its feed is idle; while its frames already come
 * faster than {@code caravan.live.frames-per-second}, they are gathered until the next frame is due (a leading-edge
 * throttle: latency only where it saves frames), and a batch that reaches {@code caravan.live.max-frame-tracks}
 * goes at once. Within a frame each track appears once, with its latest position. Alerts go out at once as
 * {@code {event: "alert", venueId, alert}}. A frame is written once and shared by all its clients.
 */
@Component
public class LiveTracks {

    public record Frame(String event, String venueId, List<Track> tracks) {
    }

    public record AlertFrame(String event, String venueId, Alert alert) {
    }

    /** A venue's tracks not sent yet, when its last frame went, and whether a flush is due for them. */
    private static final class VenueFeed {
        Map<String, Track> pending = new LinkedHashMap<>();
        long lastFrameNanos;
        boolean flushScheduled;

        VenueFeed(long lastFrameNanos) {
            this.lastFrameNanos = lastFrameNanos;
        }
    }

    /** Venues remembered for their throttle; past this, those with nothing waiting are forgotten. */
    private static final int MAX_VENUES = 10_000;

    private final ObjectMapper mapper;
    private final LiveProperties properties;
    private final long frameIntervalNanos;
    private final Map<String, LiveSession> sessions = new ConcurrentHashMap<>();
    private final Counter droppedFrames;
    /** Guards {@link #venues}. */
    private final Object pendingLock = new Object();
    private final Map<String, VenueFeed> venues = new HashMap<>();
    /** Held while frames are taken, written and queued, so each client gets a venue's frames in order. */
    private final Object flushLock = new Object();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "live-tracks-ticker"));
    private final ExecutorService senders = Executors.newCachedThreadPool(runnable -> daemon(runnable, "live-tracks-sender"));

    public LiveTracks(ObjectMapper mapper, LiveProperties properties, MeterRegistry meters) {
        this.mapper = mapper;
        this.properties = properties;
        this.frameIntervalNanos = TimeUnit.SECONDS.toNanos(1) / Math.max(1, properties.framesPerSecond());
        Gauge.builder("caravan.live.clients", sessions, Map::size).description("browsers on the live feed").register(meters);
        droppedFrames = Counter.builder("caravan.live.dropped.frames")
                .description("frames not sent to a client that was too far behind").register(meters);
    }

    /**
     * Called by the trajectory lanes with a batch's accepted tracks; never waits for a browser. A venue whose batch
     * fills is sent right away, before the rest are added, so that a frame holds at most
     * {@code caravan.live.max-frame-tracks}; the others are sent now or when their next frame is due.
     */
    public void publishAll(List<Track> tracks) {
        List<String> touched = new ArrayList<>(1);
        int next = 0;
        while (next < tracks.size()) {
            String full = null;
            synchronized (pendingLock) {
                while (full == null && next < tracks.size()) {
                    Track track = tracks.get(next++);
                    VenueFeed venue = venues.computeIfAbsent(track.venueId(),
                            id -> new VenueFeed(System.nanoTime() - frameIntervalNanos)); // idle: its first goes at once
                    venue.pending.put(track.id(), track);
                    if (venue.pending.size() >= properties.maxFrameTracks()) {
                        full = track.venueId();
                    } else if (!touched.contains(track.venueId())) {
                        touched.add(track.venueId());
                    }
                }
            }
            if (full != null) {
                flush(full);
            }
        }
        touched.forEach(this::flushOrSchedule);
    }

    /** Sends the venue's waiting tracks now if its last frame is a frame interval old, else when it will be. */
    private void flushOrSchedule(String venueId) {
        long wait;
        synchronized (pendingLock) {
            VenueFeed venue = venues.get(venueId);
            if (venue == null || venue.pending.isEmpty() || venue.flushScheduled) {
                return;
            }
            wait = venue.lastFrameNanos + frameIntervalNanos - System.nanoTime();
            venue.flushScheduled = wait > 0;
        }
        if (wait > 0) {
            ticker.schedule(() -> flush(venueId), wait, TimeUnit.NANOSECONDS);
        } else {
            flush(venueId);
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

    /** Sends the venue's waiting tracks as one frame. */
    private void flush(String venueId) {
        synchronized (flushLock) {
            Map<String, Track> batch;
            synchronized (pendingLock) {
                VenueFeed venue = venues.get(venueId);
                if (venue == null || venue.pending.isEmpty()) {
                    return;
                }
                batch = venue.pending;
                venue.pending = new LinkedHashMap<>();
                venue.lastFrameNanos = System.nanoTime();
                venue.flushScheduled = false;
                if (venues.size() > MAX_VENUES) { // venue ids come from messages: keep what they can make us hold bounded
                    venues.values().removeIf(feed -> feed.pending.isEmpty() && !feed.flushScheduled);
                }
            }
            char[] frame = json(new Frame("tracks", venueId, new ArrayList<>(batch.values())));
            for (LiveSession session : sessions.values()) {
                if (session.wants(venueId)) {
                    session.offer(frame);
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
