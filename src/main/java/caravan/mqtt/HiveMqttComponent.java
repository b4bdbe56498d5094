package caravan.mqtt;

import java.util.Map;

import javax.net.ssl.TrustManagerFactory;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.springframework.stereotype.Component;

/**
 * {@code hivemq-mqtt5:topicFilter?brokerUrl=tcp://host:1883&qos=1}: an MQTT 5 subscription on the HiveMQ client
 * (Netty). Hand-written because Camel has no component for this client, and on Paho's (camel-paho-mqtt5) the intake's
 * messages cost two to four times as much CPU (bench/mqtt-clients.sh). It only subscribes; routes publish with
 * {@code paho-mqtt5}. Its endpoints log in as the component's {@code userName} unless their URI names another.
 */
@Component(HiveMqttComponent.SCHEME)
public class HiveMqttComponent extends DefaultComponent {

    public static final String SCHEME = "hivemq-mqtt5";

    private String userName;
    private String password;
    private TrustManagerFactory trustManagers;

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        HiveMqttEndpoint endpoint = new HiveMqttEndpoint(uri, this, remaining);
        endpoint.setUserName(userName);
        endpoint.setPassword(password);
        endpoint.setTrustManagers(trustManagers);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    /** The account its endpoints log in with, unless theirs names another. */
    public void setUserName(String userName) {
        this.userName = userName;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    /** Whom its endpoints trust on an {@code ssl://} broker; null for the JVM's public roots. */
    public void setTrustManagers(TrustManagerFactory trustManagers) {
        this.trustManagers = trustManagers;
    }
}
