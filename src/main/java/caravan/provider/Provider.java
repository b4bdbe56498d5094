package caravan.provider;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A deployable provider. {@code dockerImage} is the reference's name for the image a deployment runs; it stays
 * on the last successful build while a newer one is under way.
 */
public record Provider(
        String providerId,
        String displayName,
        String version,
        String source,
        String dockerImage,
        String imageDigest,
        List<String> runCommand,
        List<String> supportedLidars,
        boolean requiresGpu,
        String ubuntuBase,
        String platform,
        String trajectoryFormat,
        String lastBuildId,
        OffsetDateTime createdAt,
        OffsetDateTime updatedAt) {

    public static final String SOURCE_DEB = "deb";
    public static final String SOURCE_IMAGE = "image";
}
