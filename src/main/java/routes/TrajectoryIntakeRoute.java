package routes;

import java.util.concurrent.ExecutorService;
import java.util.stream.IntStream;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.builder.ThreadPoolBuilder;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;
import org.springframework.stereotype.Component;

import caravan.mqtt.BufferedMqttSockets;
import caravan.mqtt.MqttBroker;
import caravan.trajectory.TrackBatches;
import caravan.trajectory.TrajectoryIntake;
import caravan.trajectory.TrajectoryProperties;

/**
 * Trajectories from edge trackers: MQTT 5 (QoS 1) → a lane per edge → the edge's JSLT mapping → validation → each
 * valid track once (QoS 1 redeliveries are dropped) → the live WebSocket feed, batched storage and the alert rules.
 * Rejections are counted per edge and reason and sampled.
 *
 * <p>The MQTT client reads every message on one thread, from a buffered socket ({@link BufferedMqttSockets}), and
 * delivers them on another, so that one only names the edge and hands the message to the edge's lane (sticky: an
 * edge always takes the same one); the lanes do the work in parallel, each edge's messages in order. A full lane
 * holds up the MQTT client, and with it the broker, rather than dropping messages. Each lane adds its tracks to the
 * shared storage batch itself; full batches are inserted on a thread of their own. Payloads are byte arrays, so
 * stream caching is off on these routes: it would only look for a converter per message.
 */
@Component
public class TrajectoryIntakeRoute extends RouteBuilder {

    /** On the lane's thread: adding a message's tracks to the batch is cheap, waking a thread per message is not. */
    static final String STORAGE = "direct:trajectory-storage";
    /** Batches waiting for their insert; when storage falls this far behind, the lane that fills a batch inserts it. */
    private static final int QUEUED_BATCHES = 200;

    private final TrajectoryProperties properties;
    private final MqttBroker broker;

    public TrajectoryIntakeRoute(TrajectoryProperties properties, MqttBroker broker) {
        this.properties = properties;
        this.broker = broker;
    }

    @Override
    public void configure() throws Exception {
        String[] lanes = IntStream.range(0, properties.lanes()).mapToObj(this::lane).toArray(String[]::new);
        from("paho-mqtt5:" + properties.subscription() + "?brokerUrl={{caravan.mqtt.url}}&qos=1"
                + BufferedMqttSockets.uriOption(broker.url()))
                .routeId("trajectory-intake").streamCache("false")
                .bean("trajectoryIntake", "receive")
                .loadBalance().sticky(header(TrajectoryIntake.EDGE_ID))
                    .to(lanes)
                .end();

        for (int lane = 0; lane < properties.lanes(); lane++) {
            from(lanes[lane]).routeId("trajectory-lane-" + lane).routeConfigurationId(RejectionConfiguration.ID)
                    .streamCache("false")
                    .bean("trajectoryIntake", "accept")
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
                .aggregate(constant(true), new TrackBatches()).id("trajectory-storage-batch")
                    .completionPredicate(TrackBatches.atLeast(properties.storageBatchSize()))
                    .completionTimeout(properties.storageBatchTimeout().toMillis())
                    .forceCompletionOnStop() // a hub that stops stores the batch it was gathering
                    .executorService(inserts)
                .bean("trackStore", "insert");

        from("timer:trajectory-retention?period=3600000").routeId("trajectory-retention")
                .bean("trackStore", "deleteExpired")
                .log("Trajectory retention: deleted ${body} tracks older than {{caravan.trajectories.retention}}");
    }

    private String lane(int number) {
        return "seda:trajectory-lane-" + number + "?size=" + properties.laneQueueSize() + "&blockWhenFull=true";
    }

    /**
     * A message that is not JSON, or that its mapping cannot handle, is counted and sampled as rejected (the body is
     * still the message as received), and the route goes on: a flood of bad messages never stops the good ones.
     */
    @Component
    public static class RejectionConfiguration extends RouteConfigurationBuilder {

        static final String ID = "trajectory-rejections";

        @Override
        public void configuration() {
            routeConfiguration(ID)
                    .onException(com.fasterxml.jackson.core.JsonProcessingException.class).handled(true)
                        .bean("trajectoryRejections", "reject(${header." + TrajectoryIntake.EDGE_ID + "}, 'malformed-json', "
                                + "${exception.message}, ${body})")
                    .end()
                    .onException(Exception.class).handled(true)
                        .bean("trajectoryRejections", "reject(${header." + TrajectoryIntake.EDGE_ID + "}, 'mapping-failed', "
                                + "${exception.message}, ${body})")
                    .end();
        }
    }
}
