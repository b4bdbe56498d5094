package caravan.provider;

/** Where a build is. Queued and in-progress builds are resumed after a restart. */
public enum BuildStatus {
    QUEUED, VALIDATING, BUILDING, PUSHING, SUCCEEDED, FAILED;

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED;
    }

    public String wire() {
        return name().toLowerCase();
    }
}
