package caravan.agent;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.service.ServiceSupport;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import caravan.deploy.AgentSettings;
import caravan.deploy.MqttLogin;
import caravan.deploy.TrustedCa;

/**
 * Receives the hub's commands on {@code caravan/edges/{edgeId}/commands} (QoS 1, persistent session) and hands each
 * to the {@code agent-commands} route. Hand-written because camel-paho-mqtt5 4.17 sets its callback only after
 * connecting, so commands the broker kept for an offline edge, delivered right after the connect, were lost.
 * Connects (and reconnects) until the broker answers, and subscribes again on every connect in case the broker
 * lost the session.
 */
public class CommandReceiver extends ServiceSupport implements MqttCallback {

    private static final Logger LOG = LoggerFactory.getLogger(CommandReceiver.class);
    static final String ENDPOINT = "direct:agent-command";
    private static final long RETRY_SECONDS = 5;

    private final String brokerUrl;
    private final MqttLogin credentials;
    private final AgentSettings settings;
    private final String topic;
    private final String clientId;
    private final long sessionExpirySeconds;
    private final ProducerTemplate producer;
    private final ScheduledExecutorService retries;
    private MqttAsyncClient client;

    public CommandReceiver(AgentSettings settings, String brokerUrl, MqttLogin credentials,
            long sessionExpirySeconds, ProducerTemplate producer, ScheduledExecutorService retries) {
        this.brokerUrl = brokerUrl;
        this.credentials = credentials;
        this.settings = settings;
        this.topic = "caravan/edges/" + settings.edgeId() + "/commands";
        this.clientId = "caravan-agent-" + settings.edgeId();
        this.sessionExpirySeconds = sessionExpirySeconds;
        this.producer = producer;
        this.retries = retries;
    }

    @Override
    protected void doStart() throws MqttException {
        client = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
        client.setCallback(this); // before connecting: queued commands arrive as soon as the session resumes
        connect();
    }

    private void connect() {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(sessionExpirySeconds);
        options.setAutomaticReconnect(true);
        options.setConnectionTimeout(10);
        if (settings.brokerCa() != null) {
            options.setSocketFactory(TrustedCa.sslContext(settings.brokerCa()).getSocketFactory());
        }
        if (credentials != null) {
            options.setUserName(credentials.username());
            options.setPassword(credentials.password().getBytes(StandardCharsets.UTF_8));
        }
        try {
            client.connect(options, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    // connectComplete subscribes
                }

                @Override
                public void onFailure(IMqttToken token, Throwable error) {
                    retryConnect(error);
                }
            });
        } catch (MqttException e) {
            retryConnect(e);
        }
    }

    /** Paho reconnects a connection it lost, but not a first connect that failed: that is retried here. */
    private void retryConnect(Throwable error) {
        if (isRunAllowed()) {
            LOG.warn("Command broker {} not reachable ({}); trying again in {} s", brokerUrl, error.getMessage(),
                    RETRY_SECONDS);
            retries.schedule(this::connect, RETRY_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Override
    public void connectComplete(boolean reconnect, String serverUri) {
        try {
            client.subscribe(topic, 1);
            LOG.info("{} to {}, receiving commands on {}", reconnect ? "Reconnected" : "Connected", serverUri, topic);
        } catch (MqttException e) {
            LOG.error("Could not subscribe to {}: {}", topic, e.getMessage());
        }
    }

    /**
     * Runs the route in the callback thread: once it returns, Paho acknowledges the command to the broker. The route
     * logs what it cannot apply; nothing thrown here may reach Paho, which would drop the session for it.
     */
    @Override
    public void messageArrived(String topic, MqttMessage message) {
        try {
            producer.sendBody(ENDPOINT, new String(message.getPayload(), StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            LOG.error("Command on {} not handed to the agent-commands route", topic, e);
        }
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        LOG.warn("Command broker disconnected: {}; reconnecting", response.getReasonString());
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        LOG.warn("Command broker error: {}", exception.getMessage());
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
        // the agent publishes nothing on this client
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
        // no enhanced authentication
    }

    @Override
    protected void doStop() throws MqttException {
        if (client != null && client.isConnected()) {
            client.disconnect().waitForCompletion(5_000);
        }
        if (client != null) {
            client.close();
        }
    }
}
