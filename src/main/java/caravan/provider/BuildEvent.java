package caravan.provider;

import java.time.OffsetDateTime;

/** A build's status change, as published to the build-events wiring. */
public record BuildEvent(
        String buildId,
        String providerId,
        String status,
        int step,
        int totalSteps,
        String dockerImageRef,
        String digest,
        String error,
        OffsetDateTime at) {

    static BuildEvent of(Build build) {
        return new BuildEvent(build.buildId(), build.providerId(), build.status().wire(), build.step(),
                build.totalSteps(), build.dockerImageRef(), build.imageDigest(), build.error(), build.updatedAt());
    }
}
