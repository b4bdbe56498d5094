package caravan.mqtt;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ThreadPerTaskExecutor;
import io.reactivex.disposables.Disposable;
import io.reactivex.schedulers.Schedulers;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each message through the route on the client's Netty thread, and acknowledges it (QoS 1) when the route has
 * taken it, or, with manual acknowledgement, when the route calls the message's {@link Acknowledgement} (one the
 * route never acknowledges comes again on the next connection of a kept session). A route that blocks, say on a
 * full queue, holds that thread, so the client stops reading and the broker is held back: it neither reads ahead of
 * the route nor drops QoS 0 messages, as it does with its callbacks on its own thread pool. A lost connection is
 * retried with back-off, and the client subscribes again when the broker forgot it. With a client id and a session
 * expiry, it takes up the session the broker kept for it, and starts without waiting for the session's backlog to be
 * taken. Starting fails when the broker does not answer in time; Camel's supervising route controller retries.
 */
public class HiveMqttConsumer extends DefaultConsumer {

    /** The header a message's topic is in, named as camel-paho-mqtt5 names it. */
    public static final String TOPIC = "CamelMqttTopic";
    /** With manualAcknowledgement: the header holding the message's {@link Acknowledgement}, for the route to call. */
    public static final String ACKNOWLEDGEMENT = "CaravanMqttAcknowledgement";

    private static final Logger LOG = LoggerFactory.getLogger(HiveMqttConsumer.class);
    private static final String THREADS = HiveMqttComponent.SCHEME + "-consumer";

    private static final long RECONNECT_FIRST_MILLIS = 100;
    private static final long RECONNECT_MAX_MILLIS = 10_000;

    /** The most unacknowledged messages MQTT 5 allows: what the consumer asks of the broker when it counts them itself. */
    private static final int PROTOCOL_RECEIVE_MAXIMUM = 65_535;

    private final HiveMqttEndpoint endpoint;
    /** With manual acknowledgement: how many more QoS 1 and 2 messages the route may hold unacknowledged. */
    private Semaphore unacknowledged;
    private Mqtt5AsyncClient client;
    private volatile boolean subscribed;
    private Disposable messages;
    /**
     * When a message last arrived or was acknowledged (System.nanoTime): a hand-over waits until the broker, which may
     * send more only as earlier ones are acknowledged, has sent all it had.
     */
    private volatile long lastActivity;
    /** The route left a message unacknowledged for the broker to send again: the session must not end before. */
    private final AtomicBoolean abandoned = new AtomicBoolean();
    /** The consumer handed its share of a shared subscription over and holds nothing: stopping ends its session. */
    private volatile boolean handedOver;

    HiveMqttConsumer(HiveMqttEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        abandoned.set(false);
        handedOver = false;
        unacknowledged = new Semaphore(endpoint.getReceiveMaximum());
        // Netty's own kind of thread: its buffer pools and object recyclers keep their per-thread caches only there.
        client = clientFor(endpoint.broker(), new ThreadPerTaskExecutor(new DefaultThreadFactory(THREADS, true)))
                .buildAsync();
        // Every message, taken before connecting: a kept session's messages arrive right after the connect, before
        // any subscribe. Taking them holds the client's network thread until disposed.
        messages = client.toRx().publishes(MqttGlobalPublishFilter.ALL, endpoint.isManualAcknowledgement())
                .subscribe(this::received, error -> LOG.debug("Message flow of {} ended: {}", endpoint, error));
        try {
            Mqtt5ConnAck connected = client.connectWith().cleanStart(endpoint.getSessionExpiry() == 0)
                    .sessionExpiryInterval(endpoint.getSessionExpiry())
                    // With manual acknowledgement the consumer holds the broker back itself (see received): brokers
                    // that overshoot the receive maximum (Mosquitto 2.0.11 does, with a backlog, as acknowledgements
                    // come in) would make the client drop the connection, and the next would start the same way.
                    .restrictions().receiveMaximum(endpoint.isManualAcknowledgement() ? PROTOCOL_RECEIVE_MAXIMUM
                            : endpoint.getReceiveMaximum()).applyRestrictions()
                    .send()
                    .get(2 * endpoint.getConnectTimeout(), TimeUnit.MILLISECONDS); // the socket's, then MQTT's
            CompletableFuture<Mqtt5SubAck> subscribing = client.subscribeWith()
                    .topicFilter(endpoint.getTopicFilter())
                    .qos(MqttQos.fromCode(endpoint.getQos()))
                    .send();
            if (connected.isSessionPresent()) {
                // The broker sends the kept session's backlog at once: it may hold the network thread, and with it the
                // SUBACK, until routes that start after this one take it. Subscribing again renews the subscription,
                // or restores it where a hand-over or a failed start left the session without one.
                subscribing.whenComplete((subAck, failure) -> {
                    if (failure != null && isRunAllowed()) {
                        LOG.error("Could not subscribe again to {} on {}: only a subscription the broker kept for the "
                                + "session delivers; restart the route", endpoint.getTopicFilter(),
                                endpoint.getBrokerUrl(), failure);
                    }
                });
            } else {
                subscribing.get(endpoint.getConnectTimeout(), TimeUnit.MILLISECONDS);
            }
            subscribed = true;
            LOG.info("Subscribed to {} on {} (QoS {}{})", endpoint.getTopicFilter(), endpoint.getBrokerUrl(),
                    endpoint.getQos(), connected.isSessionPresent() ? ", the session the broker kept" : "");
        } catch (ExecutionException | TimeoutException e) {
            // Not disconnected here: Camel stops a consumer whose start failed, and only a stopping one lets a network
            // thread that waits for room go (see awaitRoomForOneMore).
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("could not subscribe to " + endpoint.getTopicFilter() + " on "
                    + endpoint.getBrokerUrl() + ": " + cause, cause);
        }
    }

