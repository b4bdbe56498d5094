package caravan.provider;

import java.util.List;

/**
 * A provider's metadata, in the reference's schema plus {@code platform} and {@code trajectoryFormat} (the mapping
 * its trajectories go through; null for the hub's default format).
 * {@code debFiles} only matters for folder drops: it names the .deb files the metadata belongs to.
 */
public record ProviderMetadata(
        String providerId,
        String displayName,
        String version,
        List<String> runCommand,
        List<String> supportedLidars,
        boolean requiresGpu,
        String ubuntuBase,
        String platform,
        String trajectoryFormat,
        List<String> debFiles) {

    /** The metadata that defines an image: what a reused build must have in common with a new one. */
    public ProviderMetadata normalized() {
        return new ProviderMetadata(providerId, displayName, version, runCommand, supportedLidars, requiresGpu,
                ubuntuBase, platform, trajectoryFormat, List.of());
    }
}
