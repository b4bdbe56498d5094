package routes;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.springframework.stereotype.Component;


/**
 * The provider pipeline after intake: accepted submissions queue here and are validated, built, pushed and
 * completed, at most {@code caravan.providers.build-parallelism} at a time. Build state is in the database, so the
 * resume route re-queues whatever a restart interrupted.
 */
@Component
public class ProviderBuildRoute extends RouteBuilder {

    static final String QUEUE = "seda:provider-builds?concurrentConsumers={{caravan.providers.build-parallelism}}"
            + "&size=10000&waitForTaskToComplete=Never";

    @Override
    public void configure() {
        from("direct:provider-upload").routeId("provider-upload")
                .bean("providerIntake", "acceptUpload")
                .to("direct:provider-build-enqueue")
                .bean("providerApi", "accepted");

        from("direct:provider-build-enqueue").routeId("provider-build-enqueue")
                .setBody(simple("${body.buildId()}"))
                .to(QUEUE)
                .setBody(method("buildStore", "get(${body})"));

        from("timer:provider-build-resume?repeatCount=1").routeId("provider-build-resume")
                .bean("buildStore", "requeueUnfinished")
                .split(body())
                    .log("Resuming build ${body} interrupted by a restart")
                    .to(QUEUE)
                .end();

        from(QUEUE).routeId("provider-build").routeConfigurationId(FailureConfiguration.ID)
                .setHeader("buildId", body())
                .bean("buildSteps", "validate")
                .choice()
                    .when(method("buildSteps", "reuseExisting"))
                        .log("Build ${header.buildId}: same inputs as an earlier build, image reused")
                    .otherwise()
                        .bean("buildSteps", "build")
                        .bean("buildSteps", "push")
                .end()
                .bean("buildSteps", "complete");
    }

    /** A failed build step leaves the build failed with the reason, never stuck in an in-between state. */
    @Component
    public static class FailureConfiguration extends RouteConfigurationBuilder {

        static final String ID = "provider-build-failure";

        @Override
        public void configuration() {
            routeConfiguration(ID)
                    .onException(Exception.class).handled(true)
                        .bean("buildSteps", "fail(${header.buildId}, ${exception})");
        }
    }
}
