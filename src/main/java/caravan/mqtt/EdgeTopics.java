package caravan.mqtt;

import java.util.List;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * What an edge may do on the broker, whichever broker enforces it: publish its trajectories and its events, and
 * subscribe to its commands and to its own trajectories (the agent's health gate watches them).
 */
@Component
public class EdgeTopics {

    private final String trajectoryPrefix;

    /**
     * @param trajectoryTopic the filter the intake subscribes to (by its property: the trajectory package depends on
     *                        this one, not the other way round)
     */
    public EdgeTopics(@Value("${caravan.trajectories.topic}") String trajectoryTopic) {
        this.trajectoryPrefix = trajectoryTopic.endsWith("#")
                ? trajectoryTopic.substring(0, trajectoryTopic.length() - 1) : trajectoryTopic + "/";
    }

    public List<String> publishable(String edgeId) {
        return List.of(trajectories(edgeId), "caravan/edges/" + edgeId + "/events");
    }

    public List<String> subscribable(String edgeId) {
        return List.of(commands(edgeId), trajectories(edgeId));
    }

    public String trajectories(String edgeId) {
        return trajectoryPrefix + edgeId;
    }

    public static String commands(String edgeId) {
        return "caravan/edges/" + edgeId + "/commands";
    }
}
