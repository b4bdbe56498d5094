package caravan.device;

import java.util.List;

import org.springframework.stereotype.Component;

import caravan.api.ConflictException;
import caravan.api.InputRejectedException;
import caravan.api.NotFoundException;
import caravan.device.DeviceCommands.DeviceCommand;

/** {@code POST /v1/devices/{id}/commands/{commandId}/ack}: a device confirms receiving, or finishing, a command. */
@Component
public class CommandAcknowledgements {

    public record Ack(String status, String detail) {
    }

    private static final List<String> STATUSES = List.of("received", "done", "failed");

    private final DeviceCommands commands;

    public CommandAcknowledgements(DeviceCommands commands) {
        this.commands = commands;
    }

    /** The command as it is after the acknowledgement; a repeated one changes nothing and answers the same. */
    public DeviceCommand acknowledge(String deviceId, String commandId, Ack ack) {
        if (ack.status() == null || !STATUSES.contains(ack.status())) {
            throw new InputRejectedException(List.of("status must be one of " + STATUSES + ", not " + ack.status()));
        }
        DeviceCommand command = commands.command(commandId).filter(found -> found.deviceId().equals(deviceId))
                .orElseThrow(() -> new NotFoundException("device " + deviceId + " has no command " + commandId));
        return commands.acknowledge(commandId, ack.status(), ack.detail()).orElseGet(() -> {
            DeviceCommand current = commands.command(commandId).orElse(command);
            if (current.status().equals(statusAfter(ack.status()))) {
                return current;
            }
            throw new ConflictException("command " + commandId + " is already " + current.status()
                    + "; it cannot become " + statusAfter(ack.status()));
        });
    }

    private static String statusAfter(String ack) {
        return "received".equals(ack) ? "acknowledged" : ack;
    }
}
