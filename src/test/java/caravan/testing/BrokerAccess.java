package caravan.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.springframework.boot.test.web.client.TestRestTemplate;

/**
 * What every broker the hub uses must enforce, checked the same way on each: no anonymous clients; an edge logs in
 * with the credential the hub issued it and may publish only its trajectories and events and read only its own
 * commands; a revoked edge is dropped and let in no more.
 */
public final class BrokerAccess {

    /** MQTT 5's reason code for what the client may not do. */
    private static final int NOT_AUTHORIZED = 0x87;

    private BrokerAccess() {
    }

    public static void assertEnforced(TestRestTemplate http, String brokerUrl, MqttConnectionOptions hubLogin)
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String edgeA = "access-a-" + run;
        String edgeB = "access-b-" + run;
        String passwordA = issue(http, edgeA);
        issue(http, edgeB);

        MqttClient anonymous = client(brokerUrl, "anonymous-" + run);
        assertThatThrownBy(() -> anonymous.connect(new MqttConnectionOptions())).isInstanceOf(MqttException.class);
        MqttClient wrongPassword = client(brokerUrl, "wrong-" + run);
        assertThatThrownBy(() -> wrongPassword.connect(login(edgeA, passwordA + "x"))).isInstanceOf(MqttException.class);

        List<String> seen = new CopyOnWriteArrayList<>();
        MqttClient hub = client(brokerUrl, "hub-" + run);
        hub.connect(hubLogin);
        MqttClient a = client(brokerUrl, "edge-" + edgeA);
        try {
            hub.subscribe(new MqttSubscription[] {new MqttSubscription("hyperspace/trajectories/+", 1),
                            new MqttSubscription("caravan/edges/+/events", 1)},
                    new IMqttMessageListener[] {(topic, message) -> seen.add(topic), (topic, message) -> seen.add(topic)});
            a.connect(login(edgeA, passwordA));

            // Forged for B, then A's own: the hub's one subscription gets them in order, so once A's own is in, B's
            // would have been too.
            tryPublish(a, "hyperspace/trajectories/" + edgeB);
            tryPublish(a, "caravan/edges/" + edgeB + "/events");
            MqttClient own = a.isConnected() ? a : connected(brokerUrl, "edge-again-" + edgeA, login(edgeA, passwordA));
            own.publish("hyperspace/trajectories/" + edgeA, message());
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("hyperspace/trajectories/" + edgeA));
            assertThat(seen).doesNotContain("hyperspace/trajectories/" + edgeB, "caravan/edges/" + edgeB + "/events");

            assertThat(reasonCode(own.subscribe(new MqttSubscription[] {
                    new MqttSubscription("caravan/edges/" + edgeB + "/commands", 1)},
                    new IMqttMessageListener[] {(topic, message) -> { }}))).isEqualTo(NOT_AUTHORIZED);
            assertThat(reasonCode(own.subscribe(new MqttSubscription[] {new MqttSubscription("#", 1)},
                    new IMqttMessageListener[] {(topic, message) -> { }}))).isEqualTo(NOT_AUTHORIZED);
            assertThat(reasonCode(own.subscribe(new MqttSubscription[] {
                    new MqttSubscription("caravan/edges/" + edgeA + "/commands", 1)},
                    new IMqttMessageListener[] {(topic, message) -> { }}))).isEqualTo(1);

            // Revoked: dropped at once, and its credential no longer opens the door.
            http.delete("/api/edges/" + edgeA + "/credentials");
            await().atMost(Duration.ofSeconds(10)).until(() -> !own.isConnected());
            MqttClient again = client(brokerUrl, "revoked-" + edgeA);
            assertThatThrownBy(() -> again.connect(login(edgeA, passwordA))).isInstanceOf(MqttException.class);
            if (own != a) {
                own.close();
            }
        } finally {
            disconnect(a);
            disconnect(hub);
            http.delete("/api/edges/" + edgeB + "/credentials");
            Services.forgetEdges(edgeA);
            Services.forgetEdges(edgeB);
        }
    }

    /** Registers the edge and issues its credential, as an admin commissioning it does; returns the password. */
    private static String issue(TestRestTemplate http, String edgeId) {
        HubClient.putJson(http, "/api/edges/" + edgeId, "{\"name\": \"" + edgeId + "\"}");
        JsonNode issued = HubClient.postJson(http, "/api/edges/" + edgeId + "/credentials", "").getBody();
        assertThat(issued.get("username").asText()).isEqualTo(edgeId);
        return issued.get("password").asText();
    }

    public static MqttConnectionOptions login(String username, String password) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(username);
        options.setPassword(password.getBytes(StandardCharsets.UTF_8));
        return options;
    }

    private static void tryPublish(MqttClient client, String topic) {
        try {
            client.publish(topic, message());
        } catch (MqttException refused) {
            // a broker may refuse it outright or drop the client for it; either way it must not arrive
        }
    }

    private static int reasonCode(IMqttToken token) {
        return token.getReasonCodes()[0];
    }

    private static MqttMessage message() {
        MqttMessage message = new MqttMessage("{\"forged\": true}".getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        return message;
    }

    private static MqttClient client(String brokerUrl, String clientId) throws MqttException {
        return new MqttClient(brokerUrl, clientId, new MemoryPersistence());
    }

    private static MqttClient connected(String brokerUrl, String clientId, MqttConnectionOptions login)
            throws MqttException {
        MqttClient client = client(brokerUrl, clientId);
        client.connect(login);
        return client;
    }

    private static void disconnect(MqttClient client) throws MqttException {
        if (client.isConnected()) {
            client.disconnect();
        }
        client.close();
    }
}
