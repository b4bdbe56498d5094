package caravan.provider;

import java.util.List;

/** A provider registered as an existing image ({@code POST /api/algorithm-providers}). */
public record ImageProvider(
        String providerId,
        String displayName,
        String version,
        String dockerImage,
        List<String> runCommand,
        List<String> supportedLidars,
        boolean requiresGpu,
        String platform,
        String trajectoryFormat) {
}
