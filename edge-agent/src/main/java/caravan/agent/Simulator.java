package caravan.agent;

import java.util.LinkedHashMap;
import java.util.Map;

import caravan.deploy.AgentSettings;

/**
 * Synthetic trajectories in the reference's message format, for demos and tests before a provider is deployed:
 * a few people walking circles around the middle of a 60 m by 40 m hall.
 */
public class Simulator {

    private static final int PEOPLE = 3;

    private final AgentSettings settings;
    private long tick;

    public Simulator(AgentSettings settings) {
        this.settings = settings;
    }

    public synchronized Map<String, Object> next() {
        long now = System.currentTimeMillis();
        int person = (int) (tick % PEOPLE);
        double angle = (tick++ / PEOPLE) * 0.1 + person * 2 * Math.PI / PEOPLE;
        double radius = 5 + 3 * person;
        double speed = 0.1 * radius;
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", "sim-" + settings.edgeId() + "-" + person);
        message.put("deviceId", settings.edgeId());
        message.put("venueId", settings.simulatorVenueId());
        message.put("timestamp", now);
        message.put("position", Map.of("x", 30 + radius * Math.cos(angle), "y", 0, "z", 20 + radius * Math.sin(angle)));
        message.put("velocity", Map.of("x", -speed * Math.sin(angle), "y", 0, "z", speed * Math.cos(angle)));
        message.put("objectType", "person");
        message.put("confidence", 0.9);
        message.put("simulated", true);
        return message;
    }
}
