package caravan.edge;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Edges and deployments.
 *
 * @param offlineAfter   an edge whose agent has not been heard from for this long is offline
 * @param defaultCpus    CPU limit of a deployed provider container
 * @param defaultMemory  memory limit of a deployed provider container (Docker syntax)
 */
@ConfigurationProperties("caravan.edges")
public record EdgeProperties(
        @DefaultValue("60s") Duration offlineAfter,
        @DefaultValue("2.0") double defaultCpus,
        @DefaultValue("2g") String defaultMemory) {
}
