package caravan.provider;

import java.nio.file.Path;
import java.util.List;

/**
 * A REST submission whose files were saved to {@code stagingDir}.
 *
 * @param debFileNames the saved .deb files' names inside {@code stagingDir}, as the client named them
 */
public record ProviderUpload(String metadataJson, Path stagingDir, List<String> debFileNames) {
}
