package peers;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.http.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.DispatcherServletAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The peer of the device benchmark: what one would write instead of the hub, a plain Spring MVC {@link SseEmitter}
 * service with the reference's two routes, no persistence, no authentication and no other hub. A trigger for a device
 * that is not connected at that moment is lost. Run by {@code bench/devices.sh} as a process of its own; its package
 * is outside {@code caravan} so that the hub's component scan never finds it.
 */
@Configuration
@ImportAutoConfiguration({ServletWebServerFactoryAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
        WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class, JacksonAutoConfiguration.class})
@RestController
public class PlainSseHub {

    private final Map<String, SseEmitter> streams = new ConcurrentHashMap<>();
    private final AtomicLong eventIds = new AtomicLong();
    private final ScheduledExecutorService keepalives = Executors.newSingleThreadScheduledExecutor();

    public PlainSseHub() {
        keepalives.scheduleAtFixedRate(() -> streams.values().forEach(emitter -> send(emitter,
                SseEmitter.event().comment("keepalive"))), 30, 30, TimeUnit.SECONDS);
    }

    public static void main(String[] args) {
        // its own configuration name: the hub's application.yaml is on the same classpath
        new SpringApplicationBuilder(PlainSseHub.class).properties("spring.config.name=plain-sse-hub").run(args);
    }

    @GetMapping(path = "/v1/devices/{deviceId}/commands", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public SseEmitter commands(@PathVariable String deviceId) {
        SseEmitter emitter = new SseEmitter(0L);
        SseEmitter replaced = streams.put(deviceId, emitter);
        if (replaced != null) {
            replaced.complete();
        }
        emitter.onCompletion(() -> streams.remove(deviceId, emitter));
        emitter.onError(error -> streams.remove(deviceId, emitter));
        send(emitter, SseEmitter.event().name("connected").data(Map.of("device_id", deviceId)));
        return emitter;
    }

    @PostMapping(path = "/v1/devices/{deviceId}/trigger", produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> trigger(@PathVariable String deviceId) {
        Map<String, Object> command = new LinkedHashMap<>();
        command.put("command_id", UUID.randomUUID().toString());
        command.put("type", "capture");
        command.put("trigger_id", UUID.randomUUID().toString());
        command.put("params", Map.of());
        command.put("created_at", Instant.now().toString());
        SseEmitter emitter = streams.get(deviceId);
        boolean sent = emitter != null && send(emitter, SseEmitter.event().id(Long.toString(eventIds.incrementAndGet()))
                .name("command").data(command));
        Map<String, Object> answer = new LinkedHashMap<>(command);
        answer.put("device_id", deviceId);
        answer.put("status", sent ? "sent" : "lost");
        return answer;
    }

    private static boolean send(SseEmitter emitter, SseEmitter.SseEventBuilder event) {
        try {
            emitter.send(event);
            return true;
        } catch (IOException | IllegalStateException e) {
            emitter.completeWithError(e);
            return false;
        }
    }
}
