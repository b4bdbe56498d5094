package caravan.mqtt;

import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ThreadPerTaskExecutor;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each message through the route on the client's Netty thread, and acknowledges it (QoS 1) when the route has
 * taken it. A route that blocks, say on a full queue, holds that thread, so the client stops reading and the broker
 * is held back: it neither reads ahead of the route nor drops QoS 0 messages, as it does with its callbacks on its
 * own thread pool. A lost connection is retried with back-off, and the client subscribes again when the broker
 * forgot it. With a client id and a session expiry, it takes up the session the broker kept for it. Starting fails
 * when the broker does not answer in time; Camel's supervising route controller retries.
 */
public class HiveMqttConsumer extends DefaultConsumer {

    /** The header a message's topic is in, named as camel-paho-mqtt5 names it. */
    public static final String TOPIC = "CamelMqttTopic";

    private static final Logger LOG = LoggerFactory.getLogger(HiveMqttConsumer.class);
    private static final String THREADS = HiveMqttComponent.SCHEME + "-consumer";

    private final HiveMqttEndpoint endpoint;
    private Mqtt5AsyncClient client;

    HiveMqttConsumer(HiveMqttEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        // Netty's own kind of thread: its buffer pools and object recyclers keep their per-thread caches only there.
        client = clientFor(endpoint.broker(), new ThreadPerTaskExecutor(new DefaultThreadFactory(THREADS, true)))
                .buildAsync();
        // Every message, registered before connecting: a kept session's messages arrive right after the connect,
        // before any subscribe. The executor runs the callback where it is called, on the Netty thread (without
        // one, the client hands messages to a thread pool, reading ahead of the route).
        client.publishes(MqttGlobalPublishFilter.ALL, this::received, Runnable::run);
        try {
            client.connectWith().cleanStart(endpoint.getSessionExpiry() == 0)
                    .sessionExpiryInterval(endpoint.getSessionExpiry())
                    .restrictions().receiveMaximum(endpoint.getReceiveMaximum()).applyRestrictions()
                    .send()
                    .thenCompose(connected -> client.subscribeWith()
                            .topicFilter(endpoint.getTopicFilter())
                            .qos(MqttQos.fromCode(endpoint.getQos()))
                            .send())
                    .get(endpoint.getConnectTimeout(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            client.disconnect(); // ends the reconnecting of a client that never subscribed
            client = null;
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("could not subscribe to " + endpoint.getTopicFilter() + " on "
                    + endpoint.getBrokerUrl() + ": " + cause, cause);
        }
        LOG.info("Subscribed to {} on {} (QoS {})", endpoint.getTopicFilter(), endpoint.getBrokerUrl(),
                endpoint.getQos());
    }

    private Mqtt5ClientBuilder clientFor(URI broker, Executor networkThread) {
        String scheme = String.valueOf(broker.getScheme());
        boolean tls = scheme.equals("ssl") || scheme.equals("mqtts") || scheme.equals("wss");
        boolean webSocket = scheme.equals("ws") || scheme.equals("wss");
        if (!tls && !webSocket && !scheme.equals("tcp") && !scheme.equals("mqtt")) {
            throw new IllegalArgumentException("broker URL " + broker + ": the scheme must be tcp, ssl, ws or wss");
        }
        int defaultPort = webSocket ? (tls ? 443 : 80) : (tls ? 8883 : 1883);
        Mqtt5ClientBuilder builder = MqttClient.builder().useMqttVersion5()
                .identifier(endpoint.getClientId() == null ? "" : endpoint.getClientId())
                .serverHost(broker.getHost())
                .serverPort(broker.getPort() == -1 ? defaultPort : broker.getPort())
                // A network thread of its own: a route that blocks it must not hold up another client's messages.
                .executorConfig().nettyExecutor(networkThread)
                    .nettyThreads(1).applyExecutorConfig()
                .automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(10, TimeUnit.SECONDS)
                    .applyAutomaticReconnect()
                .addDisconnectedListener(this::disconnected)
                .addConnectedListener(connected -> LOG.info("Connected to {} for {}", endpoint.getBrokerUrl(),
                        endpoint.getTopicFilter()));
        if (tls) {
            builder = builder.sslWithDefaultConfig();
        }
        if (webSocket) {
            String path = broker.getPath() == null ? "" : broker.getPath();
            builder = builder.webSocketConfig().serverPath(path).applyWebSocketConfig();
        }
        return builder;
    }

    private void disconnected(MqttClientDisconnectedContext context) {
        if (isRunAllowed() && context.getReconnector().getAttempts() == 0) {
            LOG.warn("Not connected to {} ({}); retrying", endpoint.getBrokerUrl(), context.getCause().getMessage());
        }
    }

    /** Never throws: a callback that throws would end the client's subscription. */
    private void received(Mqtt5Publish publish) {
        Exchange exchange = createExchange(false);
        try {
            exchange.getMessage().setHeader(TOPIC, publish.getTopic().toString());
            exchange.getMessage().setBody(publish.getPayloadAsBytes());
            getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        }
        if (exchange.getException() != null) {
            getExceptionHandler().handleException("Error processing a message from " + endpoint.getTopicFilter(),
                    exchange, exchange.getException());
        }
        releaseExchange(exchange, false);
    }

    @Override
    protected void doStop() throws Exception {
        if (client != null) {
            try {
                client.disconnect().get(endpoint.getConnectTimeout(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("Disconnecting from {}: {}", endpoint.getBrokerUrl(), e.toString());
            }
            client = null;
        }
        super.doStop();
    }
}
