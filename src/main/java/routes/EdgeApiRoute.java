package routes;

import org.apache.camel.Exchange;
import org.apache.camel.model.rest.RestBindingMode;
import org.springframework.stereotype.Component;

import caravan.edge.EdgeClaims.Announcement;
import caravan.edge.EdgeClaims.ClaimRequest;
import caravan.edge.EdgeRequests.DeployHerRequest;
import caravan.edge.EdgeRequests.EdgeRequest;
import caravan.edge.EdgeRequests.GroupRequest;
import caravan.edge.EdgeRequests.LidarRequest;
import caravan.edge.EdgeRequests.VenueRequest;
import caravan.security.Actors;

/**
 * Commissioning (venues, edges, lidar pairings), the reference's deploy-her, rollback, deployment status and
 * container operations on an edge.
 */
@Component
public class EdgeApiRoute extends JsonApiRouteBuilder {

    @Override
    public void configure() {
        rest("/api").bindingMode(RestBindingMode.off)
                .put("/venues/{venueId}").id("rest-venue-save").consumes("application/json").produces("application/json")
                    .to("direct:venue-save")
                .get("/venues").id("rest-venue-list").produces("application/json").to("direct:venue-list")
                .get("/venues/{venueId}").id("rest-venue-get").produces("application/json").to("direct:venue-get")
                .put("/edges/{edgeId}").id("rest-edge-save").consumes("application/json").produces("application/json")
                    .to("direct:edge-save")
                .get("/edges").id("rest-edge-list").produces("application/json").to("direct:edge-list")
                .get("/edges/{edgeId}").id("rest-edge-get").produces("application/json").to("direct:edge-get")
                .post("/claims").id("rest-claim-announce").consumes("application/json").produces("application/json")
                    .description("an unclaimed agent announces the code it shows (no key: it has none yet)")
                    .to("direct:claim-announce")
                .post("/claims/collect").id("rest-claim-collect").consumes("application/json")
                    .produces("application/json").responseMessage(202, "not claimed yet")
                    .responseMessage(200, "claimed: the edge's credential, this once")
                    .responseMessage(404, "no device waits with the code").responseMessage(409, "collected before")
                    .to("direct:claim-collect")
                .post("/edges/claim").id("rest-edge-claim").consumes("application/json").produces("application/json")
                    .responseMessage(404, "wrong or expired code").responseMessage(409, "the code was used")
                    .to("direct:edge-claim")
                .put("/edges/{edgeId}/lidars/{serial}").id("rest-lidar-save").consumes("application/json")
                    .produces("application/json").to("direct:lidar-save")
                .get("/edges/{edgeId}/lidars").id("rest-lidar-list").produces("application/json").to("direct:lidar-list")
                .post("/edge-commissioning/edge/{edgeId}/deploy-her").id("rest-deploy-her").consumes("application/json")
                    .produces("application/json").responseMessage(202, "dispatched to the edge")
                    .responseMessage(400, "invalid request").responseMessage(404, "unknown edge, venue or provider")
                    .responseMessage(409, "provider without an image").to("direct:deploy-her")
                .post("/edges/{edgeId}/rollback").id("rest-edge-rollback").produces("application/json")
                    .responseMessage(202, "the previous healthy deployment is dispatched again")
                    .responseMessage(409, "no earlier healthy deployment").to("direct:edge-rollback")
                .post("/edges/{edgeId}/container/{action}").id("rest-container-command").produces("application/json")
                    .responseMessage(202, "sent to the edge's agent; its answer appears at the command's URL")
                    .responseMessage(400, "unknown action").responseMessage(404, "unknown edge")
                    .to("direct:container-command-accepted")
                .get("/edges/{edgeId}/commands/{commandId}").id("rest-edge-command").produces("application/json")
                    .to("direct:edge-command")
                .post("/deployments").id("rest-deployment-group").consumes("application/json").produces("application/json")
                    .responseMessage(202, "the group's waves start").responseMessage(400, "every problem named")
                    .responseMessage(404, "unknown provider or venue").to("direct:deployment-group-create")
                .get("/deployment-groups/{groupId}").id("rest-deployment-group-get").produces("application/json")
                    .to("direct:deployment-group-get")
                .get("/deployments/{deploymentId}").id("rest-deployment-get").produces("application/json")
                    .to("direct:deployment-get")
                .get("/edges/{edgeId}/deployments").id("rest-edge-deployments").produces("application/json")
                    .to("direct:edge-deployments");

        jsonRoute("venue-save", VenueRequest.class, "edgeApi", "saveVenue(${header.venueId}, ${body})");
        jsonRoute("venue-list", "edgeApi", "registryVenues");
        jsonRoute("venue-get", "edgeApi", "venue(${header.venueId})");
        from("direct:edge-save").routeId("edge-save").routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .unmarshal().json(EdgeRequest.class).process(JsonApiRouteBuilder::requireBody)
                .bean("edgeApi", "saveEdge(${header.edgeId}, ${body})")
                .bean("deviceRegistration", "withFirstToken(${body}, ${header.CamelCaravanActor})")
                .to(JsonResponseRoute.ENDPOINT);
        jsonRoute("claim-announce", Announcement.class, "edgeClaims", "announce(${body})");
        from("direct:claim-collect").routeId("claim-collect").routeConfigurationId(ApiErrorsConfiguration.ID)
                .unmarshal().json(Announcement.class).process(JsonApiRouteBuilder::requireBody)
                .bean("edgeClaims", "collect(${body})")
                .filter(simple("${body.status} == 'waiting'"))
                    .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(202))
                .end()
                .to(JsonResponseRoute.ENDPOINT);
        from("direct:edge-claim").routeId("edge-claim").routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .unmarshal().json(ClaimRequest.class).process(JsonApiRouteBuilder::requireBody)
                .bean("edgeClaims", "claim(${body}, ${header.CamelCaravanActor})")
                .to(JsonResponseRoute.ENDPOINT);
        jsonRoute("edge-list", "edgeApi", "registryEdges");
        jsonRoute("edge-get", "edgeApi", "edge(${header.edgeId})");
        jsonRoute("lidar-save", LidarRequest.class, "edgeApi", "saveLidar(${header.edgeId}, ${header.serial}, ${body})");
        jsonRoute("lidar-list", "edgeApi", "lidars(${header.edgeId})");
        jsonRoute("deployment-get", "edgeApi", "deployment(${header.deploymentId})");
        jsonRoute("edge-deployments", "edgeApi", "deploymentsOf(${header.edgeId})");

