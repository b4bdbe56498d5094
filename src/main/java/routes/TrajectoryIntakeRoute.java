package routes;

import java.util.concurrent.ExecutorService;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.builder.ThreadPoolBuilder;
import org.apache.camel.util.concurrent.SynchronousExecutorService;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;
import org.springframework.stereotype.Component;

import caravan.mqtt.HiveMqttComponent;
import caravan.trajectory.Batches;
import caravan.trajectory.TrajectoryIntake;
import caravan.trajectory.TrajectoryProperties;

/**
 * Trajectories from edge trackers: MQTT 5 (QoS 1) → batches per lane → the edge's JSLT mapping → validation → each
 * valid track once (QoS 1 redeliveries are dropped) → the live WebSocket feed, batched storage and the alert rules.
 * Rejections are counted per edge and reason and sampled.
 *
 * <p>The MQTT client ({@link HiveMqttComponent}: a quarter to half of Paho's CPU per message) runs each message on
 * its network thread, which only names the edge and its lane (an edge always takes the same one) and adds the
 * message to the lane's next batch. A batch goes to its lane when it is full or at the batch interval: handing over
 * each message, and running each through the lane's route, cost more than the lane's own work. The
 * lanes work in parallel, each edge's messages in order: only the MQTT thread adds to batches, and a batch completed
 * by the interval is handed over before another can start. A full lane holds up the MQTT client, and with it the
 * broker, rather than dropping messages. Each lane adds its tracks to the shared storage batch itself; full batches
 * are inserted on a thread of their own. Payloads are byte arrays, so stream caching is off on these routes: it
 * would only look for a converter per message.
 */
@Component
public class TrajectoryIntakeRoute extends RouteBuilder {

    /** On the MQTT client's thread: adding a message to its lane's batch. */
    private static final String LANE_BATCHES = "direct:trajectory-lane-batches";
    /** On the lane's thread: adding a batch's tracks to the storage batch is cheap, waking a thread for it is not. */
    static final String STORAGE = "direct:trajectory-storage";
    /** Batches waiting for their insert; when storage falls this far behind, the lane that fills a batch inserts it. */
    private static final int QUEUED_BATCHES = 200;
    /** The messages a lane has taken, kept so that a failure can reject each of them. */
    private static final String LANE_BATCH = "CaravanLaneBatch";

    private final TrajectoryProperties properties;

    public TrajectoryIntakeRoute(TrajectoryProperties properties) {
        this.properties = properties;
    }

    @Override
    public void configure() throws Exception {
        from(HiveMqttComponent.SCHEME + ":" + properties.subscription() + "?brokerUrl={{caravan.mqtt.url}}&qos=1"
                + properties.sessionOptions())
                .routeId("trajectory-intake").streamCache("false")
                .bean("trajectoryIntake", "receive")
                .to(LANE_BATCHES);

        // A route of its own, behind a direct endpoint: a stopping MQTT consumer stops the route it feeds at once,
        // a direct one lets the aggregator hand over what it holds first.
        from(LANE_BATCHES).routeId("trajectory-lane-batches").streamCache("false")
                .aggregate(header(TrajectoryIntake.LANE), new Batches()).id("trajectory-lane-batch")
                    .completionSize(properties.laneBatchSize())
                    .completionInterval(properties.laneBatchInterval().toMillis())
                    .forceCompletionOnStop() // a stopping hub hands its lanes what it has gathered: it was acknowledged
                    // In the thread that completes the batch: the MQTT thread when full, else the interval's thread
                    // (which holds the aggregator's lock meanwhile), so a lane's batches arrive in order.
                    .executorService(new SynchronousExecutorService())
                .toD(lane("${header." + TrajectoryIntake.LANE + "}"));

        for (int lane = 0; lane < properties.lanes(); lane++) {
            from(lane(Integer.toString(lane))).routeId("trajectory-lane-" + lane)
                    .routeConfigurationId(LaneFailures.ID).streamCache("false")
                    .setProperty(LANE_BATCH, body())
                    .bean("trajectoryIntake", "acceptAll")
                    .filter(TrajectoryIntake::hasTracks)
                        // Live first: handing tracks to the feed never blocks, whatever the browsers do.
                        .bean("liveTracks", "publishAll")
                        .to(STORAGE)
                        .to("direct:trajectory-alerts")
                    .end();
        }

        ExecutorService inserts = new ThreadPoolBuilder(getContext()).poolSize(1).maxPoolSize(1)
                .maxQueueSize(QUEUED_BATCHES).rejectedPolicy(ThreadPoolRejectedPolicy.CallerRuns)
                .build(this, "trajectory-storage");
        from(STORAGE).routeId("trajectory-storage")
                .aggregate(constant(true), new Batches()).id("trajectory-storage-batch")
                    .completionPredicate(Batches.atLeast(properties.storageBatchSize()))
                    .completionTimeout(properties.storageBatchTimeout().toMillis())
                    .forceCompletionOnStop() // a hub that stops stores the batch it was gathering
                    .executorService(inserts)
                .bean("trackStore", "insert");

        from("timer:trajectory-retention?period=3600000").routeId("trajectory-retention")
                .bean("trackStore", "deleteExpired")
                .log("Trajectory retention: deleted ${body} tracks older than {{caravan.trajectories.retention}}");
    }

    private String lane(String number) {
        return "seda:trajectory-lane-" + number + "?size=" + properties.laneQueuedBatches() + "&blockWhenFull=true";
    }

    /**
     * A batch that fails past its messages' own rejections (their JSON and mapping problems are rejected one by one
     * as the lane takes them) has each of its messages counted and sampled as rejected, with the failure.
     */
    @Component
    public static class LaneFailures extends RouteConfigurationBuilder {

        static final String ID = "trajectory-lane-failures";

        @Override
        public void configuration() {
            routeConfiguration(ID)
                    .onException(Exception.class).handled(true)
                        .bean("trajectoryRejections", "rejectAll(${exchangeProperty." + LANE_BATCH + "}, "
                                + "'processing-failed', ${exception.message})");
        }
    }
}
