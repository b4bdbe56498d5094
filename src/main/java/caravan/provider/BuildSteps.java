package caravan.provider;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import com.github.dockerjava.api.exception.DockerClientException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import caravan.docker.ImageEngine;
import caravan.docker.RegistryProperties;
import caravan.hub.HubInstance;
import caravan.hub.TakenOverException;

/**
 * The steps of the {@code provider-build} route: validate, build, push, complete (or fail). The route records each
 * stage with {@link #enter} before running it, so the status API and a restart always see where a build is, and
 * sends on the {@link BuildEvent} that {@code enter}, {@code complete} and {@code fail} return.
 */
@Component
public class BuildSteps {

    private static final Logger LOG = LoggerFactory.getLogger(BuildSteps.class);

    private final BuildStore builds;
    private final ProviderStore providers;
    private final BuildLog buildLog;
    private final DockerfileGenerator generator;
    private final ImageEngine engine;
    private final ProviderProperties properties;
    private final RegistryProperties registry;
    private final HubInstance hub;

    public BuildSteps(BuildStore builds, ProviderStore providers, BuildLog buildLog, DockerfileGenerator generator,
            ImageEngine engine, ProviderProperties properties, RegistryProperties registry, HubInstance hub) {
        this.hub = hub;
        this.builds = builds;
        this.providers = providers;
        this.buildLog = buildLog;
        this.generator = generator;
        this.engine = engine;
        this.properties = properties;
        this.registry = registry;
    }

    /** Records that the build enters a stage ({@code validating}, {@code building}, {@code pushing}). */
    public BuildEvent enter(String buildId, String stage) {
        BuildStatus status = BuildStatus.valueOf(stage.toUpperCase(Locale.ROOT));
        if (status.step() == 0) {
            throw new IllegalArgumentException("'" + stage + "' is not a build stage");
        }
        Build current = builds.get(buildId);
        if (!builds.advance(buildId, status, status.step(), current.totalSteps(), hub.id())) {
            throw new TakenOverException("Build " + buildId, hub.id());
        }
        buildLog.append(buildId, status.wire() + " (step " + status.step() + " of " + current.totalSteps() + ")");
        return BuildEvent.of(builds.get(buildId));
    }

    /** Step 1: the kept inputs are intact and the base image is known. */
    public void validate(String buildId) {
        Build build = builds.get(buildId);
        baseImage(build);
        for (DebPackage deb : build.debFiles()) {
            Path file = build.inputDir().resolve(deb.fileName());
            if (!Files.isRegularFile(file)) {
                throw new IllegalStateException("input " + file + " is gone");
            }
        }
        buildLog.append(buildId, "validated " + build.debFiles().size() + " .deb file(s); target " + imageReference(build));
    }

    /** When the same inputs already produced this image, the build completes with it instead of building again. */
    public boolean reuseExisting(String buildId) {
        Build build = builds.get(buildId);
        Optional<Build> previous = builds.findReusable(build.inputsHash(), imageReference(build), buildId);
        if (previous.isEmpty()) {
            return false;
        }
        Build source = previous.get();
        copyDockerfile(source.buildId(), buildId);
        buildLog.append(buildId, "same inputs as build " + source.buildId() + ": reusing " + source.dockerImageRef()
                + (source.imageDigest() == null ? "" : "@" + source.imageDigest()) + ", nothing rebuilt");
        builds.recordReuse(buildId, source);
        return true;
    }

