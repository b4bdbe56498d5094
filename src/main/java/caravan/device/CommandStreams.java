package caravan.device;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import caravan.device.DeviceCommands.DeviceCommand;
import caravan.hub.HubInstance;

/**
 * The CommandHub: the command streams this hub holds, one per device, on Spring MVC's {@link SseEmitter} (an open
 * stream holds a connection, not a thread). Commands reach a stream from the database only, in order, so a trigger,
 * a reconnect and the periodic sweep cannot send one twice or out of order. Written by hand: no library keeps SSE
 * streams keyed by device with replay from a store.
 */
@Component
public class CommandStreams {

    private static final Logger LOG = LoggerFactory.getLogger(CommandStreams.class);

    /** One device's open stream and the last command written to it. */
    private static final class DeviceStream {
        final String deviceId;
        final String streamId = UUID.randomUUID().toString();
        final SseEmitter emitter = new SseEmitter(0L); // never times out: keepalives and the device decide
        long lastSentSeq;
        volatile boolean closed;

        DeviceStream(String deviceId, long lastSentSeq) {
            this.deviceId = deviceId;
            this.lastSentSeq = lastSentSeq;
        }
    }

    /** A stream just opened: what the controller answers with, and its id for the other hubs. */
    public record OpenedStream(SseEmitter emitter, String streamId) {
    }

    private final Map<String, DeviceStream> streams = new ConcurrentHashMap<>();
    private final DeviceCommands commands;
    private final DeviceConnections connections;
    private final DeviceMetrics metrics;
    private final DeviceProperties properties;
    private final String hubId;

    public CommandStreams(DeviceCommands commands, DeviceConnections connections, DeviceMetrics metrics,
            DeviceProperties properties, HubInstance hub) {
        this.commands = commands;
        this.connections = connections;
        this.metrics = metrics;
        this.properties = properties;
        this.hubId = hub.id();
        metrics.localStreams(streams::size);
    }

    /** This hub, as device_streams names it. */
    public String hubId() {
        return hubId;
    }

    /**
     * Opens the device's stream: it replaces the device's earlier one, hears how often to reconnect, and receives at
     * once every pending command after {@code lastEventId} (the last event it received; 0 for all of them).
     */
    public OpenedStream open(String deviceId, long lastEventId) {
        DeviceStream stream = new DeviceStream(deviceId, lastEventId);
        DeviceStream replaced = streams.put(deviceId, stream);
        if (replaced != null) {
            close(replaced, "replaced by a newer stream of the same device");
        }
        stream.emitter.onCompletion(() -> ended(stream));
        stream.emitter.onError(error -> ended(stream));
        stream.emitter.onTimeout(() -> ended(stream));
        connections.opened(deviceId, stream.streamId, hubId);
        synchronized (stream) {
            try {
                stream.emitter.send(SseEmitter.event().name("connected").reconnectTime(properties.retry().toMillis())
                        .data(Map.of("device_id", deviceId, "stream_id", stream.streamId,
                                "keepalive_seconds", properties.keepalive().toSeconds())));
            } catch (IOException e) {
                close(stream, "the device went away while connecting");
                return new OpenedStream(stream.emitter, stream.streamId);
            }
        }
        deliver(stream);
        return new OpenedStream(stream.emitter, stream.streamId);
    }

    /** Whether this hub holds the device's stream. */
    public boolean holds(String deviceId) {
        return streams.containsKey(deviceId);
    }

    /** Sends the device's pending commands if this hub holds its stream; returns whether it does. */
    public boolean deliver(String deviceId) {
        DeviceStream stream = streams.get(deviceId);
        if (stream == null) {
            return false;
        }
        deliver(stream);
        return true;
    }

    /** Another hub now holds the device's stream {@code streamId}: one held here is an older one, and ends. */
    public void replacedElsewhere(String deviceId, String streamId) {
        DeviceStream stream = streams.get(deviceId);
        if (stream != null && !stream.streamId.equals(streamId)) {
            close(stream, "the device connected to another hub");
        }
    }

    /** The device's token was revoked: a stream of it held here ends, and it cannot open another. */
    public void revoked(String deviceId) {
        DeviceStream stream = streams.get(deviceId);
        if (stream != null) {
            close(stream, "its token was revoked");
        }
    }

    /**
     * Queued commands of the streams held here that no notice brought (one query, whatever the number of streams;
     * commands already sent on a stream are its own business).
     */
    public void deliverQueued() {
        commands.devicesWithQueued().stream().map(streams::get).filter(Objects::nonNull)
                .forEach(this::deliver);
    }

    /** Streams whose hub stopped refreshing them (killed) are closed: their devices are offline until they are back. */
    public int dropStaleStreams() {
        return connections.dropStale(DeviceCommands.now().minus(properties.staleAfter()));
    }

    /** A comment down every stream, so devices and proxies see a live connection; refreshes who holds what. */
    public void keepalive() {
        for (DeviceStream stream : List.copyOf(streams.values())) {
            synchronized (stream) {
                if (stream.closed) {
                    continue;
                }
                try {
                    stream.emitter.send(SseEmitter.event().comment("keepalive"));
                } catch (IOException | IllegalStateException e) {
                    close(stream, "keepalive failed: " + e.getMessage());
                }
            }
        }
        connections.refreshed(List.copyOf(streams.keySet()), hubId);
    }

    /** Ends every stream, so the devices reconnect to another hub at once (a hub stopping). */
    public void closeAll() {
        List.copyOf(streams.values()).forEach(stream -> close(stream, "the hub is stopping"));
    }

    @EventListener(ContextClosedEvent.class)
    void hubStopping() {
        closeAll();
    }

    private void deliver(DeviceStream stream) {
        synchronized (stream) {
            if (stream.closed) {
                return;
            }
            for (DeviceCommand command : commands.pendingAfter(stream.deviceId, stream.lastSentSeq)) {
                try {
                    stream.emitter.send(SseEmitter.event().id(Long.toString(command.seq())).name("command")
                            .data(command.event()));
                } catch (IOException | IllegalStateException e) {
                    close(stream, "sending command " + command.commandId() + " failed: " + e.getMessage());
                    return;
                }
                stream.lastSentSeq = command.seq();
                if ("queued".equals(command.status())) {
                    commands.markSent(command.seq());
                    if (command.triggerId() != null) {
                        metrics.triggerToCommand(command.createdAt());
                    }
                }
            }
        }
    }

    private void close(DeviceStream stream, String why) {
        synchronized (stream) {
            if (stream.closed) {
                return;
            }
            stream.closed = true;
        }
        LOG.info("Stream of device {} closed: {}", stream.deviceId, why);
        try {
            stream.emitter.complete();
        } catch (IllegalStateException alreadyOver) {
            // the connection ended first; onCompletion has run or will
        }
        ended(stream);
    }

    /** However the stream ended: it is no longer this hub's, and the device is offline unless it is back already. */
    private void ended(DeviceStream stream) {
        stream.closed = true;
        if (streams.remove(stream.deviceId, stream)) {
            connections.closed(stream.deviceId, stream.streamId);
        }
    }

}
