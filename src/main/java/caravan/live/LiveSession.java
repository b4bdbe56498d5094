package caravan.live;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.websocket.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.adapter.NativeWebSocketSession;

/**
 * One browser on the feed. It holds at most one unsent frame per venue (a newer frame replaces it: latest wins),
 * and frames are sent by a task of its own (one at a time: a WebSocket session takes one sender), so a slow or stuck
 * client loses frames and, past the send time limit, its connection, but never holds up the others or grows memory.
 */
final class LiveSession {

    private static final Logger LOG = LoggerFactory.getLogger(LiveSession.class);

    private final WebSocketSession session;
    private final String venueId;
    private final Executor sender;
    private final Map<String, String> unsent = new ConcurrentHashMap<>();
    private final AtomicBoolean sending = new AtomicBoolean();

    /** Tomcat's limit on one blocking send; past it the send fails and the client is dropped. */
    static final String SEND_TIMEOUT_PROPERTY = "org.apache.tomcat.websocket.BLOCKING_SEND_TIMEOUT";

    LiveSession(WebSocketSession session, String venueId, Executor sender, long sendTimeLimitMillis) {
        this.session = session;
        this.venueId = venueId;
        this.sender = sender;
        if (session instanceof NativeWebSocketSession nativeSession) {
            Session standard = nativeSession.getNativeSession(Session.class);
            if (standard != null) {
                standard.getUserProperties().put(SEND_TIMEOUT_PROPERTY, sendTimeLimitMillis);
            }
        }
    }

    String id() {
        return session.getId();
    }

    boolean wants(String frameVenueId) {
        return venueId == null || venueId.equals(frameVenueId);
    }

    int unsentFrames() {
        return unsent.size();
    }

    void offer(String frameVenueId, String frame) {
        unsent.put(frameVenueId, frame);
        if (sending.compareAndSet(false, true)) {
            sender.execute(this::sendUnsent);
        }
    }

    private void sendUnsent() {
        try {
            while (!unsent.isEmpty() && session.isOpen()) {
                for (String venue : unsent.keySet()) {
                    String frame = unsent.remove(venue);
                    if (frame != null) {
                        session.sendMessage(new TextMessage(frame));
                    }
                }
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

    private void closeQuietly() {
        try {
            session.close(CloseStatus.SESSION_NOT_RELIABLE);
        } catch (IOException e) {
            LOG.debug("closing live client {}", session.getId(), e);
        }
    }
}
