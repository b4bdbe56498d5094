package routes;

import org.apache.camel.LoggingLevel;
import org.apache.camel.Predicate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.model.OnExceptionDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.spi.InflightRepository;
import org.apache.camel.util.concurrent.SynchronousExecutorService;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;

import caravan.live.LiveProperties;
import caravan.mqtt.HiveMqttComponent;
import caravan.trajectory.LaneBatches;
import caravan.trajectory.StorageBatches;
import caravan.trajectory.TrajectoryIntake;
import caravan.trajectory.TrajectoryProperties;

/**
 * Trajectories from edge trackers: MQTT 5 (QoS 1) → batches per lane → the edge's JSLT mapping → validation → each
 * valid track once (QoS 1 redeliveries are dropped) → the live WebSocket feed, batched storage and the alert rules.
 * Rejections are counted per edge and reason and sampled. Java DSL: the lanes are as many routes as configured.
 *
 * <p>The MQTT client ({@link HiveMqttComponent}: a quarter to half of Paho's CPU per message) runs each message on
 * its network thread, which only names the edge and its lane (an edge always takes the same one) and adds the
 * message to the lane's next batch. An idle lane takes its batch at once; a busy one finds, when it is free, what
 * arrived meanwhile (or at most the batch size), so batches cost latency only while there is a queue to save. The
 * lanes work in parallel, each edge's messages in order: only the MQTT thread adds to batches, and a batch completed
 * by the interval is handed over before another can start. A full lane holds up the MQTT client, and with it the
 * broker, rather than dropping messages. Payloads are byte arrays, so stream caching is off on these routes: it
 * would only look for a converter per message.
 *
 * <p>A QoS 1 message is acknowledged to the broker only once its tracks are committed (or it was rejected): the
 * lanes add their tracks, and their messages' acknowledgements, to the storage batch, which is inserted when full or
 * every storage batch timeout. Until then the broker keeps the message, and sends it again to a kept session if the
 * hub dies; stored tracks are keyed, so it is stored once.
 */
@Component
public class TrajectoryIntakeRoute extends RouteBuilder {

    /** On the MQTT client's thread: adding a message to its lane's batch. */
    private static final String LANE_BATCHES = "direct:trajectory-lane-batches";
    /** On the lane's thread: adding a batch's tracks to the storage batch is cheap, waking a thread for it is not. */
    static final String STORAGE = "direct:trajectory-storage";
    /** The least time between two batches an idle lane is handed at once. */
    private static final long LANE_SPACING_NANOS = 1_000_000;
    /**
     * Storage batches waiting for their insert, taken by {@code storage-threads} threads; when it is full the lanes
     * wait, and so the broker. Each message waits only for its own tracks' commit, so inserts need no order.
     */
    private static final String INSERTS = "seda:trajectory-inserts?size=200&blockWhenFull=true"
            + "&concurrentConsumers={{caravan.trajectories.storage-threads}}";

    private final TrajectoryProperties properties;
    private final LiveProperties live;

    public TrajectoryIntakeRoute(TrajectoryProperties properties, LiveProperties live) {
        this.properties = properties;
        this.live = live;
    }

    @Override
    public void configure() throws Exception {
        // Defined first, so started first and stopped last: what the batches hand over as they stop is stored.
        from(INSERTS).routeId("trajectory-storage").routeConfigurationId(StorageFailures.ID)
                .bean("trajectoryStorage", "insert")
                .bean("trajectoryStorage", "stored");

        from(STORAGE).routeId("trajectory-storage-batches").streamCache("false")
                .aggregate(constant(true), new StorageBatches()).id("trajectory-storage-batch")
                    .completionPredicate(StorageBatches.atLeast(properties.storageBatchSize()))
                    .completionInterval(properties.storageBatchTimeout().toMillis())
                    .forceCompletionOnStop() // a hub that stops stores the batch it was gathering
                    // On the thread that completes it: the inserts keep the batches' order, and a full queue of
                    // inserts holds up that thread rather than growing.
                    .executorService(new SynchronousExecutorService())
                .to(INSERTS);

        for (int lane = 0; lane < properties.lanes(); lane++) {
            RouteDefinition laneRoute = from(lane(lane)).routeId(laneRouteId(lane))
                    .routeConfigurationId(LaneFailures.ID).streamCache("false")
                    .setProperty(TrajectoryIntake.LANE_BATCH, body())
                    .bean("trajectoryIntake", "acceptAll")
                    // Live first: handing tracks to the feed never blocks, whatever the browsers do.
                    .bean("liveTracks", "publishAll")
                    .to(STORAGE)
                    .to("direct:trajectory-alerts");
            if (live.shareWithHubs()) {
                laneRoute.to("direct:live-tracks-to-hubs");
            }
        }

        // A route of its own, behind a direct endpoint: a stopping MQTT consumer stops the route it feeds at once,
        // a direct one lets the aggregator hand over what it holds first.
        from(LANE_BATCHES).routeId("trajectory-lane-batches").streamCache("false")
                .aggregate(header(TrajectoryIntake.LANE), new LaneBatches()).id("trajectory-lane-batch")
                    .completionSize(properties.laneBatchSize())
                    .completionPredicate(laneIdle())
                    .completionInterval(properties.laneBatchInterval().toMillis())
                    .forceCompletionOnStop() // a stopping hub hands its lanes what it has gathered
                    // In the thread that completes the batch: the MQTT thread, else the interval's thread (which
                    // holds the aggregator's lock meanwhile), so a lane's batches arrive in order.
                    .executorService(new SynchronousExecutorService())
                .toD(lane("${header." + TrajectoryIntake.LANE + "}"));

        from(HiveMqttComponent.SCHEME + ":" + properties.subscription() + "?brokerUrl={{caravan.mqtt.url}}&qos=1"
                + "&manualAcknowledgement=true&receiveMaximum={{caravan.trajectories.receive-maximum}}"
                + properties.sessionOptions())
                .routeId("trajectory-intake").streamCache("false")
                .bean("trajectoryIntake", "receive")
                .to(LANE_BATCHES);
    }

