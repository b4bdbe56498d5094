package caravan.live;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The live track feed browsers get over WebSocket.
 *
 * @param framesPerSecond the most frames a second per venue: a venue's tracks go out at once when its last frame is
 *                        older than a frame interval, and wait for the next one while frames come faster
 * @param maxFrameTracks  a venue's batch is sent at once when it holds this many tracks
 * @param maxQueuedFrames frames a client may be behind; beyond, its oldest are dropped
 * @param sendTimeLimit   a client that takes longer than this to accept a frame is disconnected
 * @param allowedOrigins  origins allowed to open the feed from a page served elsewhere; none: the hub's own pages only
 * @param shareWithHubs   hubs that each take a share of the edges' trajectories (a shared subscription) send one
 *                        another the tracks they accept, so every hub's feed shows every track
 * @param hubsTopic       where they do, on the broker they share
 */
@ConfigurationProperties("caravan.live")
public record LiveProperties(
        @DefaultValue("200") int framesPerSecond,
        @DefaultValue("200") int maxFrameTracks,
        @DefaultValue("200") int maxQueuedFrames,
        @DefaultValue("5s") Duration sendTimeLimit,
        @DefaultValue String[] allowedOrigins,
        @DefaultValue("false") boolean shareWithHubs,
        @DefaultValue("caravan/hubs/live-tracks") String hubsTopic) {
}
