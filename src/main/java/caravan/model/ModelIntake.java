package caravan.model;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Component;

import caravan.api.ConflictException;
import caravan.api.InputRejectedException;
import caravan.model.ModelStore.Model;
import caravan.model.ModelValidator.ModelRejectedException;
import caravan.security.Actors;
import caravan.store.FolderDropOutcome;
import caravan.store.KeptFiles;

/**
 * The two doors for models, REST upload and inbox folder, checked the same way: metadata, size, then
 * {@link ModelValidator}. An accepted model is stored by its sha256; sending the same bytes again, under any name,
 * answers the model already stored. A rejected input is kept with its metadata and an error.json naming every problem.
 */
@Component
public class ModelIntake {

    private static final Logger LOG = LoggerFactory.getLogger(ModelIntake.class);
    static final String DONE_DIR = ".done";
    static final String FAILED_DIR = ".failed";

    /** A model sent over REST: its metadata and the file as saved in a staging folder. */
    public record ModelUpload(String metadataJson, Path stagingDir, Path file) {
    }

    /** The model a submission is, and whether this submission added it. */
    public record Accepted(Model model, boolean created) {
    }

    /** A checked submission: the model it is and its sha256, or every problem with it. */
    private record Checked(ModelMetadata metadata, String sha256, long size, Optional<Model> existing,
            ModelValidator.Validated validated, List<String> problems) {
    }

    private final ModelProperties properties;
    private final ModelValidator validator;
    private final ModelStore store;
    private final ObjectMapper mapper;

    public ModelIntake(ModelProperties properties, ModelValidator validator, ModelStore store, ObjectMapper mapper) {
        this.properties = properties;
        this.validator = validator;
        this.store = store;
        this.mapper = mapper;
    }

