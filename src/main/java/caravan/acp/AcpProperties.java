package caravan.acp;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Agent Communication Protocol under {@code /acp}.
 *
 * @param deployTimeout how long a deploy run follows its workload before it fails (the deploy goes on)
 */
@ConfigurationProperties("caravan.acp")
public record AcpProperties(@DefaultValue("10m") Duration deployTimeout) {
}