    private Mqtt5ClientBuilder clientFor(URI broker, Executor networkThread) {
        String scheme = String.valueOf(broker.getScheme());
        boolean tls = scheme.equals("ssl") || scheme.equals("mqtts") || scheme.equals("wss");
        boolean webSocket = scheme.equals("ws") || scheme.equals("wss");
        int defaultPort = webSocket ? (tls ? 443 : 80) : (tls ? 8883 : 1883);
        Mqtt5ClientBuilder builder = MqttClient.builder().useMqttVersion5()
                .identifier(endpoint.getClientId() == null ? "" : endpoint.getClientId())
                .serverHost(broker.getHost())
                .serverPort(broker.getPort() == -1 ? defaultPort : broker.getPort())
                // A network thread of its own: a route that blocks it must not hold up another client's messages.
                .executorConfig().nettyExecutor(networkThread).nettyThreads(1)
                    // Callbacks run where they are called, on the network thread: on the client's default pool, it
                    // would read ahead of the route and drop QoS 0 messages past its receive maximum.
                    .applicationScheduler(Schedulers.from(Runnable::run))
                    .applyExecutorConfig()
                .transportConfig()
                    .socketConnectTimeout(endpoint.getConnectTimeout(), TimeUnit.MILLISECONDS)
                    .mqttConnectTimeout(endpoint.getConnectTimeout(), TimeUnit.MILLISECONDS)
                    .applyTransportConfig()
                .addDisconnectedListener(this::disconnected)
                .addConnectedListener(connected -> LOG.info("Connected to {} for {}", endpoint.getBrokerUrl(),
                        endpoint.getTopicFilter()));
        if (endpoint.getUserName() != null && !endpoint.getUserName().isBlank()) {
            builder = builder.simpleAuth().username(endpoint.getUserName())
                    .password(endpoint.getPassword().getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        }
        if (tls) {
            builder = endpoint.getTrustManagers() == null ? builder.sslWithDefaultConfig()
                    : builder.sslConfig().trustManagerFactory(endpoint.getTrustManagers()).applySslConfig();
        }
        if (webSocket) {
            String path = broker.getPath() == null ? "" : broker.getPath();
            builder = builder.webSocketConfig().serverPath(path).applyWebSocketConfig();
        }
        return builder;
    }

    /**
     * Reconnects, with back-off, a consumer that had subscribed; not one that is stopping, nor one that is starting:
     * a failed start is Camel's to retry, and a client that went on reconnecting would outlive it.
     */
    private void disconnected(MqttClientDisconnectedContext context) {
        if (!subscribed || context.getSource() == MqttDisconnectSource.USER || !isRunAllowed()) {
            return;
        }
        int attempts = context.getReconnector().getAttempts();
        if (attempts == 0) {
            LOG.warn("Lost {} ({}); reconnecting", endpoint.getBrokerUrl(), context.getCause().getMessage());
        }
        context.getReconnector().reconnect(true)
                .delay(Math.min(RECONNECT_FIRST_MILLIS << Math.min(attempts, 7), RECONNECT_MAX_MILLIS),
                        TimeUnit.MILLISECONDS);
    }

    /**
     * Never throws: a callback that throws would end the client's subscription. With manual acknowledgement, a QoS 1
     * or 2 message waits here, on the network thread, until the route holds fewer than {@code receiveMaximum}
     * unacknowledged: the client reads no more meanwhile, and TCP holds the broker back.
     */
    private void received(Mqtt5Publish publish) {
        lastActivity = System.nanoTime();
        Exchange exchange = createExchange(false);
        PublishAcknowledgement acknowledgement = null;
        try {
            exchange.getMessage().setHeader(TOPIC, publish.getTopic().toString());
            exchange.getMessage().setBody(publish.getPayloadAsBytes());
            if (endpoint.isManualAcknowledgement()) {
                if (publish.getQos() != MqttQos.AT_MOST_ONCE) {
                    awaitRoomForOneMore();
                }
                acknowledgement = new PublishAcknowledgement(publish, unacknowledged);
                exchange.getMessage().setHeader(ACKNOWLEDGEMENT, acknowledgement);
            }
            getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        }
        if (exchange.getException() != null) {
            if (acknowledgement != null) {
                acknowledgement.abandon(); // not acknowledged: the broker sends it again on the next connection
            }
            getExceptionHandler().handleException("Error processing a message from " + endpoint.getTopicFilter(),
                    exchange, exchange.getException());
        }
        releaseExchange(exchange, false);
    }

    /** Waits until the route holds fewer unacknowledged messages than it may; a stopping consumer waits no more. */
    private void awaitRoomForOneMore() throws InterruptedException {
        while (!unacknowledged.tryAcquire(100, TimeUnit.MILLISECONDS)) {
            if (!isRunAllowed()) {
                throw new IllegalStateException(endpoint.getTopicFilter() + " is stopping: the message is left to "
                        + "the broker, which sends it again");
            }
        }
    }

    /** Whether this consumer is a member of a shared subscription that acknowledges what its route has taken. */
    public boolean sharesSubscription() {
        return endpoint.getTopicFilter().startsWith("$share/") && endpoint.isManualAcknowledgement();
    }

    /**
     * Hands this member's share of a shared subscription over, while its route still runs (before it stops): it
     * unsubscribes, so the broker sends the other members what it would have sent it, and waits until the route has
     * acknowledged all it took and nothing more has come for {@code quiet} (what the broker had queued for the
     * session has arrived). The session then holds nothing, and stopping ends it, rather than leave the broker
     * queueing for a client that may never come back (a replaced pod). A consumer that cannot finish within
     * {@code timeout} keeps its session, for its restart to take up. True when it handed over.
     */
    public boolean handOver(Duration quiet, Duration timeout) throws InterruptedException {
        Mqtt5AsyncClient connected = client;
        if (!sharesSubscription() || connected == null || !subscribed) {
            return false;
        }
        try {
            connected.unsubscribeWith().topicFilter(endpoint.getTopicFilter()).send()
                    .get(endpoint.getConnectTimeout(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Could not leave {} ({}); the broker keeps the session", endpoint.getTopicFilter(), e.toString());
            return false;
        }
        lastActivity = System.nanoTime();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (unacknowledged.availablePermits() < endpoint.getReceiveMaximum()
                || System.nanoTime() - lastActivity < quiet.toNanos()) {
            if (System.nanoTime() > deadline) {
                LOG.warn("{}: messages still unacknowledged after {}; the broker keeps the session",
                        endpoint.getTopicFilter(), timeout);
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        handedOver = !abandoned.get();
        LOG.info("Left {}{}", endpoint.getTopicFilter(), handedOver ? " with everything it took stored; ending the "
                + "session" : "; a message is left for the broker to send again: keeping the session");
        return handedOver;
    }

    @Override
    protected void doStop() throws Exception {
        subscribed = false;
        disconnect();
        super.doStop();
    }

    /** Disconnects, if connected, and lets the network thread go; ends the session when it was handed over. */
    private void disconnect() throws InterruptedException {
        if (client != null) {
            try {
                (handedOver ? client.disconnectWith().sessionExpiryInterval(0).send() : client.disconnect())
                        .get(endpoint.getConnectTimeout(), TimeUnit.MILLISECONDS);
                messages.dispose();
            } catch (ExecutionException notConnected) {
                LOG.debug("Disconnecting from {}: {}", endpoint.getBrokerUrl(), notConnected.toString());
                messages.dispose();
            } catch (TimeoutException e) {
                // Still connected: the client acknowledges, unseen, a message that no flow takes, so the flow stays
                // until the connection closes.
                LOG.warn("Disconnecting from {} timed out; the client closes when its connection does",
                        endpoint.getBrokerUrl());
            }
            client = null;
        }
    }

    /** A message's acknowledgement, given once; its QoS 1 or 2 message then no longer counts as held. */
    private final class PublishAcknowledgement implements Acknowledgement {

        private final Mqtt5Publish publish;
        /** The semaphore of the start it was taken in: a restarted consumer counts afresh. */
        private final Semaphore unacknowledged;
        private final AtomicBoolean done = new AtomicBoolean();

        PublishAcknowledgement(Mqtt5Publish publish, Semaphore unacknowledged) {
            this.publish = publish;
            this.unacknowledged = unacknowledged;
        }

        @Override
        public void acknowledge() {
            if (done.compareAndSet(false, true)) {
                try {
                    publish.acknowledge();
                } catch (RejectedExecutionException connectionGone) {
                    // Its connection closed (a restarted consumer's first one): the broker sends it again, and the
                    // store keeps one copy. Failing here would fail a stored batch and retry it without end.
                    LOG.debug("Could not acknowledge a message from {}: {}", endpoint.getTopicFilter(), connectionGone.toString());
                }
                release();
            }
        }

        /** The route failed: no acknowledgement, and the message no longer counts as held. */
        void abandon() {
            if (done.compareAndSet(false, true)) {
                abandoned.set(true);
                release();
            }
        }

        private void release() {
            lastActivity = System.nanoTime();
            if (publish.getQos() != MqttQos.AT_MOST_ONCE) {
                unacknowledged.release();
            }
        }
    }
}
