package caravan.device;

import java.util.List;
import java.util.Map;

import org.apache.camel.ProducerTemplate;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import caravan.api.InputRejectedException;

/**
 * {@code GET /v1/devices/{deviceId}/commands}: the device's command stream (the device's own token; see
 * SecurityConfiguration). Spring MVC serves it because a Camel route answers once, and a stream stays open.
 */
@RestController
public class DeviceStreamController {

    private final CommandStreams streams;
    private final ProducerTemplate producer;

    public DeviceStreamController(CommandStreams streams, ProducerTemplate producer) {
        this.streams = streams;
        this.producer = producer;
    }

    @GetMapping(path = "/v1/devices/{deviceId}/commands", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public SseEmitter commands(@PathVariable String deviceId,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        CommandStreams.OpenedStream opened = streams.open(deviceId, lastEventId(lastEventId));
        // a stream of this device held by another hub ends there
        producer.sendBody("direct:device-hubs-notify", Map.of("type", "connected", "deviceId", deviceId,
                "streamId", opened.streamId()));
        return opened.emitter();
    }

    private static long lastEventId(String header) {
        if (header == null || header.isBlank()) {
            return 0;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            throw new InputRejectedException(List.of("Last-Event-ID must be the id of an event this stream sent (a "
                    + "number), not " + header));
        }
    }
}
