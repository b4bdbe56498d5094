package caravan.store;

/**
 * What became of a metadata JSON dropped into an inbox.
 *
 * @param acceptedId      what the drop became (a queued build, a stored model), or null when it was rejected
 * @param metadataTarget  where the JSON is to be moved, relative to the inbox
 */
public record FolderDropOutcome(String acceptedId, String metadataTarget) {

    public boolean accepted() {
        return acceptedId != null;
    }
}
