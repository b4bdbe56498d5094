package caravan.api;

/** A request body past its configured limit, refused before it is read whole; answered with 413. */
public class PayloadTooLargeException extends RuntimeException {

    public PayloadTooLargeException(String message) {
        super(message);
    }
}
