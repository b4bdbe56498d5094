package routes;

import org.apache.camel.builder.AggregationStrategies;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.springframework.stereotype.Component;

import caravan.trajectory.TrajectoryProperties;

/**
 * Trajectories from edge trackers: MQTT 5 (QoS 1) → the edge's JSLT mapping → validation → each valid track once
 * (QoS 1 redeliveries are dropped) → the live WebSocket feed, batched storage and the alert rules. Rejections are counted per edge and reason and sampled.
 */
@Component
public class TrajectoryIntakeRoute extends RouteBuilder {

    public static final String EDGE_ID = "CaravanEdgeId";
    public static final String FORMAT = "CaravanTrackFormat";
    public static final String VENUE_ID = "CaravanVenueId";
    public static final String PAYLOAD = "CaravanPayload";
    static final String STORAGE = "seda:trajectory-storage?size=100000&blockWhenFull=true";

    private final TrajectoryProperties properties;

    public TrajectoryIntakeRoute(TrajectoryProperties properties) {
        this.properties = properties;
    }

    @Override
    public void configure() {
        from("paho-mqtt5:" + properties.subscription() + "?brokerUrl={{caravan.mqtt.url}}&qos=1")
                .routeId("trajectory-intake").routeConfigurationId(RejectionConfiguration.ID)
                .setProperty(PAYLOAD, body())
                .setHeader(EDGE_ID, method("trajectoryIntake", "edgeId(${header.CamelMqttTopic})"))
                .bean("trajectoryIntake", "countMessage(${header." + EDGE_ID + "})")
                .setHeader(FORMAT, method("trajectoryIntake", "format(${header." + EDGE_ID + "})"))
                .setHeader(VENUE_ID, method("trajectoryIntake", "venueId(${header." + EDGE_ID + "})"))
                .removeHeaders("CamelMqtt*")
                .bean("trajectoryIntake", "readPayload(${exchangeProperty." + PAYLOAD + "})")
                .toD("jslt:file:{{caravan.trajectories.mappings-dir}}/${header." + FORMAT + "}.jslt?contentCache=true")
                .bean("trajectoryIntake", "validate(${body}, ${header." + EDGE_ID + "}, ${exchangeProperty." + PAYLOAD + "})")
                .split(body())
                    .idempotentConsumer(simple("${body.edgeId()}|${body.id()}|${body.timestamp()}"),
                            MemoryIdempotentRepository.memoryIdempotentRepository(properties.dedupWindow()))
                    // Live first: handing a track to the feed never blocks, whatever the browsers do.
                    .bean("liveTracks", "publish")
                    .to(STORAGE)
                    .to("direct:trajectory-alerts")
                .end();

        from(STORAGE).routeId("trajectory-storage")
                .aggregate(constant(true), AggregationStrategies.groupedBody())
                    .completionSize(properties.storageBatchSize())
                    .completionTimeout(properties.storageBatchTimeout().toMillis())
                .bean("trackStore", "insert");

        from("timer:trajectory-retention?period=3600000").routeId("trajectory-retention")
                .bean("trackStore", "deleteExpired")
                .log("Trajectory retention: deleted ${body} tracks older than {{caravan.trajectories.retention}}");
    }

    /**
     * A message that is not JSON, or that its mapping cannot handle, is counted and sampled as rejected, and the
     * route goes on: a flood of bad messages never stops the good ones.
     */
    @Component
    public static class RejectionConfiguration extends RouteConfigurationBuilder {

        static final String ID = "trajectory-rejections";

        @Override
        public void configuration() {
            routeConfiguration(ID)
                    .onException(com.fasterxml.jackson.core.JsonProcessingException.class).handled(true)
                        .bean("trajectoryRejections", "reject(${header." + EDGE_ID + "}, 'malformed-json', "
                                + "${exception.message}, ${exchangeProperty." + PAYLOAD + "})")
                    .end()
                    .onException(Exception.class).handled(true)
                        .bean("trajectoryRejections", "reject(${header." + EDGE_ID + "}, 'mapping-failed', "
                                + "${exception.message}, ${exchangeProperty." + PAYLOAD + "})")
                    .end();
        }
    }
}
