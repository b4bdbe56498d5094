package caravan.device;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.springframework.stereotype.Component;

import caravan.api.ConflictException;
import caravan.api.NotFoundException;
import caravan.api.Problems;
import caravan.device.DeviceCommands.DeviceCommand;
import caravan.edge.EdgeRegistry;
import caravan.edge.EdgeRegistry.Edge;
import caravan.edge.EdgeSelection;

/** Capture triggers: a capture command per device, stored queued, then sent by the hub holding its stream. */
@Component
public class DeviceTriggers {

    public static final String SSE = "sse";

    /** {@code POST /api/devices/trigger}: {@code deviceIds} or {@code selector}, and the capture's optional params. */
    public record BulkTriggerRequest(List<String> deviceIds, Map<String, String> selector, JsonNode params) {
    }

    /** What a trigger answers: as the reference's endpoint does, in its field names. */
    public record TriggerAccepted(@JsonProperty("device_id") String deviceId, @JsonProperty("trigger_id") String triggerId,
            @JsonProperty("command_id") String commandId, String status) {
    }

    public record BulkTriggered(List<TriggerAccepted> triggers) {
    }

    private final DeviceCommands commands;
    private final EdgeRegistry registry;
    private final DeviceProperties properties;

    public DeviceTriggers(DeviceCommands commands, EdgeRegistry registry, DeviceProperties properties) {
        this.commands = commands;
        this.registry = registry;
        this.properties = properties;
    }

    /** A capture command for one device, queued; 404 naming the device when there is none. */
    public DeviceCommand trigger(String deviceId, JsonNode params, String source, String actor) {
        Edge edge = registry.edge(deviceId).orElseThrow(() -> new NotFoundException("no device " + deviceId));
        if (!SSE.equals(edge.transport())) {
            throw new ConflictException("edge " + deviceId + " does not stream commands (transport " + edge.transport()
                    + ", not sse)");
        }
        return capture(deviceId, params, source, actor);
    }

    /** Capture commands for every device the request selects; every problem is named before any is queued. */
    public List<DeviceCommand> triggerMany(BulkTriggerRequest request, String source, String actor) {
        Problems problems = new Problems();
        List<Edge> devices = selectDevices(registry, request.deviceIds(), request.selector(), problems);
        problems.rejectIfAny();
        return devices.stream().map(device -> capture(device.edgeId(), request.params(), source, actor)).toList();
    }

    /** The devices named by ids or selected by labels; only streaming devices qualify. */
    static List<Edge> selectDevices(EdgeRegistry registry, List<String> ids, Map<String, String> selector,
            Problems problems) {
        return EdgeSelection.select(registry, ids, selector, "deviceIds", edge -> SSE.equals(edge.transport()),
                "streaming device", problems);
    }

    /** A device's command as operators see it, with its times and detail. */
    public DeviceCommand command(String deviceId, String commandId) {
        return commands.command(commandId).filter(command -> command.deviceId().equals(deviceId))
                .orElseThrow(() -> new NotFoundException("device " + deviceId + " has no command " + commandId));
    }

    /** The trigger as it stands once its command went the way of the device's stream. */
    public TriggerAccepted accepted(DeviceCommand command) {
        String status = commands.command(command.commandId()).map(DeviceCommand::status).orElse(command.status());
        return new TriggerAccepted(command.deviceId(), command.triggerId(), command.commandId(), status);
    }

    public BulkTriggered acceptedMany(List<DeviceCommand> triggered) {
        return new BulkTriggered(triggered.stream().map(this::accepted).toList());
    }

    private DeviceCommand capture(String deviceId, JsonNode params, String source, String actor) {
        JsonNode captureParams = params == null || params.isNull() ? JsonNodeFactory.instance.objectNode() : params;
        return commands.create(deviceId, DeviceCommands.CAPTURE, captureParams, source, actor,
                DeviceCommands.now().plus(properties.commandTtl()));
    }
}
