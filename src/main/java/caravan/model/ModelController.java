package caravan.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.apache.camel.ProducerTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.multipart.MultipartHttpServletRequest;

import caravan.api.InputRejectedException;
import caravan.api.MultipartText;
import caravan.model.ModelIntake.Accepted;
import caravan.model.ModelIntake.ModelUpload;
import caravan.model.ModelStore.Model;

/**
 * {@code POST /api/models}: parts {@code model} (the .onnx file) and {@code metadata} (JSON); 201 for a new model,
 * 200 for bytes already stored. Spring MVC takes the request because platform-http's binding copies every uploaded
 * part to one temp file named after the part, which concurrent uploads would share; everything after saving the file
 * is the {@code model-upload} route. {@code GET /api/models} is here too: a path is either Camel's or MVC's.
 */
@RestController
public class ModelController {

    private final ModelIntake intake;
    private final ModelApi api;
    private final ProducerTemplate producer;

    public ModelController(ModelIntake intake, ModelApi api, ProducerTemplate producer) {
        this.intake = intake;
        this.api = api;
        this.producer = producer;
    }

    @GetMapping(path = "/api/models", produces = MediaType.APPLICATION_JSON_VALUE)
    public List<Model> models() {
        return api.models();
    }

    @PostMapping(path = "/api/models", consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Model> upload(MultipartHttpServletRequest request) throws IOException {
        MultipartFile model = request.getFile("model");
        String metadata = MultipartText.part(request, "metadata");
        if (model == null || model.isEmpty()) {
            throw new InputRejectedException(List.of("model is required: the .onnx file as part \"model\""));
        }
        Path staging = intake.newStagingDir();
        Path file = staging.resolve("model.onnx");
        model.transferTo(file);
        Accepted accepted = producer.requestBody("direct:model-upload", new ModelUpload(metadata, staging, file),
                Accepted.class);
        return ResponseEntity.status(accepted.created() ? HttpStatus.CREATED : HttpStatus.OK).body(accepted.model());
    }
}
