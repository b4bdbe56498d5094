package routes;

import org.apache.camel.Exchange;
import org.apache.camel.model.rest.RestBindingMode;
import org.springframework.stereotype.Component;

import caravan.security.Actors;
import caravan.workload.Workload;

/** Workloads' REST API: a deploy is accepted (202) and carried out by the {@code workload-deploy} route. */
@Component
public class WorkloadApiRoute extends JsonApiRouteBuilder {

    @Override
    public void configure() {
        rest("/api/workloads").bindingMode(RestBindingMode.off)
                .post().id("rest-workload-create").consumes("application/json").produces("application/json")
                    .responseMessage(202, "stored and being deployed: follow its status")
                    .responseMessage(400, "every problem named").responseMessage(409, "the name is taken there")
                    .to("direct:workload-create")
                .get().id("rest-workloads").produces("application/json").to("direct:workload-list")
                .get("/{workloadId}").id("rest-workload").produces("application/json").to("direct:workload-get")
                .post("/{workloadId}/{action}").id("rest-workload-control").produces("application/json")
                    .description("stop, start or restart").responseMessage(502, "the target refused or is unreachable")
                    .to("direct:workload-control")
                .delete("/{workloadId}").id("rest-workload-delete").produces("application/json")
                    .to("direct:workload-delete")
                .get("/{workloadId}/logs").id("rest-workload-logs").produces("application/json")
                    .to("direct:workload-logs")
                .get("/{workloadId}/stats").id("rest-workload-stats").produces("application/json")
                    .to("direct:workload-stats")
                .get("/{workloadId}/health").id("rest-workload-health").produces("application/json")
                    .description("its health and its latest checks (limit, 50)").to("direct:workload-health");

        from("direct:workload-create").routeId("workload-create").routeConfigurationId(ApiErrorsConfiguration.ID)
                .setHeader(Actors.HEADER, method("requestActor"))
                .unmarshal().json(Workload.Request.class).process(JsonApiRouteBuilder::requireBody)
                .bean("workloads", "create(${body}, ${header.CamelCaravanActor})")
                .to("seda:workload-deploy?waitForTaskToComplete=Never")
                .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(202))
                .to(JsonResponseRoute.ENDPOINT);

        jsonRoute("workload-list", "workloads", "list(${header.deviceId})");
        jsonRoute("workload-get", "workloads", "workload(${header.workloadId})");
        jsonRoute("workload-control", "workloads", "control(${header.workloadId}, ${header.action})");
        jsonRoute("workload-delete", "workloads", "delete(${header.workloadId})");
        jsonRoute("workload-logs", "workloads", "logs(${header.workloadId}, ${header.tail})");
        jsonRoute("workload-stats", "workloads", "stats(${header.workloadId})");
        jsonRoute("workload-health", "workloadHealth", "history(${header.workloadId}, ${header.limit})");
    }
}
