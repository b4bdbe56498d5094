package routes;

import org.apache.camel.Exchange;
import org.apache.camel.model.rest.RestBindingMode;
import org.springframework.stereotype.Component;

/**
 * Model queries and downloads. The upload and the list at {@code /api/models} are
 * {@link caravan.model.ModelController}, which hands the saved file to the {@code model-upload} route
 * (routes/model-intake.camel.yaml).
 */
@Component
public class ModelApiRoute extends JsonApiRouteBuilder {

    @Override
    public void configure() {
        rest("/api/models").bindingMode(RestBindingMode.off)
                .get("/{name}/versions").id("rest-model-versions").produces("application/json")
                    .responseMessage(404, "no model of that name").to("direct:model-versions")
                .get("/{modelId}").id("rest-model-get").produces("application/json")
                    .responseMessage(404, "no such model").to("direct:model-get")
                .get("/{modelId}/file").id("rest-model-file").produces("application/octet-stream")
                    .responseMessage(404, "no such model").to("direct:model-file");

        jsonRoute("model-versions", "modelApi", "versions(${header.name})");
        jsonRoute("model-get", "modelApi", "model(${header.modelId})");

        from("direct:model-file").routeId("model-file").routeConfigurationId(ApiErrorsConfiguration.ID)
                .bean("modelApi", "file(${header.modelId})")
                .setHeader(Exchange.CONTENT_TYPE, constant("application/octet-stream"))
                .setHeader("Content-Disposition", simple("attachment; filename=\"${header.modelId}.onnx\""));
    }
}
