package caravan.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spring.boot.CamelAutoConfiguration;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.testing.MosquittoProcess;
import caravan.testing.Services;

/**
 * The {@code hivemq-mqtt5} consumer against real Mosquitto brokers, in a Camel context of its own: a route that is
 * held up holds the client back, so every QoS 0 message arrives, in order, once it goes on (a client that read ahead
 * of the route would drop them); a consumer whose broker restarted, forgetting its subscription, reconnects and
 * subscribes again; one with a kept session gets what was published while it was stopped; and one that
 * acknowledges manually gets again, on its next connection, what it did not acknowledge, never holds more than its
 * receive maximum unacknowledged, and starts though its kept session's backlog fills that maximum before anything
 * acknowledges.
 */
@CamelSpringBootTest
@SpringBootTest(classes = HiveMqttConsumerIT.Subscribers.class,
        properties = {"camel.main.routes-include-pattern=classpath:no-yaml-routes/*.camel.yaml",
                "camel.routecontroller.enabled=false"})
class HiveMqttConsumerIT {

    static final String RUN = "it-" + UUID.randomUUID().toString().substring(0, 8);
    static final String HELD = RUN + "/held";
    static final String RESTARTED = RUN + "/restarted";
    static final String KEPT = RUN + "/kept";
    static final String MANUAL = RUN + "/manual";
    static final String BOUNDED = RUN + "/bounded";
    static final String BACKLOG = RUN + "/backlog";
    static final int MESSAGES = 20_000;
    /** Large enough that the messages do not all fit in the sockets' buffers: the broker holds the rest. */
    static final int PAYLOAD_BYTES = 1_000;

