package caravan.provider;

/** A validated .deb and what its control file says. */
public record DebPackage(
        String fileName,
        long size,
        String sha256,
        String packageName,
        String version,
        String architecture,
        String depends) {
}
