package caravan.provider;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;

import caravan.hub.SharedQueue;

/** A provider build as stored; {@code claimedBy} is the hub that runs it, or ran it last. */
public record Build(
        String buildId,
        String providerId,
        BuildStatus status,
        int step,
        int totalSteps,
        String source,
        Path inputDir,
        ProviderMetadata metadata,
        List<DebPackage> debFiles,
        String inputsHash,
        String dockerImageRef,
        String imageId,
        String imageDigest,
        String reusedFrom,
        String error,
        OffsetDateTime createdAt,
        OffsetDateTime updatedAt,
        OffsetDateTime finishedAt,
        String startedBy,
        String claimedBy) implements SharedQueue.Work {

    @Override
    public String workId() {
        return buildId;
    }
}
