package caravan.live;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.handler.TextWebSocketHandler;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * {@code /tracking} on the hub's own port: {@code /tracking?venueId=<id>} for one venue, no parameter for all. The
 * feed is one-way; what a browser sends is ignored.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
public class TrackingSocket extends TextWebSocketHandler implements WebSocketConfigurer {

    private final LiveTracks live;
    private final LiveProperties properties;

    public TrackingSocket(LiveTracks live, LiveProperties properties) {
        this.live = live;
        this.properties = properties;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        registry.addHandler(this, "/tracking").setAllowedOrigins(properties.allowedOrigins());
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession session) {
        String venueId = session.getUri() == null ? null
                : UriComponentsBuilder.fromUri(session.getUri()).build().getQueryParams().getFirst("venueId");
        live.connect(session, venueId == null || venueId.isBlank() ? null : venueId);
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        live.disconnect(session);
    }
}
