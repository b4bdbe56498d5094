package caravan.device;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.springframework.stereotype.Component;

/**
 * The command channel in Prometheus: streams held by this hub, devices connected to any hub and commands by status
 * (both counted by the expiry sweep, never on a scrape: a scrape must answer while PostgreSQL is down), and the
 * latencies from a trigger to its command event and to its capture.
 */
@Component
public class DeviceMetrics {

    private static final List<String> STATUSES = List.of("queued", "sent", "acknowledged", "done", "failed", "expired");

    private final MeterRegistry registry;
    private final DeviceCommands commands;
    private final DeviceConnections connections;
    private final AtomicLong connectedDevices = new AtomicLong();
    private final Timer triggerToCommand;
    private final Timer triggerToCapture;
    private final MultiGauge commandsByStatus;

    public DeviceMetrics(MeterRegistry registry, DeviceCommands commands, DeviceConnections connections) {
        this.registry = registry;
        this.commands = commands;
        this.connections = connections;
        Gauge.builder("caravan.devices.connected", connectedDevices::get)
                .description("devices with a stream open to any hub").register(registry);
        this.triggerToCommand = Timer.builder("caravan.devices.trigger.command")
                .description("from a trigger to its command written to the device's stream")
                .publishPercentileHistogram().register(registry);
        this.triggerToCapture = Timer.builder("caravan.devices.trigger.capture")
                .description("from a trigger to its capture received by the hub")
                .publishPercentileHistogram().register(registry);
        this.commandsByStatus = MultiGauge.builder("caravan.devices.commands")
                .description("device commands by status").register(registry);
    }

    void localStreams(Supplier<Number> count) {
        Gauge.builder("caravan.devices.streams", count).description("command streams held by this hub")
                .register(registry);
    }

    void triggerToCommand(OffsetDateTime triggeredAt) {
        triggerToCommand.record(Duration.between(triggeredAt, DeviceCommands.now()));
    }

    void triggerToCapture(Duration latency) {
        triggerToCapture.record(latency);
    }

    /** Counts connected devices and commands by status again (the expiry sweep calls it, as fresh as its period). */
    public void refreshCounts() {
        connectedDevices.set(connections.connectedCount());
        Map<String, Long> counts = commands.countsByStatus();
        commandsByStatus.register(STATUSES.stream()
                .map(status -> MultiGauge.Row.of(Tags.of("status", status), counts.getOrDefault(status, 0L)))
                .toList(), true);
    }
}
