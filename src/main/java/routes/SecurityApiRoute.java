package routes;

import org.apache.camel.Exchange;
import org.apache.camel.model.rest.RestBindingMode;
import org.springframework.stereotype.Component;

import caravan.security.ApiKeys.KeyRequest;
import caravan.security.Actors;

/** API keys (made, listed, revoked) and the audit trail: for admins. Logging in is {@code SessionController}. */
@Component
public class SecurityApiRoute extends JsonApiRouteBuilder {

    @Override
    public void configure() {
        rest("/api").bindingMode(RestBindingMode.off)
                .post("/keys").id("rest-key-create").consumes("application/json").produces("application/json")
                    .responseMessage(201, "the key, its secret shown this once").responseMessage(400, "every problem named")
                    .to("direct:key-create")
                .get("/keys").id("rest-key-list").produces("application/json").to("direct:key-list")
                .delete("/keys/{keyId}").id("rest-key-revoke").produces("application/json")
                    .responseMessage(404, "no such key").to("direct:key-revoke")
                .get("/audit").id("rest-audit").produces("application/json")
                    .param().name("actor").description("one actor (a key's name)").endParam()
                    .param().name("action").description("one action, e.g. POST /api/keys").endParam()
                    .param().name("since").description("ISO-8601 time").endParam()
                    .param().name("limit").description("at most 1000; default 100").endParam()
                    .to("direct:audit-list")
                .post("/edges/{edgeId}/credentials").id("rest-edge-credentials-issue").produces("application/json")
                    .responseMessage(201, "the edge's credential, shown this once; any earlier one no longer works")
                    .responseMessage(404, "unknown edge").to("direct:edge-credentials-issue")
                .delete("/edges/{edgeId}/credentials").id("rest-edge-credentials-revoke").produces("application/json")
                    .responseMessage(404, "the edge has no credential").to("direct:edge-credentials-revoke")
                .get("/hub/command-key").id("rest-command-key").produces("application/json")
                    .to("direct:command-key");

        from("direct:key-create").routeId("key-create").routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .unmarshal().json(KeyRequest.class).process(JsonApiRouteBuilder::requireBody)
                .bean("apiKeys", "create(${body}, ${header.CamelCaravanActor})")
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(201))
                .to(JsonResponseRoute.ENDPOINT);
        from("direct:edge-credentials-issue").routeId("edge-credentials-issue")
                .routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .choice()
                    .when(method("deviceRegistration", "streams(${header.edgeId})"))
                        .bean("deviceTokens", "issue(${header.edgeId}, ${header.CamelCaravanActor})")
                    .otherwise()
                        .bean("edgeCredentials", "issue(${header.edgeId}, ${header.CamelCaravanActor})")
                .end()
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(201))
                .to(JsonResponseRoute.ENDPOINT);
        from("direct:edge-credentials-revoke").routeId("edge-credentials-revoke")
                .routeConfigurationId(ApiErrorsConfiguration.ID)
                .choice()
                    .when(method("deviceRegistration", "streams(${header.edgeId})"))
                        .bean("deviceTokens", "revoke(${header.edgeId})")
                        // its open stream ends, on whichever hub holds it
                        .setProperty("CaravanRevoked", body())
                        .setBody(method("hubNotices", "revoked(${header.edgeId})"))
                        .to("direct:device-hubs-notify")
                        .setBody(exchangeProperty("CaravanRevoked"))
                    .otherwise()
                        .bean("edgeCredentials", "revoke(${header.edgeId})")
                .end()
                .to(JsonResponseRoute.ENDPOINT);
        jsonRoute("command-key", "edgeCredentials", "commandKey");
        jsonRoute("key-list", "apiKeys", "list");
        jsonRoute("key-revoke", "apiKeys", "revoke(${header.keyId})");
        jsonRoute("audit-list", "auditLog", "find(${header.actor}, ${header.action}, ${header.since}, ${header.limit})");
    }
}
