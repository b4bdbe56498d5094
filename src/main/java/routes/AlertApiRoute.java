package routes;

import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.rest.RestBindingMode;
import org.springframework.stereotype.Component;

import caravan.alert.AlertEvaluator;
import caravan.alert.AlertProperties;

/**
 * Alerts from the rules file: stored first (the alerts table is the record), then to MQTT
 * {@code caravan/alerts/{venueId}}, the live page and, when configured, a webhook. A sink that fails is logged and
 * does not keep the alert from the others; the webhook is retried with back-off on its own queue.
 */
@Component
public class AlertRoute extends JsonApiRouteBuilder {

    static final String ALERTS = "seda:alerts?size=10000&discardWhenFull=true";
    static final String WEBHOOK = "seda:alert-webhook?size=10000&discardWhenFull=true";

    private final AlertProperties properties;

    public AlertRoute(AlertProperties properties) {
        this.properties = properties;
    }

    @Override
    public void configure() {
        from("direct:trajectory-alerts").routeId("trajectory-alerts").routeConfigurationId(SinkFailures.ID)
                .streamCache("false") // a list of tracks, per message: nothing to cache
                .setBody(method("alertEvaluator", "evaluateAll"))
                // Most messages raise none: only those that do pay for a split.
                .filter(AlertEvaluator::raisedAny)
                    .split(body())
                        .to(ALERTS)
                    .end()
                .end();

        from("timer:edge-silence?period=1000").routeId("edge-silence").routeConfigurationId(SinkFailures.ID)
                .split(method("edgeSilenceWatch", "check"))
                    .to(ALERTS)
                .end();

        from(ALERTS).routeId("alert-dispatch")
                .bean("alertStore", "insert")
                .multicast()
                    .to("direct:alert-mqtt", "direct:alert-live")
                .end()
                .filter(constant(properties.webhookConfigured()))
                    .to(WEBHOOK)
                .end();

        if (properties.webhookConfigured()) {
            // Its own queue: retries with back-off must not hold up the other sinks.
            from(WEBHOOK).routeId("alert-webhook")
                    .onException(Exception.class)
                        .maximumRedeliveries(properties.webhookRetries())
                        .redeliveryDelay(properties.webhookRetryDelay().toMillis())
                        .backOffMultiplier(2)
                        .retryAttemptedLogLevel(LoggingLevel.WARN)
                        .handled(true)
                        .log(LoggingLevel.ERROR, "caravan.alerts",
                                "Alert ${header.CaravanAlertId} not delivered to the webhook after "
                                        + "{{caravan.alerts.webhook-retries}} retries: ${exception.message}")
                    .end()
                    .setHeader("CaravanAlertId", simple("${body.alertId()}"))
                    .marshal().json()
                    .setHeader(Exchange.HTTP_METHOD, constant("POST"))
                    .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                    .to(properties.webhookUrl());
        }

        from("direct:alert-mqtt").routeId("alert-mqtt").routeConfigurationId(SinkFailures.ID)
                .setHeader("CaravanVenueId", simple("${body.venueId()}"))
                .marshal().json()
                .toD("paho-mqtt5:caravan/alerts/${header.CaravanVenueId}?brokerUrl={{caravan.mqtt.url}}&qos=1");

        from("direct:alert-live").routeId("alert-live").routeConfigurationId(SinkFailures.ID)
                .bean("liveTracks", "publishAlert");

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

    /**
     * A sink that cannot take an alert, or a rule that cannot be checked: logged; the track itself is not rejected,
     * and an alert that was stored stays in the alerts table.
     */
    @Component
    public static class SinkFailures extends RouteConfigurationBuilder {

        static final String ID = "alert-sink-failures";

        @Override
        public void configuration() {
            routeConfiguration(ID)
                    .onException(Exception.class).handled(true)
                        .log(LoggingLevel.WARN, "caravan.alerts",
                                "Alert not delivered to ${routeId}: ${exception.message}");
        }
    }
}
