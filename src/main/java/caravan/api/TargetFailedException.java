package caravan.api;

/** A machine the hub acts on (an edge, a cloud engine) refused the request or could not be reached; answered 502. */
public class TargetFailedException extends RuntimeException {

    public TargetFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
