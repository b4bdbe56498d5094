package caravan.mqtt;

/**
 * Tells the broker that a received message is taken care of. Until then a QoS 1 message counts against the
 * consumer's {@code receiveMaximum}, and the broker sends it again on the next connection of a kept session.
 */
@FunctionalInterface
public interface Acknowledgement {

    /** For messages that need none: QoS 0, or a consumer that acknowledges by itself. */
    Acknowledgement NONE = () -> { };

    void acknowledge();
}
