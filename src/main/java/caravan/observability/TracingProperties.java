package caravan.observability;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Which routes are spans of the traces.
 *
 * @param untracedEndpoints endpoint patterns (comma-separated, {@code *} wildcards) whose exchanges make no spans:
 *                          the trajectory flow, thousands of messages a second, where a span each would cost more
 *                          than it tells, and the timers' ticks
 */
@ConfigurationProperties("caravan.tracing")
public record TracingProperties(String untracedEndpoints) {
}
