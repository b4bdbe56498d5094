package caravan.provider;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;

import org.springframework.stereotype.Component;

import caravan.api.InputRejectedException;
import caravan.api.NotFoundException;
import caravan.docker.RegistryDigests;

/** What the provider REST routes answer. */
@Component
public class ProviderApi {

    static final String BUILDS_PATH = "/api/algorithm-providers/conversion/builds/";

    private final BuildStore builds;
    private final ProviderStore providers;
    private final BuildLog buildLog;
    private final ProviderProperties properties;
    private final MetadataParser metadataParser;
    private final RegistryDigests digests;

    public ProviderApi(BuildStore builds, ProviderStore providers, BuildLog buildLog, ProviderProperties properties,
            MetadataParser metadataParser, RegistryDigests digests) {
        this.builds = builds;
        this.providers = providers;
        this.buildLog = buildLog;
        this.properties = properties;
        this.metadataParser = metadataParser;
        this.digests = digests;
    }

    /** The answer to an accepted submission: 202 with where to follow it. */
    public record BuildAccepted(String buildId, String providerId, String status, String statusUrl) {
    }

    public record BuildView(
            String buildId, String providerId, String status, int step, int totalSteps, String source,
            String dockerImageRef, String digest, String error, String reusedFromBuildId,
            List<DebPackage> debFiles, List<String> logTail, String dockerfileUrl, String hub,
            OffsetDateTime createdAt, OffsetDateTime updatedAt, OffsetDateTime finishedAt) {
    }

    public static BuildAccepted accepted(Build build) {
        return new BuildAccepted(build.buildId(), build.providerId(), build.status().wire(),
                BUILDS_PATH + build.buildId());
    }

    public BuildView build(String buildId) {
        Build build = builds.find(buildId).orElseThrow(() -> new NotFoundException("no build " + buildId));
        return new BuildView(build.buildId(), build.providerId(), build.status().wire(), build.step(),
                build.totalSteps(), build.source(), build.dockerImageRef(), build.imageDigest(), build.error(),
                build.reusedFrom(), build.debFiles(), buildLog.tail(buildId), BUILDS_PATH + buildId + "/dockerfile",
                build.claimedBy(), build.createdAt(), build.updatedAt(), build.finishedAt());
    }

    public String dockerfile(String buildId) throws IOException {
        builds.find(buildId).orElseThrow(() -> new NotFoundException("no build " + buildId));
        Path file = properties.buildDir(buildId).resolve("Dockerfile");
        if (!Files.exists(file)) {
            throw new NotFoundException("build " + buildId + " has not generated its Dockerfile yet");
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    public List<Provider> providers() {
        return providers.all();
    }

    public Provider provider(String providerId) {
        return providers.find(providerId).orElseThrow(() -> new NotFoundException("no provider " + providerId));
    }

    /**
     * A provider from an image that already exists, pinned to the digest its registry serves now: what is deployed
     * later is that content, whatever the tag points at by then.
     */
    public Provider register(String json) {
        ImageProvider registration = metadataParser.parseImageRegistration(json);
        String digest;
        try {
            digest = digests.resolve(registration.dockerImage());
        } catch (RegistryDigests.DigestUnavailableException e) {
            throw new InputRejectedException(List.of(e.getMessage()));
        }
        return providers.registerImage(registration, digest);
    }
}
