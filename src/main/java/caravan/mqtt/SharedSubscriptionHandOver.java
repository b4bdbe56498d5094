package caravan.mqtt;

import java.time.Duration;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * On a graceful stop, each shared subscription of the hub's hands its share over to the other hubs
 * ({@link HiveMqttConsumer#handOver}) before Camel stops any route: what it took must still be stored and
 * acknowledged then, which Camel's own shutdown, stopping consumers and routes in turn, no longer does. Spring
 * announces the close before it stops anything.
 */
@Component
public class SharedSubscriptionHandOver {

    /** The broker sends what it queued for the session at once: a second with nothing new means it sent it all. */
    private static final Duration QUIET = Duration.ofSeconds(1);
    /** Well within the time Kubernetes gives a pod to stop (60 s in deploy/k8s) and Camel's shutdown timeout. */
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final CamelContext camel;

    public SharedSubscriptionHandOver(CamelContext camel) {
        this.camel = camel;
    }

    @EventListener(ContextClosedEvent.class)
    public void handOver() throws InterruptedException {
        for (Route route : camel.getRoutes()) {
            if (route.getConsumer() instanceof HiveMqttConsumer consumer && consumer.sharesSubscription()) {
                consumer.handOver(QUIET, TIMEOUT);
            }
        }
    }
}
