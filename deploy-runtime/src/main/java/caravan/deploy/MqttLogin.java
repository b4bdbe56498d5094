package caravan.deploy;

/**
 * An edge's account on the broker: what its agent logs in with, what the health gate watches its trajectories
 * with, and what its provider container publishes them with ({@code MQTT_USERNAME}, {@code MQTT_PASSWORD}).
 */
public record MqttLogin(String username, String password) {

    /** Never the password: settings end up in logs. */
    @Override
    public String toString() {
        return "MqttLogin[" + username + "]";
    }
}
