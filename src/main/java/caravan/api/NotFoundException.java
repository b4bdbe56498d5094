package caravan.api;

/** A REST lookup for something that does not exist; answered with 404 naming it. */
public class NotFoundException extends RuntimeException {

    public NotFoundException(String message) {
        super(message);
    }
}
