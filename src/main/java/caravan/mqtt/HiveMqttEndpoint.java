package caravan.mqtt;

import java.net.URI;

import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

/**
 * A topic filter to subscribe to ({@code $share/group/filter} for a shared subscription) and how: the broker
 * ({@code tcp://}, {@code ssl://}, {@code ws://} or {@code wss://host:port}), the QoS, how many QoS 1 and 2 messages
 * the broker may send ahead of their acknowledgement, and how long the consumer waits for the broker when it starts.
 */
public class HiveMqttEndpoint extends DefaultEndpoint {

    private final String topicFilter;
    private String brokerUrl;
    private int qos = 1;
    private int receiveMaximum = 1000;
    private long connectTimeout = 10_000;

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
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException(getEndpointUri() + ": qos must be 0, 1 or 2, not " + qos);
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
}
