package caravan.mqtt;

import java.time.Duration;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.springframework.context.ApplicationContext;
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
    /** With the web server's drain (20 s) and Camel's shutdown, within the 60 s deploy/k8s gives a pod to stop. */
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final CamelContext camel;
    private final ApplicationContext application;

    public SharedSubscriptionHandOver(CamelContext camel, ApplicationContext application) {
        this.camel = camel;
        this.application = application;
    }

    /** The hub's own context closing, not a child's (whose events reach its parent's listeners too). */
    @EventListener
    public void handOver(ContextClosedEvent closed) throws InterruptedException {
        if (closed.getApplicationContext() != application) {
            return;
        }
        for (Route route : camel.getRoutes()) {
            if (route.getConsumer() instanceof HiveMqttConsumer consumer && consumer.sharesSubscription()) {
                consumer.handOver(QUIET, TIMEOUT);
            }
        }
    }
}
