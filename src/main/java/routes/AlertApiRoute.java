package routes;

import org.apache.camel.model.rest.RestBindingMode;
import org.springframework.stereotype.Component;

/** The alerts table and the rules in force. The alert flows themselves are {@code routes/alerts.camel.yaml}. */
@Component
public class AlertApiRoute extends JsonApiRouteBuilder {

    @Override
    public void configure() {
        rest("/api/alerts").bindingMode(RestBindingMode.off)
                .get().id("rest-alerts").produces("application/json")
                    .param().name("venueId").description("one venue; all when absent").endParam()
                    .param().name("unacknowledged").description("true: only those not acknowledged").endParam()
                    .param().name("limit").description("at most 1000; default 100").endParam()
                    .to("direct:alerts-list")
                .post("/{alertId}/acknowledge").id("rest-alert-acknowledge").produces("application/json")
                    .responseMessage(404, "no such alert").to("direct:alert-acknowledge")
                .get("/rules").id("rest-alert-rules").produces("application/json").to("direct:alert-rules");

        jsonRoute("alerts-list", "alertApi", "list(${header.venueId}, ${header.unacknowledged}, ${header.limit})");
        jsonRoute("alert-acknowledge", "alertStore", "acknowledge(${header.alertId})");
        jsonRoute("alert-rules", "alertRules", "current");
    }
}
