package caravan.hub;

/**
 * This hub no longer holds the work it was running (a build, a model deployment): its claim ran out (the hub was cut
 * off from the database, or paused, longer than the lease) and another hub runs it now. This hub's run stops without
 * touching the work's state.
 */
public class TakenOverException extends RuntimeException {

    /** {@code work}: what was taken over, as "Build 42". */
    public TakenOverException(String work, String hub) {
        super(work + " was taken over by another hub while " + hub + " ran it; " + hub + " stops");
    }
}