    /** A fresh folder for one REST upload. */
    public Path newStagingDir() {
        try {
            return Files.createDirectories(properties.storeDir().resolve(".uploads").resolve(UUID.randomUUID().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create an upload folder under " + properties.storeDir(), e);
        }
    }

    /** Stores a REST upload, or keeps it under the rejected folder and throws {@link InputRejectedException}. */
    public Accepted acceptUpload(ModelUpload upload) throws IOException {
        Checked checked = check(upload.metadataJson(), upload.file());
        if (!checked.problems().isEmpty()) {
            Path kept = properties.rejectedDir().resolve(KeptFiles.STAMP.format(java.time.Instant.now()) + "-"
                    + upload.stagingDir().getFileName());
            KeptFiles.move(upload.stagingDir(), kept);
            Files.writeString(kept.resolve("metadata.json"), upload.metadataJson() == null ? "" : upload.metadataJson());
            KeptFiles.writeError(mapper, kept, "rest upload " + upload.file().getFileName(), checked.problems());
            LOG.warn("Rejected model upload, kept in {}: {}", kept, checked.problems());
            throw new InputRejectedException(checked.problems());
        }
        try {
            return store(checked, upload.file(), "rest", Actors.currentOr("unknown"));
        } finally {
            deleteStaging(upload.stagingDir());
        }
    }

    /**
     * Stores a model dropped into the inbox: the JSON names its file ({@code "file"}), or the .onnx has the JSON's
     * base name. Both end in {@code .done/<modelId>/} or, with error.json, in {@code .failed/<time>-<name>/}; the
     * caller moves the JSON to the returned target.
     */
    public FolderDropOutcome acceptDrop(File droppedFile) throws IOException {
        Path metadataFile = droppedFile.toPath();
        String json = Files.readString(metadataFile, StandardCharsets.UTF_8);
        Path model = namedModel(metadataFile, json);
        if (!Files.isRegularFile(model)) {
            return rejectDrop(metadataFile, null, List.of(metadataFile.getFileName() + " names " + model.getFileName()
                    + ", which is not in the inbox; drop the .onnx file first, then the metadata JSON"));
        }
        KeptFiles.awaitSettled(List.of(model), properties.inboxSettle());
        Checked checked = check(json, model);
        if (!checked.problems().isEmpty()) {
            return rejectDrop(metadataFile, model, checked.problems());
        }
        Model stored = store(checked, model, "folder", "inbox folder").model();
        String done = DONE_DIR + "/" + stored.modelId() + "-" + KeptFiles.STAMP.format(java.time.Instant.now());
        KeptFiles.move(model, properties.inbox().resolve(done).resolve(model.getFileName()));
        return new FolderDropOutcome(stored.modelId(), done + "/" + metadataFile.getFileName());
    }

    /** Files a drop that failed for a reason other than its content, so it is neither retried forever nor lost. */
    public FolderDropOutcome rejectDrop(File droppedFile, Exception cause) {
        Path metadataFile = droppedFile.toPath();
        LOG.error("Model drop {} failed", metadataFile, cause);
        Path model = metadataFile.resolveSibling(KeptFiles.baseName(metadataFile) + ".onnx");
        return rejectDrop(metadataFile, Files.isRegularFile(model) ? model : null,
                List.of("intake failed: " + cause.getMessage()));
    }

    private FolderDropOutcome rejectDrop(Path metadataFile, Path model, List<String> problems) {
        Path failedDir = KeptFiles.newRejectionDir(properties.inbox().resolve(FAILED_DIR), KeptFiles.baseName(metadataFile));
        if (model != null) {
            KeptFiles.move(model, failedDir.resolve(model.getFileName()));
        }
        KeptFiles.writeError(mapper, failedDir, metadataFile.getFileName().toString(), problems);
        LOG.warn("Rejected model drop {}, kept in {}: {}", metadataFile.getFileName(), failedDir, problems);
        return new FolderDropOutcome(null, FAILED_DIR + "/" + failedDir.getFileName() + "/" + metadataFile.getFileName());
    }

    private Checked check(String json, Path file) throws IOException {
        List<String> problems = new ArrayList<>();
        ModelMetadata metadata = ModelMetadata.parse(mapper, json, problems);
        long size = Files.size(file);
        if (size > properties.maxSize().toBytes()) {
            problems.add("size: the model is " + size + " bytes, more than the limit of " + properties.maxSize()
                    + " (caravan.models.max-size)");
            return new Checked(metadata, null, size, Optional.empty(), null, problems);
        }
        String sha256 = sha256(file);
        Optional<Model> existing = store.find(sha256);
        if (metadata != null && existing.isEmpty()) {
            store.find(metadata.name(), metadata.version()).ifPresent(other -> problems.add("duplicate: "
                    + metadata.name() + " " + metadata.version() + " is already another file (" + other.sha256()
                    + "); give this one a new version"));
        }
        ModelValidator.Validated validated = null;
        if (problems.isEmpty() && existing.isEmpty()) {
            try {
                validated = validator.validate(file, metadata == null ? java.util.Map.of() : metadata.inputShapes());
            } catch (ModelRejectedException e) {
                problems.add(e.problem());
            }
        }
        return new Checked(metadata, sha256, size, existing, validated, problems);
    }

    private Accepted store(Checked checked, Path file, String source, String actor) throws IOException {
        if (checked.existing().isPresent()) {
            store.restoreFile(checked.sha256(), file);
            return new Accepted(checked.existing().get(), false);
        }
        try {
            Model model = store.insert(file, checked.sha256(), checked.size(), checked.metadata(), checked.validated(),
                    source, actor);
            LOG.info("Stored model {} {} ({}, {} bytes, from {})", model.name(), model.version(), model.sha256(),
                    model.sizeBytes(), source);
            return new Accepted(model, true);
        } catch (DuplicateKeyException e) {
            // another hub stored the same bytes or version a moment ago
            Model other = store.find(checked.sha256()).orElseThrow(() -> new ConflictException(checked.metadata().name()
                    + " " + checked.metadata().version() + " was stored a moment ago as another file"));
            return new Accepted(other, false);
        }
    }

    private Path namedModel(Path metadataFile, String json) {
        try {
            JsonNode named = mapper.readTree(json).path("file");
            if (named.isTextual() && !named.asText().contains("/") && !named.asText().startsWith(".")) {
                return metadataFile.resolveSibling(named.asText());
            }
        } catch (IOException e) {
            // the metadata check names the broken JSON
        }
        return metadataFile.resolveSibling(KeptFiles.baseName(metadataFile) + ".onnx");
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteStaging(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(dir);
    }
}
