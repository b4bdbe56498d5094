package caravan.trajectory;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Trajectory intake from edge trackers.
 *
 * @param topic            the topic filter edges publish under; the edge id is what follows its prefix
 * @param sharedGroup      when set, an MQTT 5 shared subscription ({@code $share/group/topic}) so hubs split the load
 * @param mappingsDir      folder of JSLT mappings, one {@code <format>.jslt} per vendor format
 * @param defaultFormat    the mapping used for edges not listed in {@code edges}
 * @param edges            per edge: its message format and, for formats that do not carry one, its venue
 * @param maxClockSkew     tracks further than this from the hub's clock are rejected
 * @param rejectedSamples  how many rejected messages are kept for inspection
 * @param dedupWindow      how many recent (edge, track id, timestamp) keys identify a QoS 1 redelivery
 * @param storageBatchSize tracks per insert
 * @param storageBatchTimeout longest a track waits for its batch's insert, whatever the rate: a batch is inserted
 *                         when full, and every this often whatever it holds
 * @param storageThreads   inserts at a time
 * @param receiveMaximum   QoS 1 messages the broker may send ahead of their acknowledgement, which comes once their
 *                         tracks are stored: enough for the messages of a storage batch timeout at the highest rate
 * @param retention        stored tracks older than this are deleted
 * @param retentionInterval how often they are looked for
 * @param lanes            threads that map, validate and pass on messages; an edge's messages always take the same
 *                         lane, so they stay in order
 * @param laneQueueSize    messages waiting per lane; when a lane is full the MQTT client waits, and so the broker
 * @param laneBatchSize    messages handed to a lane at once: one hand-off, and one pass through the lane's route, per
 *                         batch rather than per message
 * @param laneBatchInterval longest a message waits for its batch to be handed to its lane
 * @param clientId         when set, the intake's MQTT client id, by which the broker keeps its session: what edges
 *                         publish while the hub is stopped or cut off arrives when it is back (each hub its own id)
 * @param sessionExpiry    how long the broker keeps that session for a hub that is gone
 */
@ConfigurationProperties("caravan.trajectories")
public record TrajectoryProperties(
        @DefaultValue("hyperspace/trajectories/#") String topic,
        String sharedGroup,
        @DefaultValue("mappings") String mappingsDir,
        @DefaultValue("reference") String defaultFormat,
        @DefaultValue Map<String, EdgeSource> edges,
        @DefaultValue("5m") Duration maxClockSkew,
        @DefaultValue("200") int rejectedSamples,
        @DefaultValue("100000") int dedupWindow,
        @DefaultValue("500") int storageBatchSize,
        @DefaultValue("1s") Duration storageBatchTimeout,
        @DefaultValue("2") int storageThreads,
        @DefaultValue("10000") int receiveMaximum,
        @DefaultValue("7d") Duration retention,
        @DefaultValue("1h") Duration retentionInterval,
        @DefaultValue("2") int lanes,
        @DefaultValue("10000") int laneQueueSize,
        @DefaultValue("100") int laneBatchSize,
        @DefaultValue("5ms") Duration laneBatchInterval,
        String clientId,
        @DefaultValue("1h") Duration sessionExpiry) {

    public record EdgeSource(String format, String venueId) {
    }

    /** Batches waiting per lane: as many as hold {@code laneQueueSize} messages. */
    public int laneQueuedBatches() {
        return Math.max(1, laneQueueSize / laneBatchSize);
    }

    /** What the MQTT consumer subscribes to. */
    public String subscription() {
        return sharedGroup == null || sharedGroup.isBlank() ? topic : "$share/" + sharedGroup + "/" + topic;
    }

    /** The intake endpoint's options for a kept session, if it has a client id. */
    public String sessionOptions() {
        return clientId == null || clientId.isBlank() ? ""
                : "&clientId=RAW(" + clientId + ")&sessionExpiry=" + sessionExpiry.toSeconds();
    }

    /** The edge id a message's topic names: what follows the topic filter's fixed prefix. */
    public String edgeIdOf(String messageTopic) {
        String prefix = topic.endsWith("#") ? topic.substring(0, topic.length() - 1) : topic + "/";
        if (messageTopic == null || !messageTopic.startsWith(prefix) || messageTopic.length() == prefix.length()) {
            return "unknown";
        }
        return messageTopic.substring(prefix.length());
    }
}
