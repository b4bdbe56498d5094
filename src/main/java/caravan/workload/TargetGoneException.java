package caravan.workload;

/** A workload's target is no longer there: its edge deregistered, or its cloud target taken out of configuration. */
class TargetGoneException extends RuntimeException {

    TargetGoneException(String message) {
        super(message);
    }
}
