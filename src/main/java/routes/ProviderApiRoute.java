package routes;

import org.apache.camel.Exchange;
import org.apache.camel.model.rest.RestBindingMode;
import org.springframework.stereotype.Component;

/**
 * Provider and build queries, and registration of providers that already are images. The multipart build upload
 * is {@link caravan.provider.ProviderUploadController}: Camel's servlet binding keeps one file per part name.
 */
@Component
public class ProviderApiRoute extends JsonApiRouteBuilder {

    @Override
    public void configure() {
        rest("/api/algorithm-providers").bindingMode(RestBindingMode.off)
                .get().id("rest-provider-list").produces("application/json").to("direct:provider-list")
                .post().id("rest-provider-register").consumes("application/json").produces("application/json")
                    .responseMessage(201, "registered").responseMessage(400, "invalid registration")
                    .to("direct:provider-register")
                .get("/{providerId}").id("rest-provider-get").produces("application/json")
                    .responseMessage(404, "no such provider").to("direct:provider-get")
                .get("/conversion/builds/{buildId}").id("rest-provider-build-status").produces("application/json")
                    .responseMessage(404, "no such build").to("direct:provider-build-status")
                .get("/conversion/builds/{buildId}/dockerfile").id("rest-provider-build-dockerfile")
                    .produces("text/plain").responseMessage(404, "no such build or no Dockerfile yet")
                    .to("direct:provider-build-dockerfile");

        jsonRoute("provider-list", "providerApi", "providers");
        jsonRoute("provider-get", "providerApi", "provider(${header.providerId})");
        jsonRoute("provider-build-status", "providerApi", "build(${header.buildId})");

        from("direct:provider-register").routeId("provider-register").routeConfigurationId(ApiErrorsConfiguration.ID)
                .convertBodyTo(String.class)
                .bean("providerApi", "register")
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(201))
                .to(JsonResponseRoute.ENDPOINT);

        from("direct:provider-build-dockerfile").routeId("provider-build-dockerfile")
                .routeConfigurationId(ApiErrorsConfiguration.ID)
                .bean("providerApi", "dockerfile(${header.buildId})")
                .setHeader(Exchange.CONTENT_TYPE, constant("text/plain; charset=utf-8"));

    }
}