    /**
     * A batch whose lane has nothing queued nor under way, and was last handed one at least {@link #LANE_SPACING_NANOS}
     * ago: it goes at once rather than wait for more. The spacing keeps a busy hub from waking a lane for every
     * message (a thread hand-off each); it delays a message by a millisecond at most, and only at over a thousand a
     * second per lane.
     */
    private Predicate laneIdle() {
        SedaEndpoint[] queues = new SedaEndpoint[properties.lanes()];
        String[] routeIds = new String[properties.lanes()];
        long[] lastHandedNanos = new long[properties.lanes()]; // only the MQTT thread completes batches this way
        for (int lane = 0; lane < queues.length; lane++) {
            queues[lane] = getContext().getEndpoint(lane(lane), SedaEndpoint.class);
            routeIds[lane] = laneRouteId(lane);
            lastHandedNanos[lane] = System.nanoTime() - LANE_SPACING_NANOS;
        }
        InflightRepository inflight = getContext().getInflightRepository();
        return batch -> {
            int lane = batch.getMessage().getHeader(TrajectoryIntake.LANE, Integer.class);
            long now = System.nanoTime();
            boolean goes = now - lastHandedNanos[lane] >= LANE_SPACING_NANOS
                    && queues[lane].getCurrentQueueSize() == 0 && inflight.size(routeIds[lane]) == 0;
            if (goes) {
                lastHandedNanos[lane] = now;
            }
            return goes;
        };
    }

    private String lane(int number) {
        return lane(Integer.toString(number));
    }

    private String lane(String number) {
        return "seda:trajectory-lane-" + number + "?size=" + properties.laneQueuedBatches() + "&blockWhenFull=true";
    }

    private static String laneRouteId(int lane) {
        return "trajectory-lane-" + lane;
    }

    /** Tried again, with back-off, until it passes or the hub stops; then given up, neither stored nor acknowledged. */
    private static OnExceptionDefinition untilTheHubStops(OnExceptionDefinition failure) {
        return failure.retryWhile(exchange -> exchange.getContext().isStarted())
                .redeliveryDelay(100)
                .useExponentialBackOff().backOffMultiplier(2).maximumRedeliveryDelay(5000)
                .retryAttemptedLogLevel(LoggingLevel.WARN)
                .handled(true);
    }

    /**
     * A batch whose edges' formats the database cannot tell (it is down, and the hub has not asked before) waits for
     * it, as storage does: mapped with a guess, its messages could be rejected, and so acknowledged and lost. A batch
     * that fails otherwise, past its messages' own rejections (their JSON and mapping problems are rejected one by
     * one as the lane takes them), has each of its messages counted and sampled as rejected, with the failure; their
     * acknowledgements still go through storage, so they keep their order.
     */
    @Component
    public static class LaneFailures extends RouteConfigurationBuilder {

        static final String ID = "trajectory-lane-failures";

        @Override
        public void configuration() {
            RouteConfigurationDefinition lanes = routeConfiguration(ID);
            untilTheHubStops(lanes.onException(DataAccessException.class))
                    .log(LoggingLevel.WARN, "caravan.trajectories", "${exchangeProperty." + TrajectoryIntake.LANE_BATCH
                            + ".size} messages not mapped before the hub stopped: not acknowledged either, so a kept "
                            + "session gets them again")
                    .end();
            lanes.onException(Exception.class).handled(true)
                        .bean("trajectoryRejections", "rejectAll(${exchangeProperty." + TrajectoryIntake.LANE_BATCH
                                + "}, 'processing-failed', ${exception.message})")
                        .removeProperty(TrajectoryIntake.VALID_TRACKS)
                        .to(STORAGE);
        }
    }

    /**
     * An insert that fails is tried again, with back-off, until it passes: a database that is down holds up storage,
     * and with nothing acknowledged meanwhile, the broker holds back what edges publish. A batch with data the
     * database refuses (it would refuse it again) is inserted track by track, and only what it refuses is rejected,
     * with its reason. A hub that stops while retrying gives up:
     * the batch is neither stored nor acknowledged, so a kept session gets its messages again.
     */
    @Component
    public static class StorageFailures extends RouteConfigurationBuilder {

        static final String ID = "trajectory-storage-failures";

        @Override
        public void configuration() {
            RouteConfigurationDefinition storage = routeConfiguration(ID);
            storage.onException(DataIntegrityViolationException.class).handled(true)
                    .bean("trajectoryStorage", "insertOneByOne");
            untilTheHubStops(storage.onException(Exception.class).onRedeliveryRef("trajectoryStorageRetry"))
                        .log(LoggingLevel.WARN, "caravan.trajectories", "${body.tracks.size} tracks not stored before "
                                + "the hub stopped: not acknowledged either, so a kept session gets them again")
                    .end();
        }
    }
}
