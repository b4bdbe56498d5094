package caravan.docker;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Docker engine that builds provider images.
 *
 * @param host        engine address: {@code unix:///var/run/docker.sock} or {@code tcp://host:2375}
 * @param stepTimeout longest an image build or push may take before it fails (a stuck engine must not hold the queue)
 */
@ConfigurationProperties("caravan.docker")
public record DockerProperties(
        @DefaultValue("unix:///var/run/docker.sock") String host,
        @DefaultValue("30m") Duration stepTimeout) {
}
