package caravan.provider;

/** Where a build is. Queued and in-progress builds are resumed after a restart. */
public enum BuildStatus {
    QUEUED(0), VALIDATING(1), BUILDING(2), PUSHING(3), SUCCEEDED(0), FAILED(0);

    private final int step;

    BuildStatus(int step) {
        this.step = step;
    }

    /** The step of the build this status is, 0 for the states that are not a step. */
    public int step() {
        return step;
    }

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED;
    }

    public String wire() {
        return name().toLowerCase();
    }
}
