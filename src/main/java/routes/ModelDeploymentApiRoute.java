package routes;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.model.rest.RestBindingMode;
import org.springframework.stereotype.Component;

import caravan.edge.EdgeRequests.HostKeyConfirmation;
import caravan.model.DeviceService;
import caravan.model.ModelDeploymentApi.DeployRequest;
import caravan.security.Actors;

/**
 * Devices and model deployments: Caravan's endpoints under {@code /api} and the reference's {@code /deployment/*}
 * for its existing clients. A deploy is answered at once; the {@code model-deploy} route does the work.
 */
@Component
public class ModelDeploymentApiRoute extends JsonApiRouteBuilder {

    @Override
    public void configure() {
        rest("/api").bindingMode(RestBindingMode.off)
                .post("/edges/{edgeId}/host-key/confirm").id("rest-host-key-confirm").consumes("application/json")
                    .produces("application/json").responseMessage(409, "the device presents another key")
                    .to("direct:host-key-confirm")
                .put("/edges/{edgeId}/device").id("rest-device-service-save").consumes("application/json")
                    .produces("application/json").to("direct:device-service-save")
                .get("/edges/{edgeId}/device").id("rest-device-service-get").produces("application/json")
                    .to("direct:device-service-get")
                .post("/edges/{edgeId}/probe").id("rest-edge-probe").produces("application/json")
                    .responseMessage(200, "what the SSH probe found, kept as the edge's capabilities")
                    .responseMessage(404, "no edge reached over SSH").to("direct:edge-probe")
                .post("/edges/{edgeId}/models/deploy").id("rest-model-deploy").consumes("application/json")
                    .produces("application/json").responseMessage(202, "the deployment starts")
                    .responseMessage(409, "device busy, unverified or not reached over SSH").to("direct:model-deploy-request")
                .post("/edges/{edgeId}/models/rollback").id("rest-model-rollback").produces("application/json")
                    .responseMessage(202, "the previous model is deployed again")
                    .responseMessage(409, "no earlier model").to("direct:model-rollback-request")
                .get("/edges/{edgeId}/models/deployments").id("rest-edge-model-deployments").produces("application/json")
                    .to("direct:edge-model-deployments")
                .get("/model-deployments/{deploymentId}").id("rest-model-deployment-get").produces("application/json")
                    .to("direct:model-deployment-get");

        rest("/deployment").bindingMode(RestBindingMode.off)
                .get("/devices").id("rest-reference-devices").produces("application/json").to("direct:reference-devices")
                .post("/devices").id("rest-reference-device-add").consumes("application/json").produces("application/json")
                    .to("direct:reference-device-add")
                .post("/devices/{deviceId}/test").id("rest-reference-device-test").produces("application/json")
                    .to("direct:reference-device-test")
                .post("/deploy").id("rest-reference-deploy").consumes("application/json").produces("application/json")
                    .to("direct:reference-deploy")
                .get("/deployments/{deploymentId}").id("rest-reference-deployment").produces("application/json")
                    .to("direct:reference-deployment");

        jsonRoute("host-key-confirm", HostKeyConfirmation.class, "edgeApi", "confirmHostKey(${header.edgeId}, ${body})");
        jsonRoute("device-service-save", DeviceService.class, "deviceServices", "save(${header.edgeId}, ${body})");
        jsonRoute("device-service-get", "deviceServices", "of(${header.edgeId})");
        jsonRoute("edge-model-deployments", "modelDeploymentApi", "deploymentsOf(${header.edgeId})");
        jsonRoute("model-deployment-get", "modelDeploymentApi", "deployment(${header.deploymentId})");
        jsonRoute("reference-devices", "referenceDeployments", "devices");
        jsonRoute("reference-device-add", JsonNode.class, "referenceDeployments", "addDevice(${body})");
        jsonRoute("reference-device-test", "deviceCheck", "test(${header.deviceId})");
        jsonRoute("edge-probe", "deviceCheck", "test(${header.edgeId})");
        jsonRoute("reference-deployment", "referenceDeployments", "deployment(${header.deploymentId})");

        from("direct:model-deploy-request").routeId("model-deploy-request").routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .unmarshal().json(DeployRequest.class).process(JsonApiRouteBuilder::requireBody)
                .bean("modelDeploymentApi", "deploy(${header.edgeId}, ${body}, ${header.CamelCaravanActor})")
                .to("direct:model-deployment-accepted");

        from("direct:model-rollback-request").routeId("model-rollback-request").routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .bean("modelDeploymentApi", "rollback(${header.edgeId}, ${header.CamelCaravanActor})")
                .to("direct:model-deployment-accepted");

        from("direct:model-deployment-accepted").routeId("model-deployment-accepted")
                .to("direct:model-deployment-start")
                .bean("modelDeploymentApi", "accepted")
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(202))
                .to(JsonResponseRoute.ENDPOINT);

        from("direct:reference-deploy").routeId("reference-deploy").routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .unmarshal().json(JsonNode.class).process(JsonApiRouteBuilder::requireBody)
                .bean("referenceDeployments", "deploy(${body}, ${header.CamelCaravanActor})")
                .to("direct:model-deployment-start")
                .bean("referenceDeployments", "started")
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(202))
                .to(JsonResponseRoute.ENDPOINT);

        // Hands a pending deployment to model-deploy-claim without waiting (a poll takes it up should the claim fail);
        // the body stays the deployment.
        from("direct:model-deployment-start").routeId("model-deployment-start")
                .setHeader("CaravanModelDeploymentId", simple("${body.deploymentId()}"))
                .wireTap("direct:model-deploy-claim")
                .removeHeader("CaravanModelDeploymentId");
    }
}
