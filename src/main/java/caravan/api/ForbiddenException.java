package caravan.api;

/** An authenticated caller acting for someone else (a device uploading for another); answered with 403. */
public class ForbiddenException extends RuntimeException {

    public ForbiddenException(String message) {
        super(message);
    }
}
