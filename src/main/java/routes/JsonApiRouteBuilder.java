package routes;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

import caravan.api.InputRejectedException;

/** Route builders of REST APIs: most endpoints are one bean call whose result is answered as JSON. */
abstract class JsonApiRouteBuilder extends RouteBuilder {

    /**
     * {@code direct:<routeId>}: calls {@code bean.method} (Camel bean binding, e.g. {@code "get(${header.id})"}),
     * answers the result as JSON, and failures as {@link ApiErrorsConfiguration} does.
     */
    protected void jsonRoute(String routeId, String bean, String method) {
        from("direct:" + routeId).routeId(routeId).routeConfigurationId(ApiErrorsConfiguration.ID)
                .bean(bean, method)
                .to(JsonResponseRoute.ENDPOINT);
    }

    /** As {@link #jsonRoute(String, String, String)}, with the request body bound to {@code body} (a record) first. */
    protected void jsonRoute(String routeId, Class<?> body, String bean, String method) {
        from("direct:" + routeId).routeId(routeId).routeConfigurationId(ApiErrorsConfiguration.ID)
                .unmarshal().json(body).process(JsonApiRouteBuilder::requireBody)
                .bean(bean, method)
                .to(JsonResponseRoute.ENDPOINT);
    }

    /** After binding: a body of JSON {@code null} binds to nothing, and is as invalid as no body. */
    static void requireBody(Exchange exchange) {
        if (exchange.getMessage().getBody() == null) {
            throw new InputRejectedException(List.of("body must be a JSON object"));
        }
    }
}
