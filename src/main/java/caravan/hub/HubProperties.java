package caravan.hub;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * This hub among several.
 *
 * @param name what its id starts with (the id adds a suffix new with each start); empty: the host's name, which is
 *             the pod's under Kubernetes
 */
@ConfigurationProperties("caravan.hub")
public record HubProperties(@DefaultValue("") String name) {
}
