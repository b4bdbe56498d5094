package routes;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/** The end of every REST route that answers JSON: the body as JSON with its content type. */
@Component
public class JsonResponseRoute extends RouteBuilder {

    public static final String ENDPOINT = "direct:json-response";

    @Override
    public void configure() {
        from(ENDPOINT).routeId("json-response")
                .marshal().json()
                .setHeader(Exchange.CONTENT_TYPE, constant("application/json"));
    }
}
