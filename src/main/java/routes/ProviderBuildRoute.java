package routes;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.springframework.stereotype.Component;

/**
 * The provider pipeline after intake: accepted submissions queue here and are validated, built, pushed and
 * completed, at most {@code caravan.providers.build-parallelism} at a time. Build state is in the database, so the
 * resume route re-queues whatever a restart interrupted
 * of this hub's builds. The queue carries the build id in {@link #BUILD_ID}.
 */
@Component
public class ProviderBuildRoute extends RouteBuilder {

    public static final String BUILD_ID = "CaravanBuildId";
    static final String QUEUE = "seda:provider-builds?concurrentConsumers={{caravan.providers.build-parallelism}}"
            + "&size=10000";

    @Override
    public void configure() {
        from("direct:provider-upload").routeId("provider-upload")
                .bean("providerIntake", "acceptUpload")
                .setHeader(BUILD_ID, simple("${body.buildId()}"))
                .to("direct:provider-build-enqueue")
                .bean("providerApi", "accepted");

        // A wire tap, not a plain send: the caller's unit of work (an inbox file's move, an HTTP answer) must not
        // wait for the build, and a SEDA send would hand its completion over to the build exchange.
        from("direct:provider-build-enqueue").routeId("provider-build-enqueue")
                .wireTap(QUEUE);

        from("timer:provider-build-resume?repeatCount=1").routeId("provider-build-resume")
                .bean("buildSteps", "requeueInterrupted")
                .split(body())
                    .setHeader(BUILD_ID, body())
                    .log("Resuming build ${header." + BUILD_ID + "} interrupted by a restart")
                    .to("direct:provider-build-enqueue")
                .end();

        from(QUEUE).routeId("provider-build").routeConfigurationId(FailureConfiguration.ID)
                .bean("buildSteps", "validate(${header." + BUILD_ID + "})")
                .choice()
                    .when(method("buildSteps", "reuseExisting(${header." + BUILD_ID + "})"))
                        .log("Build ${header." + BUILD_ID + "}: same inputs as an earlier build, image reused")
                    .otherwise()
                        .bean("buildSteps", "build(${header." + BUILD_ID + "})")
                        .bean("buildSteps", "push(${header." + BUILD_ID + "})")
                .end()
                .bean("buildSteps", "complete(${header." + BUILD_ID + "})");
    }

    /** A failed build step leaves the build failed with the reason, never stuck in an in-between state. */
    @Component
    public static class FailureConfiguration extends RouteConfigurationBuilder {

        static final String ID = "provider-build-failure";

        @Override
        public void configuration() {
            routeConfiguration(ID)
                    .onException(Exception.class).handled(true)
                        .bean("buildSteps", "fail(${header." + BUILD_ID + "}, ${exception})");
        }
    }
}
