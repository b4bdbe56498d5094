package caravan.mqtt;

import java.net.URI;
import java.util.Set;

import javax.net.ssl.TrustManagerFactory;

import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

/**
 * A topic filter to subscribe to ({@code $share/group/filter} for a shared subscription) and how: the broker
 * ({@code tcp://}, {@code ssl://}, {@code ws://} or {@code wss://host:port}), the QoS, how many QoS 1 and 2 messages
 * the broker may send ahead of their acknowledgement, and how long the consumer waits for the broker when it starts.
 * With a {@code clientId} and a {@code sessionExpiry} (seconds), the broker keeps the subscription, and the QoS 1
 * messages that arrive for it, that long after the consumer stops or loses its connection, and delivers them when it
 * is back; without, the broker names the client and keeps nothing. With {@code manualAcknowledgement}, a QoS 1
 * message is acknowledged not when the route has taken it but when the route calls the {@link Acknowledgement} in
 * the message's {@link HiveMqttConsumer#ACKNOWLEDGEMENT} header, say once it is stored.
 */
public class HiveMqttEndpoint extends DefaultEndpoint {

    /** As Paho names them, with MQTT's own names for the first two. */
    private static final Set<String> SCHEMES = Set.of("tcp", "mqtt", "ssl", "mqtts", "ws", "wss");

    private final String topicFilter;
    private String brokerUrl;
    private int qos = 1;
    private int receiveMaximum = 1000;
    private long connectTimeout = 10_000;
    private String clientId;
    private long sessionExpiry;
    private boolean manualAcknowledgement;
    private String userName;
    private String password;
    private TrustManagerFactory trustManagers;

    HiveMqttEndpoint(String uri, HiveMqttComponent component, String topicFilter) {
        super(uri, component);
        this.topicFilter = topicFilter;
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException(HiveMqttComponent.SCHEME + " only subscribes; publish with paho-mqtt5");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        if (brokerUrl == null || brokerUrl.isBlank()) {
            throw new IllegalArgumentException(getEndpointUri() + " needs a brokerUrl");
        }
        if (!SCHEMES.contains(String.valueOf(broker().getScheme()))) {
            throw new IllegalArgumentException(getEndpointUri() + ": the brokerUrl " + brokerUrl + " must start with "
                    + "tcp://, ssl://, ws:// or wss://");
        }
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException(getEndpointUri() + ": qos must be 0, 1 or 2, not " + qos);
        }
        if (sessionExpiry > 0 && (clientId == null || clientId.isBlank())) {
            throw new IllegalArgumentException(getEndpointUri() + ": a sessionExpiry needs a clientId, by which the "
                    + "broker knows the session again");
        }
        HiveMqttConsumer consumer = new HiveMqttConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    public String getTopicFilter() {
        return topicFilter;
    }

    public String getBrokerUrl() {
        return brokerUrl;
    }

    public void setBrokerUrl(String brokerUrl) {
        this.brokerUrl = brokerUrl;
    }

    URI broker() {
        return URI.create(brokerUrl);
    }

    public int getQos() {
        return qos;
    }

    public void setQos(int qos) {
        this.qos = qos;
    }

    public int getReceiveMaximum() {
        return receiveMaximum;
    }

    public void setReceiveMaximum(int receiveMaximum) {
        this.receiveMaximum = receiveMaximum;
    }

    public long getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(long connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public String getClientId() {
        return clientId;
    }

    public void setClientId(String clientId) {
        this.clientId = clientId;
    }

    public long getSessionExpiry() {
        return sessionExpiry;
    }

    public void setSessionExpiry(long sessionExpiry) {
        this.sessionExpiry = sessionExpiry;
    }

    public boolean isManualAcknowledgement() {
        return manualAcknowledgement;
    }

    public void setManualAcknowledgement(boolean manualAcknowledgement) {
        this.manualAcknowledgement = manualAcknowledgement;
    }

    /** The account to log in with; none when blank. */
    public String getUserName() {
        return userName;
    }

    public void setUserName(String userName) {
        this.userName = userName;
    }

    public String getPassword() {
        return password;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    /** Whom to trust on an {@code ssl://} broker; null for the JVM's public roots. */
    public TrustManagerFactory getTrustManagers() {
        return trustManagers;
    }

    public void setTrustManagers(TrustManagerFactory trustManagers) {
        this.trustManagers = trustManagers;
    }
}
