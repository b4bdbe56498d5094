package routes;

import org.apache.camel.builder.RouteBuilder;

/** Route builders of REST APIs: most endpoints are one bean call whose result is answered as JSON. */
abstract class JsonApiRouteBuilder extends RouteBuilder {

    /**
     * {@code direct:<routeId>}: calls {@code bean.method} (Camel bean binding, e.g. {@code "get(${header.id})"})
     * with the request body as text, answers the result as JSON, and failures as {@link ApiErrorsConfiguration} does.
     */
    protected void jsonRoute(String routeId, String bean, String method) {
        from("direct:" + routeId).routeId(routeId).routeConfigurationId(ApiErrorsConfiguration.ID)
                .convertBodyTo(String.class)
                .bean(bean, method)
                .to(JsonResponseRoute.ENDPOINT);
    }
}