    static MosquittoProcess restartedBroker;
    static final CountDownLatch heldUntil = new CountDownLatch(1);
    static final List<Integer> heldReceived = new CopyOnWriteArrayList<>();
    static final List<String> restartedReceived = new CopyOnWriteArrayList<>();
    static final List<String> keptReceived = new CopyOnWriteArrayList<>();
    static final List<String> manualReceived = new CopyOnWriteArrayList<>();
    static final List<Acknowledgement> boundedHeld = new CopyOnWriteArrayList<>();
    static final List<Acknowledgement> backlogHeld = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startBroker() throws Exception {
        Services.prepareBroker();
        restartedBroker = MosquittoProcess.start(Services.tempDir("caravan-hivemq-consumer-it"));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        heldUntil.countDown();
        restartedBroker.close();
    }

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        registry.add("it.broker", Services::mqttUrl); // the test services' Mosquitto: it queues 100,000 per client
        registry.add("it.restarted-broker", () -> restartedBroker.url());
        registry.add("it.login", () -> login(Services.mqttUser(), Services.mqttPassword()));
        registry.add("it.restarted-login", () -> login(restartedBroker.hubUser(), restartedBroker.hubPassword()));
    }

    @Autowired
    CamelContext camel;

    private static String login(String user, String password) {
        return "&userName=" + user + "&password=RAW(" + password + ")";
    }

    @Test
    void aRouteThatIsHeldUpHoldsTheClientBack_andEveryQos0MessageArrivesInOrderWhenItGoesOn() throws Exception {
        try (Publisher publisher = Publisher.onSuiteBroker()) {
            byte[] padding = new byte[PAYLOAD_BYTES];
            Arrays.fill(padding, (byte) ' ');
            for (int i = 0; i < MESSAGES; i++) {
                byte[] payload = Arrays.copyOf(padding, PAYLOAD_BYTES);
                byte[] number = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(number, 0, payload, 0, number.length);
                publisher.send(HELD, MqttQos.AT_MOST_ONCE, payload);
            }
            publisher.send(RUN + "/unsubscribed", MqttQos.AT_LEAST_ONCE, new byte[0]); // the broker has had them all
        }
        assertThat(heldReceived).as("the route holds the first message until it goes on").hasSizeLessThanOrEqualTo(1);

        heldUntil.countDown();

        await().atMost(Duration.ofSeconds(60)).until(() -> heldReceived.size() >= MESSAGES);
        assertThat(heldReceived).hasSize(MESSAGES);
        for (int i = 0; i < MESSAGES; i++) {
            assertThat(heldReceived.get(i)).as("message %d", i).isEqualTo(i);
        }
    }

    @Test
    void aConsumerWhoseBrokerRestartedSubscribesAgain() throws Exception {
        try (Publisher publisher = Publisher.onRestartedBroker()) {
            publisher.send(RESTARTED, MqttQos.AT_LEAST_ONCE, "before".getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> restartedReceived.contains("before"));

        restartedBroker.stop();
        restartedBroker.start(); // a broker that forgot every session

        // Until the consumer has reconnected and subscribed, the broker has no one to send to: publish until it has.
        try (Publisher publisher = Publisher.onRestartedBroker()) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                publisher.send(RESTARTED, MqttQos.AT_LEAST_ONCE, "after".getBytes(StandardCharsets.UTF_8));
                return restartedReceived.contains("after");
            });
        }
        assertThat(camel.getRouteController().getRouteStatus("restarted-subscriber").isStarted()).isTrue();
    }

    @Test
    void withAClientIdAndSessionExpiry_whatIsPublishedWhileTheConsumerIsStoppedArrivesWhenItStartsAgain()
            throws Exception {
        long clientThreads = clientThreads();
        camel.getRouteController().stopRoute("kept-subscriber");
        try (Publisher publisher = Publisher.onSuiteBroker()) {
            publisher.send(KEPT, MqttQos.AT_LEAST_ONCE, "while-stopped".getBytes(StandardCharsets.UTF_8));
        }
        camel.getRouteController().startRoute("kept-subscriber");

        await().atMost(Duration.ofSeconds(20)).until(() -> keptReceived.contains("while-stopped"));
        await().atMost(Duration.ofSeconds(10)).until(HiveMqttConsumerIT::clientThreads,
                threads -> threads == clientThreads); // the stopped client's network thread is gone
    }

    @Test
    void withManualAcknowledgement_whatTheRouteDidNotAcknowledgeComesAgainOnTheNextConnection() throws Exception {
        try (Publisher publisher = Publisher.onSuiteBroker()) {
            publisher.send(MANUAL, MqttQos.AT_LEAST_ONCE, "acknowledged".getBytes(StandardCharsets.UTF_8));
            publisher.send(MANUAL, MqttQos.AT_LEAST_ONCE, "unacknowledged".getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> manualReceived.contains("unacknowledged"));

        camel.getRouteController().stopRoute("manual-subscriber");
        camel.getRouteController().startRoute("manual-subscriber");

        // The broker sends what is unacknowledged again, in order, first thing on the new connection.
        await().atMost(Duration.ofSeconds(20)).until(() -> manualReceived.stream()
                .filter("unacknowledged"::equals).count() == 2);
        assertThat(manualReceived).containsExactly("acknowledged", "unacknowledged", "unacknowledged");
    }

    @Test
    void withManualAcknowledgement_theRouteNeverHoldsMoreThanReceiveMaximumUnacknowledged() throws Exception {
        try (Publisher publisher = Publisher.onSuiteBroker()) {
            for (int i = 0; i < 10; i++) {
                publisher.send(BOUNDED, MqttQos.AT_LEAST_ONCE, ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> boundedHeld.size() == 3);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> boundedHeld.size() == 3);

        List.copyOf(boundedHeld).forEach(Acknowledgement::acknowledge);

        await().atMost(Duration.ofSeconds(20)).until(() -> boundedHeld.size() == 6);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> boundedHeld.size() == 6);
        List.copyOf(boundedHeld).forEach(Acknowledgement::acknowledge); // the first three again: no more room
        await().atMost(Duration.ofSeconds(20)).until(() -> boundedHeld.size() == 9);
        List.copyOf(boundedHeld).forEach(Acknowledgement::acknowledge);
        await().atMost(Duration.ofSeconds(20)).until(() -> boundedHeld.size() == 10);
        boundedHeld.forEach(Acknowledgement::acknowledge);
    }

    @Test
    void withAKeptSession_aBacklogBeyondReceiveMaximumThatNothingTakesYetDoesNotHoldUpTheStart() throws Exception {
        camel.getRouteController().stopRoute("backlog-subscriber");
        try (Publisher publisher = Publisher.onSuiteBroker()) {
            for (int i = 0; i < 10; i++) {
                publisher.send(BACKLOG, MqttQos.AT_LEAST_ONCE, ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
        }

        // Nothing is acknowledged while the route starts, as when what stores the messages starts after it.
        camel.getRouteController().startRoute("backlog-subscriber");
        await().atMost(Duration.ofSeconds(20)).until(() -> backlogHeld.size() == 3);

        await().atMost(Duration.ofSeconds(20)).until(() -> {
            List.copyOf(backlogHeld).forEach(Acknowledgement::acknowledge);
            return backlogHeld.size() == 10;
        });
        try (Publisher publisher = Publisher.onSuiteBroker()) {
            publisher.send(BACKLOG, MqttQos.AT_LEAST_ONCE, "after".getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> backlogHeld.size() == 11);
        backlogHeld.forEach(Acknowledgement::acknowledge);
    }

    @Test
    void aConsumerWhoseBrokerDoesNotAnswerFailsToStart_namingTheBroker_andLeavesNoClientBehind() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String brokerUrl = "tcp://127.0.0.1:" + closedPort;
        long clientThreads = clientThreads();
        Consumer consumer = camel.getEndpoint("hivemq-mqtt5:" + RUN + "/unanswered?brokerUrl=" + brokerUrl
                + "&connectTimeout=2000").createConsumer(exchange -> { });

        assertThatThrownBy(consumer::start).hasMessageContaining(brokerUrl);

        // Camel's route controller starts it again later: this attempt's client must not go on reconnecting.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(HiveMqttConsumerIT::clientThreads, threads -> threads == clientThreads);
    }

    private static long clientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith(HiveMqttComponent.SCHEME)).count();
    }

    @Test
    void aBrokerUrlOfAnotherSchemeIsRefusedBeforeStarting_namingIt() {
        assertThatThrownBy(() -> camel.getEndpoint("hivemq-mqtt5:" + RUN + "/http?brokerUrl=http://127.0.0.1:1883")
                .createConsumer(exchange -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http://127.0.0.1:1883")
                .hasMessageContaining("tcp://");
    }

    @Test
    void aSessionExpiryWithoutAClientIdIsRefused_namingWhatIsMissing() {
        assertThatThrownBy(() -> camel.getEndpoint("hivemq-mqtt5:" + RUN + "/nameless?brokerUrl=tcp://127.0.0.1:1"
                + "&sessionExpiry=60").createConsumer(exchange -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a sessionExpiry needs a clientId");
    }

    /** Publishes with a client of its own, on the broker's default (shared) Netty threads. */
    static final class Publisher implements AutoCloseable {

        private final Mqtt5BlockingClient client;

        static Publisher onSuiteBroker() {
            return new Publisher(Services.mqttUrl(), Services.mqttUser(), Services.mqttPassword());
        }

        static Publisher onRestartedBroker() {
            return new Publisher(restartedBroker.url(), restartedBroker.hubUser(), restartedBroker.hubPassword());
        }

        Publisher(String brokerUrl, String user, String password) {
            URI broker = URI.create(brokerUrl);
            client = MqttClient.builder().useMqttVersion5().serverHost(broker.getHost()).serverPort(broker.getPort())
                    .simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                    .buildBlocking();
            client.connect();
        }

        void send(String topic, MqttQos qos, byte[] payload) {
            client.publishWith().topic(topic).qos(qos).payload(payload).send();
        }

        @Override
        public void close() {
            client.disconnect();
        }
    }

    @Configuration
    @ImportAutoConfiguration(CamelAutoConfiguration.class)
    @Import(HiveMqttComponent.class)
    static class Subscribers {

        @Bean
        RouteBuilder subscribers() {
            return new RouteBuilder() {
                @Override
                public void configure() {
                    from("hivemq-mqtt5:" + HELD + "?brokerUrl={{it.broker}}{{it.login}}&qos=0").routeId("held-subscriber")
                            .process(exchange -> {
                                heldUntil.await(2, TimeUnit.MINUTES);
                                String payload = exchange.getMessage().getBody(String.class);
                                heldReceived.add(Integer.parseInt(payload.strip()));
                            });
                    from("hivemq-mqtt5:" + RESTARTED + "?brokerUrl={{it.restarted-broker}}{{it.restarted-login}}&qos=1")
                            .routeId("restarted-subscriber")
                            .process(exchange -> restartedReceived.add(exchange.getMessage().getBody(String.class)));
                    from("hivemq-mqtt5:" + KEPT + "?brokerUrl={{it.broker}}{{it.login}}&qos=1&clientId=" + RUN + "-kept"
                            + "&sessionExpiry=60").routeId("kept-subscriber")
                            .process(exchange -> keptReceived.add(exchange.getMessage().getBody(String.class)));
                    from("hivemq-mqtt5:" + BOUNDED + "?brokerUrl={{it.broker}}{{it.login}}&qos=1&manualAcknowledgement=true"
                            + "&receiveMaximum=3").routeId("bounded-subscriber")
                            .process(exchange -> boundedHeld.add(exchange.getMessage().getHeader(
                                    HiveMqttConsumer.ACKNOWLEDGEMENT, Acknowledgement.class)));
                    from("hivemq-mqtt5:" + BACKLOG + "?brokerUrl={{it.broker}}{{it.login}}&qos=1&clientId=" + RUN
                            + "-backlog&sessionExpiry=60&manualAcknowledgement=true&receiveMaximum=3&connectTimeout=3000")
                            .routeId("backlog-subscriber")
                            .process(exchange -> backlogHeld.add(exchange.getMessage().getHeader(
                                    HiveMqttConsumer.ACKNOWLEDGEMENT, Acknowledgement.class)));
                    from("hivemq-mqtt5:" + MANUAL + "?brokerUrl={{it.broker}}{{it.login}}&qos=1&clientId=" + RUN + "-manual"
                            + "&sessionExpiry=60&manualAcknowledgement=true").routeId("manual-subscriber")
                            .process(exchange -> {
                                String payload = exchange.getMessage().getBody(String.class);
                                manualReceived.add(payload);
                                if (payload.equals("acknowledged")) {
                                    exchange.getMessage().getHeader(HiveMqttConsumer.ACKNOWLEDGEMENT,
                                            Acknowledgement.class).acknowledge();
                                }
                            });
                }
            };
        }
    }
}
