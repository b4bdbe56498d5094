package caravan.observability;

import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import org.apache.camel.CamelContext;
import org.apache.camel.observation.MicrometerObservationTracer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Routes as spans of the trace that set them off (an HTTP request's, a timer's), through Camel's Micrometer
 * observation, exported with the requests' spans; nothing where tracing is off. By hand because
 * camel-observation-starter stands down whenever Spring Boot's own observation auto-configuration is present, which
 * the hub's metrics need. Set up while the context is refreshed, before Camel starts the routes it instruments.
 */
@Component
class RouteTracing {

    RouteTracing(CamelContext camel, ObjectProvider<Tracer> tracer, ObjectProvider<ObservationRegistry> observations,
            TracingProperties properties) {
        tracer.ifAvailable(spans -> observations.ifAvailable(registry -> {
            MicrometerObservationTracer routeTracer = new MicrometerObservationTracer();
            routeTracer.setTracer(spans);
            routeTracer.setObservationRegistry(registry);
            routeTracer.setExcludePatterns(properties.untracedEndpoints());
            routeTracer.init(camel);
        }));
    }
}
