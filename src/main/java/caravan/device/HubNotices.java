package caravan.device;

import java.util.Map;

import org.springframework.stereotype.Component;

/** What hubs tell each other on {@code caravan.devices.notify-topic} (read by the device-hubs-notices route). */
@Component
public class HubNotices {

    /** A command is stored for the device: whichever hub holds its stream sends it. */
    public Map<String, String> command(String deviceId) {
        return Map.of("type", "command", "deviceId", deviceId);
    }

    /** The device's token was revoked: its stream ends, wherever it is held. */
    public Map<String, String> revoked(String deviceId) {
        return Map.of("type", "revoked", "deviceId", deviceId);
    }

    /** Schedules changed: every hub brings its schedule routes in step. */
    public Map<String, String> schedulesChanged() {
        return Map.of("type", "schedules");
    }
}
