package caravan.security;

import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.springboot.PlatformHttpMessage;
import org.springframework.stereotype.Component;

/**
 * Who made the HTTP request behind an exchange, for routes to hand to the beans that record it. Camel's platform-http
 * runs routes on its own thread, where Spring Security's context is gone; the key's name waits on the request.
 * Routes put it in the {@link Actors#HEADER} header.
 */
@Component
public class RequestActor {

    public String of(Exchange exchange) {
        if (exchange.getIn() instanceof PlatformHttpMessage http && http.getRequest() != null
                && http.getRequest().getAttribute(Actors.ATTRIBUTE) instanceof String actor) {
            return actor;
        }
        return "unknown";
    }
}
