package caravan.deploy;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The agent's configuration, read from {@code caravan.agent.*} properties (environment {@code CARAVAN_AGENT_*}).
 *
 * @param edgeId        this edge's id: the topics it listens and reports on
 * @param dockerHost    the local Docker engine
 * @param stateDir      applied command ids and the current and previous deployment; the provider's config file
 *                      is in {@code config/} below it (when the agent runs in a container, mount this directory
 *                      at the same path so the provider container can mount the config from the host)
 * @param diskPath      where free disk is checked before a pull; empty means the engine's data root
 * @param minFreeDisk   bytes that must stay free on top of the image being pulled
 * @param containerName the provider container
 * @param stepTimeout   longest a pull may take
 * @param simulatorVenueId the venue id the simulator puts in its messages
 * @param mqttLogin     the edge's account on the broker, for the health gate and the provider; null for a broker
 *                      that takes anyone
 * @param brokerCa      the CA the broker's certificate must be signed by, for an {@code mqtts://} or {@code ssl://}
 *                      broker; null for the JVM's public roots
 */
public record AgentSettings(String edgeId, String dockerHost, Path stateDir, String diskPath, long minFreeDisk,
        String containerName, Duration stepTimeout, String simulatorVenueId, MqttLogin mqttLogin, Path brokerCa) {

    public Path configDir() {
        return stateDir.resolve("config");
    }
}
