package caravan.api;

/** A request that names existing things which are not in a state to allow it; answered with 409. */
public class ConflictException extends RuntimeException {

    public ConflictException(String message) {
        super(message);
    }
}
