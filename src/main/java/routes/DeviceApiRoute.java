package routes;

import org.apache.camel.Exchange;
import org.apache.camel.model.rest.RestBindingMode;
import org.springframework.stereotype.Component;

import caravan.device.CommandAcknowledgements.Ack;
import caravan.device.DeviceTriggers.BulkTriggerRequest;
import caravan.device.TriggerSchedules.ScheduleRequest;
import caravan.security.Actors;

/**
 * The command channel's REST side: the reference's trigger and acknowledgement, triggers of many devices, captures,
 * the devices' status and the trigger schedules. The stream and the capture upload are Spring MVC
 * ({@link caravan.device.DeviceStreamController}, {@link caravan.device.CaptureController}).
 */
@Component
public class DeviceApiRoute extends JsonApiRouteBuilder {

    @Override
    public void configure() {
        rest("/v1/devices").bindingMode(RestBindingMode.off)
                .post("/{deviceId}/trigger").id("rest-device-trigger").produces("application/json")
                    .responseMessage(202, "the capture command is stored: sent when the device is connected, else "
                            + "queued until it connects or expires")
                    .responseMessage(404, "no such device").to("direct:device-trigger")
                .post("/{deviceId}/commands/{commandId}/ack").id("rest-device-command-ack")
                    .consumes("application/json").produces("application/json")
                    .responseMessage(404, "not a command of this device")
                    .responseMessage(409, "the command is already over").to("direct:device-command-ack");

        rest("/api").bindingMode(RestBindingMode.off)
                .post("/devices/trigger").id("rest-devices-trigger").consumes("application/json")
                    .produces("application/json").responseMessage(202, "a capture command per device")
                    .responseMessage(400, "every problem named").to("direct:devices-trigger")
                .get("/devices/status").id("rest-device-statuses").produces("application/json")
                    .to("direct:device-statuses")
                .get("/devices/{deviceId}/status").id("rest-device-status").produces("application/json")
                    .to("direct:device-status")
                .get("/devices/{deviceId}/commands/{commandId}").id("rest-device-command").produces("application/json")
                    .to("direct:device-command")
                .get("/captures").id("rest-captures").produces("application/json").to("direct:captures")
                .get("/captures/{captureId}").id("rest-capture").produces("application/json").to("direct:capture")
                .get("/captures/{captureId}/image").id("rest-capture-image").to("direct:capture-image")
                .post("/trigger-schedules").id("rest-trigger-schedule-create").consumes("application/json")
                    .produces("application/json").responseMessage(201, "scheduled")
                    .responseMessage(400, "every problem named").to("direct:trigger-schedule-create")
                .get("/trigger-schedules").id("rest-trigger-schedules").produces("application/json")
                    .to("direct:trigger-schedule-list")
                .get("/trigger-schedules/{scheduleId}").id("rest-trigger-schedule").produces("application/json")
                    .to("direct:trigger-schedule-get")
                .put("/trigger-schedules/{scheduleId}").id("rest-trigger-schedule-change").consumes("application/json")
                    .produces("application/json").to("direct:trigger-schedule-change")
                .delete("/trigger-schedules/{scheduleId}").id("rest-trigger-schedule-delete")
                    .produces("application/json").to("direct:trigger-schedule-delete");

        from("direct:device-trigger").routeId("device-trigger").routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .bean("deviceTriggers", "trigger(${header.deviceId}, null, 'manual', ${header.CamelCaravanActor})")
                .to("direct:device-command-send")
                .bean("deviceTriggers", "accepted(${body})")
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(202))
                .to(JsonResponseRoute.ENDPOINT);

        from("direct:devices-trigger").routeId("devices-trigger").routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .unmarshal().json(BulkTriggerRequest.class).process(JsonApiRouteBuilder::requireBody)
                .bean("deviceTriggers", "triggerMany(${body}, 'bulk', ${header.CamelCaravanActor})")
                .split(body()).to("direct:device-command-send").end()
                .bean("deviceTriggers", "acceptedMany(${body})")
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(202))
                .to(JsonResponseRoute.ENDPOINT);

        jsonRoute("device-command-ack", Ack.class, "commandAcknowledgements",
                "acknowledge(${header.deviceId}, ${header.commandId}, ${body})");
        jsonRoute("device-statuses", "deviceStatus", "statuses");
        jsonRoute("device-status", "deviceStatus", "status(${header.deviceId})");
        jsonRoute("device-command", "deviceTriggers", "command(${header.deviceId}, ${header.commandId})");
        jsonRoute("captures", "deviceCaptures",
                "captures(${header.deviceId}, ${header.from}, ${header.to}, ${header.limit})");
        jsonRoute("capture", "deviceCaptures", "capture(${header.captureId})");

        from("direct:capture-image").routeId("capture-image").routeConfigurationId(ApiErrorsConfiguration.ID)
                .bean("deviceCaptures", "image(${header.captureId})")
                .setHeader(Exchange.CONTENT_TYPE, simple("${body.contentType}"))
                .setBody(simple("${body.file}"));

        from("direct:trigger-schedule-create").routeId("trigger-schedule-create")
                .routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .unmarshal().json(ScheduleRequest.class).process(JsonApiRouteBuilder::requireBody)
                .bean("triggerSchedules", "create(${body}, ${header.CamelCaravanActor})")
                .to("direct:trigger-schedules-changed")
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(201))
                .to(JsonResponseRoute.ENDPOINT);
        jsonRoute("trigger-schedule-list", "triggerSchedules", "schedules");
        jsonRoute("trigger-schedule-get", "triggerSchedules", "schedule(${header.scheduleId})");

        from("direct:trigger-schedule-change").routeId("trigger-schedule-change")
                .routeConfigurationId(ApiErrorsConfiguration.ID)
                .setProperty("CaravanPreviousSchedule", method("triggerSchedules", "schedule(${header.scheduleId})"))
                .unmarshal().json(ScheduleRequest.class).process(JsonApiRouteBuilder::requireBody)
                .bean("triggerSchedules", "change(${header.scheduleId}, ${body})")
                .to("direct:trigger-schedule-retire");

        from("direct:trigger-schedule-delete").routeId("trigger-schedule-delete")
                .routeConfigurationId(ApiErrorsConfiguration.ID)
                .bean("triggerSchedules", "delete(${header.scheduleId})")
                .setProperty("CaravanPreviousSchedule", body())
                .to("direct:trigger-schedule-retire");

        from("direct:trigger-schedule-retire").routeId("trigger-schedule-retire")
                .bean("triggerScheduleRoutes", "retire(${exchangeProperty.CaravanPreviousSchedule})")
                .to("direct:trigger-schedules-changed")
                .to(JsonResponseRoute.ENDPOINT);
    }
}
