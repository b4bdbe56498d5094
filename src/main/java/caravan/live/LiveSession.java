package caravan.live;

import java.io.IOException;
import java.io.Writer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.adapter.NativeWebSocketSession;

/**
 * One browser on the feed. Its frames wait in a queue of their own, sent in order by a task of its own (one at a
 * time: a WebSocket session takes one sender), so a slow client never holds up the others. A client more than
 * {@code maxQueuedFrames} behind loses its oldest frames, and one that takes longer than the send time limit to
 * accept a frame loses its connection: memory stays bounded whatever a client does. Frames are shared between
 * clients, so a queue holds references, not copies.
 */
final class LiveSession {

    private static final Logger LOG = LoggerFactory.getLogger(LiveSession.class);

    /** Tomcat's limit on one blocking send; past it the send fails and the client is dropped. */
    static final String SEND_TIMEOUT_PROPERTY = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

    private final WebSocketSession session;
    private final RemoteEndpoint.Basic remote;
    private final String venueId;
    private final Executor sender;
    private final int maxQueuedFrames;
    private final Counter droppedFrames;
    private final Queue<char[]> unsent = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean sending = new AtomicBoolean();

    LiveSession(WebSocketSession session, String venueId, Executor sender, long sendTimeLimitMillis,
            int maxQueuedFrames, Counter droppedFrames) {
        Session standard = session instanceof NativeWebSocketSession nativeSession
                ? nativeSession.getNativeSession(Session.class) : null;
        if (standard == null) {
            throw new IllegalStateException("the live feed needs a standard (JSR 356) WebSocket session, not "
                    + session.getClass().getName());
        }
        standard.getUserProperties().put(SEND_TIMEOUT_PROPERTY, sendTimeLimitMillis);
        this.session = session;
        this.remote = standard.getBasicRemote();
        this.venueId = venueId;
        this.sender = sender;
        this.maxQueuedFrames = maxQueuedFrames;
        this.droppedFrames = droppedFrames;
    }

    boolean wants(String frameVenueId) {
        return venueId == null || venueId.equals(frameVenueId);
    }

    int unsentFrames() {
        return queued.get();
    }

    void offer(char[] frame) {
        unsent.add(frame);
        if (queued.incrementAndGet() > maxQueuedFrames && unsent.poll() != null) {
            queued.decrementAndGet();
            droppedFrames.increment();
        }
        if (sending.compareAndSet(false, true)) {
            sender.execute(this::sendUnsent);
        }
    }

    private void sendUnsent() {
        try {
            char[] frame;
            while (session.isOpen() && (frame = unsent.poll()) != null) {
                queued.decrementAndGet();
                send(frame);
            }
        } catch (IOException | RuntimeException e) {
            LOG.info("Live client {} dropped: {}", session.getId(), e.getMessage());
            closeQuietly();
        } finally {
            sending.set(false);
        }
        // A frame offered while the loop was finishing must not wait for the next one.
        if (!unsent.isEmpty() && session.isOpen() && sending.compareAndSet(false, true)) {
            sender.execute(this::sendUnsent);
        }
    }

    /**
     * Sends one text message through the container's writer: it encodes from the frame's chars, where sending a
     * String makes Tomcat encode it a char at a time, and writing one makes the writer copy it, for every client.
     */
    private void send(char[] frame) throws IOException {
        try (Writer writer = remote.getSendWriter()) {
            writer.write(frame);
        }
    }

    private void closeQuietly() {
        try {
            session.close(CloseStatus.SESSION_NOT_RELIABLE);
        } catch (IOException e) {
            LOG.debug("closing live client {}", session.getId(), e);
        }
    }
}
