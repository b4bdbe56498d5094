package routes;

import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

import caravan.edge.EdgeProperties;

/**
 * The hub's side of the edges. For SSH edges, deploys and container operations go to {@link SshDeployRoute}; for
 * agents, deploy commands go out on {@code caravan/edges/{edgeId}/commands} (QoS 1, so a
 * connected persistent session gets it once it is back), agents report on {@code caravan/edges/{edgeId}/events},
 * edges that stop heartbeating turn offline, a deployment no agent acknowledges in time fails, and deployment
 * groups start their next wave.
 */
@Component
public class EdgeCommandsRoute extends RouteBuilder {

    private final EdgeProperties properties;

    public EdgeCommandsRoute(EdgeProperties properties) {
        this.properties = properties;
    }

    @Override
    public void configure() {
        from("direct:deployment-dispatch").routeId("deployment-dispatch")
                .setHeader("CaravanEdgeId", simple("${body.edgeId()}"))
                .setHeader("CaravanDeploymentId", simple("${body.deploymentId()}"))
                .bean("edgeCommands", "deployCommand")
                .choice()
                    .when(method("edgeApi", "isSshEdge(${header.CaravanEdgeId})"))
                        .setProperty("deployCommand", body())
                        .bean("deploymentStore", "advance(${header.CaravanDeploymentId}, 'dispatched', "
                                + "'queued for deployment over SSH')")
                        .setBody(exchangeProperty("deployCommand"))
                        .to("seda:ssh-deploy?waitForTaskToComplete=Never")
                    .otherwise()
                        .doTry()
                            .toD("paho-mqtt5:caravan/edges/${header.CaravanEdgeId}/commands?brokerUrl={{caravan.mqtt.url}}&qos=1")
                            .bean("deploymentStore", "advance(${header.CaravanDeploymentId}, 'dispatched', "
                                    + "'command sent on caravan/edges/${header.CaravanEdgeId}/commands')")
                        .doCatch(Exception.class)
                            .bean("deploymentStore", "advance(${header.CaravanDeploymentId}, 'failed', "
                                    + "'the deploy command could not be sent: ${exception.message}')")
                        .end()
                .end()
                .setBody(method("edgeApi", "deployment(${header.CaravanDeploymentId})"));

        // The body is the recorded command. An agent answers on its events topic; an SSH edge is asked at once.
        from("direct:container-command-send").routeId("container-command-send")
                .choice()
                    .when(method("edgeApi", "isSshEdge(${body.edgeId()})"))
                        .bean("sshDeployments", "containerCommand(${body}, ${header.CaravanTail})")
                    .otherwise()
                        .setProperty("command", body())
                        .bean("edgeCommands", "containerMessage(${body}, ${header.CaravanTail})")
                        .doTry()
                            .toD("paho-mqtt5:caravan/edges/${header.edgeId}/commands?brokerUrl={{caravan.mqtt.url}}&qos=1")
                            .setBody(exchangeProperty("command"))
                        .doCatch(Exception.class)
                            .setBody(method("edgeCommands", "notSent(${exchangeProperty.command}, ${exception.message})"))
                        .end()
                .end();

        from("paho-mqtt5:$share/" + properties.eventsGroup() + "/caravan/edges/+/events?brokerUrl={{caravan.mqtt.url}}&qos=1")
                .routeId("edge-events")
                .onException(Exception.class).handled(true)
                    .log(LoggingLevel.WARN, "caravan.edges", "Event from edge ${header.CaravanEdgeId} not applied: "
                            + "${exception.message}")
                .end()
                .setHeader("CaravanEdgeId", method("edgeEvents", "edgeIdOf(${header.CamelMqttTopic})"))
                .unmarshal().json(com.fasterxml.jackson.databind.JsonNode.class)
                .bean("edgeEvents", "handle(${header.CaravanEdgeId}, ${body})");

        from("timer:deployment-groups?period=" + properties.groupTick().toMillis()).routeId("deployment-groups")
                .bean("deploymentGroups", "advance")
                .split(body())
                    .to("direct:deployment-dispatch")
                .end();

        from("timer:edge-timeouts?period=5000").routeId("edge-timeouts")
                .bean("edgeEvents", "markSilentOffline")
                .bean("edgeEvents", "failUnacknowledged")
                .bean("edgeEvents", "failStalled");
    }
}
