package routes;

import org.apache.camel.model.rest.RestBindingMode;
import org.springframework.stereotype.Component;

/** Replay of stored tracks and the rejected-message report. */
@Component
public class TrajectoryApiRoute extends JsonApiRouteBuilder {

    @Override
    public void configure() {
        rest("/api").bindingMode(RestBindingMode.off)
                .get("/venues/{venueId}/tracks").id("rest-venue-tracks").produces("application/json")
                    .param().name("from").description("epoch ms or ISO-8601, inclusive; default: 1 hour ago").endParam()
                    .param().name("to").description("epoch ms or ISO-8601, exclusive; default: now").endParam()
                    .param().name("edgeId").description("only this edge").endParam()
                    .param().name("limit").description("page size, at most 5000; default 1000").endParam()
                    .param().name("offset").description("from the page's nextOffset").endParam()
                    .responseMessage(400, "unreadable time or number")
                    .to("direct:venue-tracks")
                .get("/trajectories/rejected").id("rest-trajectories-rejected").produces("application/json")
                    .to("direct:trajectories-rejected");

        jsonRoute("venue-tracks", "trajectoryApi",
                "page(${header.venueId}, ${header.from}, ${header.to}, ${header.edgeId}, ${header.limit}, ${header.offset})");
        jsonRoute("trajectories-rejected", "trajectoryRejections", "report");

    }
}
