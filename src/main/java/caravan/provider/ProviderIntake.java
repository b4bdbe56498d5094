package caravan.provider;

import static caravan.store.KeptFiles.baseName;
import static caravan.store.KeptFiles.move;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import caravan.api.InputRejectedException;
import caravan.docker.RegistryProperties;
import caravan.security.Actors;
import caravan.store.FolderDropOutcome;
import caravan.store.KeptFiles;

/**
 * The two doors into the provider pipeline, REST upload and inbox folder, validated the same way. An accepted
 * submission becomes a queued build whose inputs are kept with it; a rejected one is kept with an error.json that
 * lists every problem. Nothing submitted is deleted.
 */
@Component
public class ProviderIntake {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderIntake.class);
    static final String DONE_DIR = ".done";
    static final String FAILED_DIR = ".failed";

    private final ProviderProperties properties;
    private final RegistryProperties registry;
    private final MetadataParser metadataParser;
    private final DebInspector debInspector;
    private final BuildStore builds;
    private final ProviderStore providers;
    private final BuildLog buildLog;
    private final ObjectMapper mapper;

    public ProviderIntake(ProviderProperties properties, RegistryProperties registry, MetadataParser metadataParser,
            DebInspector debInspector, BuildStore builds, ProviderStore providers, BuildLog buildLog,
            ObjectMapper mapper) {
        this.properties = properties;
        this.registry = registry;
        this.metadataParser = metadataParser;
        this.debInspector = debInspector;
        this.builds = builds;
        this.providers = providers;
        this.buildLog = buildLog;
        this.mapper = mapper;
    }

    /** A fresh folder for one REST upload's files. */
    public Path newStagingDir() {
        try {
            return Files.createDirectories(properties.workDir().resolve("uploads").resolve(UUID.randomUUID().toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create an upload folder under " + properties.workDir(), e);
        }
    }

    /** Accepts a REST upload or files it under the rejected folder and throws {@link InputRejectedException}. */
    public Build acceptUpload(ProviderUpload upload) {
        List<String> problems = new ArrayList<>();
        ProviderMetadata metadata = metadataParser.parse(upload.metadataJson(), problems);
        List<Path> debs = upload.debFileNames().stream().map(upload.stagingDir()::resolve).toList();
        List<DebPackage> packages = inspect(metadata, debs, problems);
        if (!problems.isEmpty()) {
            Path kept = properties.rejectedDir().resolve(KeptFiles.STAMP.format(Instant.now()) + "-" + upload.stagingDir().getFileName());
            move(upload.stagingDir(), kept);
            writeText(kept.resolve("metadata.json"), upload.metadataJson() == null ? "" : upload.metadataJson());
            KeptFiles.writeError(mapper, kept, "rest upload", problems);
            LOG.warn("Rejected provider upload, kept in {}: {}", kept, problems);
            throw new InputRejectedException(problems);
        }
        String buildId = UUID.randomUUID().toString();
        Path inputDir = properties.buildDir(buildId).resolve("input");
        move(upload.stagingDir(), inputDir);
        return queue(buildId, "rest", inputDir, metadata, packages);
    }

    /**
     * Accepts a metadata JSON dropped into the inbox together with the .deb files it names. The .deb files are
     * moved to {@code .done/<buildId>/} or {@code .failed/<time>-<name>/}; the caller moves the JSON to the
     * returned target.
     */
    public FolderDropOutcome acceptDrop(File droppedFile) {
        Path metadataFile = droppedFile.toPath();
        List<String> problems = new ArrayList<>();
        String json = readDroppedJson(metadataFile, problems);
        ProviderMetadata metadata = json == null ? null : metadataParser.parse(json, problems);
        List<Path> debs = namedDebs(metadataFile, metadata);
        debs.stream().filter(deb -> !Files.isRegularFile(deb)).forEach(deb -> problems.add(
                metadataFile.getFileName() + " names " + deb.getFileName() + ", which is not in the inbox; drop the .deb "
                        + "files first, then the metadata JSON"));
        List<Path> present = debs.stream().filter(Files::isRegularFile).toList();
        KeptFiles.awaitSettled(present, properties.inboxSettle());
        List<DebPackage> packages = present.isEmpty() ? List.of() : inspect(metadata, present, problems);
        if (!problems.isEmpty()) {
            return rejectDrop(metadataFile, present, problems);
        }
        String buildId = UUID.randomUUID().toString();
        Path doneDir = properties.inbox().resolve(DONE_DIR).resolve(buildId);
        present.forEach(deb -> move(deb, doneDir.resolve(deb.getFileName())));
        queue(buildId, "folder", doneDir, metadata, packages);
        return new FolderDropOutcome(buildId, DONE_DIR + "/" + buildId + "/" + metadataFile.getFileName());
    }

    /** Files a drop that failed for a reason other than its content, so it is not retried forever nor lost. */
    public FolderDropOutcome rejectDrop(File droppedFile, Exception cause) {
        Path metadataFile = droppedFile.toPath();
        LOG.error("Provider drop {} failed", metadataFile, cause);
        List<Path> debs = namedDebs(metadataFile, null).stream().filter(Files::isRegularFile).toList();
        return rejectDrop(metadataFile, debs, List.of("intake failed: " + cause.getMessage()));
    }

    private FolderDropOutcome rejectDrop(Path metadataFile, List<Path> debs, List<String> problems) {
        Path failedDir = KeptFiles.newRejectionDir(properties.inbox().resolve(FAILED_DIR), baseName(metadataFile));
        String dirName = failedDir.getFileName().toString();
        debs.forEach(deb -> move(deb, failedDir.resolve(deb.getFileName())));
        KeptFiles.writeError(mapper, failedDir, metadataFile.getFileName().toString(), problems);
        LOG.warn("Rejected provider drop {}, kept in {}: {}", metadataFile.getFileName(), failedDir, problems);
        return new FolderDropOutcome(null, FAILED_DIR + "/" + dirName + "/" + metadataFile.getFileName());
    }

    private List<DebPackage> inspect(ProviderMetadata metadata, List<Path> debs, List<String> problems) {
        if (debs.isEmpty()) {
            problems.add("no .deb file: send one or more in debFiles[]");
        } else if (debs.size() > properties.maxDebFiles()) {
            problems.add(debs.size() + " .deb files is more than the limit of " + properties.maxDebFiles()
                    + " (caravan.providers.max-deb-files)");
            return List.of();
        }
        String platform = metadata == null ? MetadataParser.DEFAULT_PLATFORM : metadata.platform();
        List<DebPackage> packages = new ArrayList<>();
        for (Path deb : debs) {
            String name = deb.getFileName().toString();
            if (!name.endsWith(".deb")) {
                problems.add(name + ": file name must end in .deb");
            }
            DebPackage inspected = debInspector.inspect(deb, name, platform, problems);
            if (inspected != null) {
                packages.add(inspected);
            }
        }
        return packages;
    }

    private Build queue(String buildId, String source, Path inputDir, ProviderMetadata metadata, List<DebPackage> debs) {
        ProviderMetadata normalized = metadata.normalized();
        int totalSteps = registry.configured() ? 3 : 2;
        Build build = new Build(buildId, metadata.providerId(), BuildStatus.QUEUED, 0, totalSteps, source, inputDir,
                normalized, debs, inputsHash(normalized, debs), null, null, null, null, null, null, null, null,
                "folder".equals(source) ? "inbox folder" : Actors.currentOr("unknown"), null);
        builds.insert(build);
        providers.recordSubmission(normalized, buildId);
        buildLog.append(buildId, "queued: " + metadata.providerId() + " " + metadata.version() + " from " + source + ", "
                + debs.stream().map(deb -> deb.packageName() + " " + deb.version() + " (" + deb.architecture() + ")").toList());
        LOG.info("Queued build {} of provider {} {} ({} .deb, from {})", buildId, metadata.providerId(),
                metadata.version(), debs.size(), source);
        return builds.get(buildId);
    }

    /** Same .deb contents (in any order) and same normalized metadata give the same hash. */
    private String inputsHash(ProviderMetadata normalized, List<DebPackage> debs) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            debs.stream().map(DebPackage::sha256).sorted()
                    .forEach(sha -> digest.update((sha + "\n").getBytes(StandardCharsets.US_ASCII)));
            digest.update(mapper.writeValueAsBytes(normalized));
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot hash build inputs", e);
        }
    }

    /** The .deb files a dropped JSON refers to: its {@code debFiles}, or the .deb with its own base name. */
    private List<Path> namedDebs(Path metadataFile, ProviderMetadata metadata) {
        Path dir = metadataFile.getParent();
        if (metadata != null && !metadata.debFiles().isEmpty()) {
            return metadata.debFiles().stream().map(dir::resolve).toList();
        }
        return List.of(dir.resolve(baseName(metadataFile) + ".deb"));
    }

    private String readDroppedJson(Path metadataFile, List<String> problems) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(metadataFile)))
                    .toString();
        } catch (CharacterCodingException e) {
            problems.add(metadataFile.getFileName() + " is not UTF-8 text");
        } catch (IOException e) {
            problems.add(metadataFile.getFileName() + " cannot be read: " + e.getMessage());
        }
        return null;
    }

    private static void writeText(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
