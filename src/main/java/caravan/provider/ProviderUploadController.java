package caravan.provider;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.camel.ProducerTemplate;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.multipart.MultipartHttpServletRequest;

import caravan.api.MultipartText;
import caravan.provider.ProviderApi.BuildAccepted;

/**
 * {@code POST /api/algorithm-providers/conversion/build}, the reference's multipart upload. Spring MVC takes the
 * request because Camel's servlet binding keeps only one file per part name (debFiles[] repeats) and drops the
 * file names; everything after saving the files is the {@code provider-upload} route.
 */
@RestController
public class ProviderUploadController {

    private final ProviderIntake intake;
    private final ProducerTemplate producer;

    public ProviderUploadController(ProviderIntake intake, ProducerTemplate producer) {
        this.intake = intake;
        this.producer = producer;
    }

    @PostMapping(path = "/api/algorithm-providers/conversion/build", consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<BuildAccepted> build(MultipartHttpServletRequest request) throws IOException {
        List<MultipartFile> debFiles = new ArrayList<>(request.getFiles("debFiles[]"));
        debFiles.addAll(request.getFiles("debFiles"));
        Path staging = intake.newStagingDir();
        List<String> names = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (MultipartFile file : debFiles) {
            String name = uniqueName(safeFileName(file.getOriginalFilename(), names.size()), used);
            file.transferTo(staging.resolve(name));
            names.add(name);
        }
        ProviderUpload upload = new ProviderUpload(MultipartText.part(request, "metadata"), staging, names);
        BuildAccepted accepted = producer.requestBody("direct:provider-upload", upload, BuildAccepted.class);
        return ResponseEntity.accepted().body(accepted);
    }

    /** Keeps only the last path segment of a client-supplied name and characters safe in a file name. */
    static String safeFileName(String original, int index) {
        String name = original == null ? "" : original.substring(Math.max(original.lastIndexOf('/'), original.lastIndexOf('\\')) + 1);
        name = name.replaceAll("[^A-Za-z0-9._+~-]", "_");
        return name.isBlank() || name.startsWith(".") ? "upload-" + (index + 1) + ".deb" : name;
    }

    private static String uniqueName(String name, Set<String> used) {
        String candidate = name;
        for (int n = 2; !used.add(candidate); n++) {
            candidate = n + "-" + name;
        }
        return candidate;
    }
}
