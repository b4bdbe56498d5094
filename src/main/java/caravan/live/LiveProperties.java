package caravan.live;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The live track feed browsers get over WebSocket.
 *
 * @param framesPerSecond most frames per venue and second a client receives
 * @param sendTimeLimit   a client that takes longer than this to accept a frame is disconnected
 * @param allowedOrigins  origins allowed to open the feed from a page served elsewhere
 */
@ConfigurationProperties("caravan.live")
public record LiveProperties(
        @DefaultValue("20") int framesPerSecond,
        @DefaultValue("5s") Duration sendTimeLimit,
        @DefaultValue("*") String[] allowedOrigins) {
}