        jsonRoute("deployment-group-get", "deploymentGroups", "group(${header.groupId})");

        from("direct:deployment-group-create").routeId("deployment-group-create")
                .routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .unmarshal().json(GroupRequest.class).process(JsonApiRouteBuilder::requireBody)
                .bean("deploymentGroups", "create(${body}, ${header.CamelCaravanActor})")
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(202))
                .to(JsonResponseRoute.ENDPOINT);

        jsonRoute("edge-command", "edgeCommands", "command(${header.edgeId}, ${header.commandId})");

        from("direct:container-command-accepted").routeId("container-command-accepted")
                .routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader("CaravanTail", header("tail").convertTo(Integer.class))
                .bean("edgeCommands", "containerCommand(${header.edgeId}, ${header.action}, ${header.CaravanTail})")
                .to("direct:container-command-send")
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(202))
                .to(JsonResponseRoute.ENDPOINT);

        from("direct:deploy-her").routeId("deploy-her").routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .unmarshal().json(DeployHerRequest.class).process(JsonApiRouteBuilder::requireBody)
                .bean("edgeApi", "planDeployment(${header.edgeId}, ${body}, ${header.CamelCaravanActor})")
                .to("direct:deployment-accepted");

        from("direct:edge-rollback").routeId("edge-rollback").routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .bean("deploymentPlanner", "planRollback(${header.edgeId}, ${header.CamelCaravanActor})")
                .to("direct:deployment-accepted");

        from("direct:deployment-accepted").routeId("deployment-accepted")
                .to("direct:deployment-dispatch")
                .bean("edgeApi", "accepted")
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(202))
                .to(JsonResponseRoute.ENDPOINT);
    }
}
