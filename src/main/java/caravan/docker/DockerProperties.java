package caravan.docker;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Docker engine that builds provider images.
 *
 * @param host engine address: {@code unix:///var/run/docker.sock} or {@code tcp://host:2375}
 */
@ConfigurationProperties("caravan.docker")
public record DockerProperties(@DefaultValue("unix:///var/run/docker.sock") String host) {
}