    /** Step 2: generate Dockerfile and entrypoint, build on the engine with host networking, tag. */
    public void build(String buildId) throws IOException, InterruptedException {
        Build build = builds.get(buildId);
        String reference = imageReference(build);
        String baseImage = baseImage(build);
        String dockerfile = generator.dockerfile(build.metadata(), build.debFiles(), baseImage, Instant.now());
        Path dir = properties.buildDir(buildId);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("Dockerfile"), dockerfile, StandardCharsets.UTF_8);
        Path context = dir.resolve("context.tar");
        writeContext(context, dockerfile, build);
        buildLog.append(buildId, "building " + reference + " on " + engine.host());
        String imageId;
        try (InputStream tar = Files.newInputStream(context)) {
            imageId = engine.build(tar, Set.of(reference), build.metadata().platform(), line -> buildLog.append(buildId, line));
        } catch (DockerClientException e) {
            if (!engine.imageExists(baseImage)) {
                throw new IllegalStateException("base image " + baseImage + " (ubuntuBase " + build.metadata().ubuntuBase()
                        + ") is not on the engine and could not be pulled: " + e.getMessage() + ". Load it there, or map "
                        + "ubuntuBase " + build.metadata().ubuntuBase() + " to another image in caravan.providers.base-images",
                        e);
            }
            throw e;
        } finally {
            Files.deleteIfExists(context);
        }
        builds.recordImage(buildId, reference, imageId);
        buildLog.append(buildId, "built " + reference + " (" + imageId + ")");
    }

    /** Whether built images go to a registry (step 3); without one they stay on the engine. */
    public boolean pushesToRegistry() {
        return registry.configured();
    }

    /** Step 3: push and record the digest. */
    public void push(String buildId) throws InterruptedException {
        Build build = builds.get(buildId);
        buildLog.append(buildId, "pushing " + build.dockerImageRef() + " to " + registry.url()
                + (registry.hasCredentials() ? " as " + registry.username() : " without credentials"));
        String digest;
        try {
            digest = engine.push(registry.imageRepository(build.providerId()), build.metadata().version(),
                    line -> buildLog.append(buildId, line));
        } catch (RuntimeException pushFailed) {
            // A build that failed leaves nothing on the engine; trying again builds afresh.
            removeLocalCopy(buildId);
            throw pushFailed;
        }
        builds.recordDigest(buildId, digest);
        buildLog.append(buildId, "pushed " + build.dockerImageRef() + "@" + digest);
    }

    /**
     * After the push the registry is the image's home: the engine's copy goes, or every provider version ever built
     * would stay on the build engine's disk. Kept, and the build log says why, when a container uses it or the engine refuses.
     */
    public void removeLocalCopy(String buildId) {
        Build build = builds.get(buildId);
        String reference = build.dockerImageRef();
        engine.removeImage(reference, build.imageId()).ifPresentOrElse(
                reason -> buildLog.append(buildId, "kept " + reference + " on " + engine.host() + ": " + reason),
                () -> buildLog.append(buildId, "removed " + reference + " from " + engine.host()));
    }

    /** Marks the build succeeded and points the provider at its image. */
    public BuildEvent complete(String buildId) {
        if (!builds.succeed(buildId, hub.id())) {
            throw new TakenOverException("Build " + buildId, hub.id());
        }
        Build build = builds.get(buildId);
        providers.recordImage(build.providerId(), build.dockerImageRef(), build.imageDigest());
        buildLog.append(buildId, "succeeded: " + build.dockerImageRef());
        LOG.info("Build {} of {} succeeded: {}{}", buildId, build.providerId(), build.dockerImageRef(),
                build.imageDigest() == null ? "" : "@" + build.imageDigest());
        return BuildEvent.of(build);
    }

    /**
     * Every failure ends here: the build is failed with a message a user can act on; unless another hub took it over
     * meanwhile, whose run it is now (the event then tells where that one is).
     */
    public BuildEvent fail(String buildId, Exception cause) {
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (!builds.fail(buildId, message, hub.id())) {
            LOG.warn("Build {} failed on {} after another hub took it over: {}", buildId, hub.id(), message);
            return BuildEvent.of(builds.get(buildId));
        }
        buildLog.append(buildId, "failed: " + message);
        LOG.warn("Build {} failed: {}", buildId, message);
        return BuildEvent.of(builds.get(buildId));
    }

    private String baseImage(Build build) {
        String base = properties.baseImages().get(build.metadata().ubuntuBase());
        if (base == null) {
            throw new IllegalStateException("no base image configured for ubuntuBase " + build.metadata().ubuntuBase()
                    + " (caravan.providers.base-images)");
        }
        return base;
    }

    private String imageReference(Build build) {
        return registry.imageRepository(build.providerId()) + ":" + build.metadata().version();
    }

    private void writeContext(Path tarFile, String dockerfile, Build build) throws IOException {
        try (OutputStream out = Files.newOutputStream(tarFile);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            addEntry(tar, "Dockerfile", dockerfile.getBytes(StandardCharsets.UTF_8), 0644);
            addEntry(tar, "entrypoint.sh", generator.entrypoint().getBytes(StandardCharsets.UTF_8), 0755);
            List<DebPackage> debs = build.debFiles();
            for (int i = 0; i < debs.size(); i++) {
                Path file = build.inputDir().resolve(debs.get(i).fileName());
                TarArchiveEntry entry = new TarArchiveEntry(file,
                        DockerfileGenerator.CONTEXT_DEB_DIR + "/" + DockerfileGenerator.contextDebName(i, debs.get(i)));
                entry.setMode(0644);
                tar.putArchiveEntry(entry);
                Files.copy(file, tar);
                tar.closeArchiveEntry();
            }
        }
    }

    private static void addEntry(TarArchiveOutputStream tar, String name, byte[] content, int mode) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        entry.setMode(mode);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private void copyDockerfile(String fromBuildId, String toBuildId) {
        Path source = properties.buildDir(fromBuildId).resolve("Dockerfile");
        Path target = properties.buildDir(toBuildId).resolve("Dockerfile");
        try {
            if (Files.exists(source)) {
                Files.createDirectories(target.getParent());
                Files.copy(source, target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the Dockerfile of build " + fromBuildId, e);
        }
    }
}
