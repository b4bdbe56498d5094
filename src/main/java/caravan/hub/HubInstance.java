package caravan.hub;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

import org.springframework.stereotype.Component;

/**
 * This hub among the hubs sharing one database and broker: its name and a suffix new with each start, so a restarted
 * hub never takes for its own what its earlier run held (builds, device streams).
 */
@Component
public class HubInstance {

    private final String id;

    public HubInstance(HubProperties properties) {
        String name = properties.name().isBlank() ? hostName() : properties.name();
        this.id = name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public String id() {
        return id;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "hub";
        }
    }
}
