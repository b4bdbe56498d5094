package caravan.provider;

/**
 * What became of a metadata JSON dropped into the inbox.
 *
 * @param buildId         the queued build, or null when the drop was rejected
 * @param metadataTarget  where the JSON is to be moved, relative to the inbox
 */
public record FolderDropOutcome(String buildId, String metadataTarget) {

    public boolean accepted() {
        return buildId != null;
    }
}
