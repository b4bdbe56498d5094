package caravan.provider;

/**
 * This hub no longer holds the build: its claim ran out (the hub was cut off from the database, or paused, longer
 * than the lease) and another hub runs it now. This hub's run stops without touching the build's state.
 */
public class BuildTakenOverException extends RuntimeException {

    public BuildTakenOverException(String buildId, String hub) {
        super("Build " + buildId + " was taken over by another hub while " + hub + " ran it; " + hub + " stops");
    }
}
