package caravan.mqtt;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import caravan.deploy.TrustedCa;

/**
 * Edges' accounts and ACLs on a Mosquitto with its dynamic security plugin, kept by the hub over the plugin's control
 * topic as credentials are issued and revoked: no ACL file, no broker restart. Hand-written because no Java client
 * for that control API exists; it is a few JSON commands. At start the hub gives its own account (the one
 * {@code mosquitto_ctrl dynsec init} made) the rights it needs and closes the broker's defaults to everyone else.
 */
public final class MosquittoDynamicSecurity implements BrokerAccounts {

    private static final Logger LOG = LoggerFactory.getLogger(MosquittoDynamicSecurity.class);
    private static final String CONTROL = "$CONTROL/dynamic-security/v1";
    /** Answers that mean the thing asked for is already as wanted. */
    private static final Set<String> ALREADY = Set.of("Role already exists", "Client not found", "Role not found",
            "ACL with this topic already exists");
    private static final long TIMEOUT_SECONDS = 10;

    private final String brokerUrl;
    private final String username;
    private final String password;
    private final EdgeTopics topics;
    private final Path ca;
    private final ObjectMapper json = new ObjectMapper();

    /** @param ca the CA the broker's certificate must be signed by, for an {@code ssl://} URL; null: public roots */
    public MosquittoDynamicSecurity(String brokerUrl, String username, String password, EdgeTopics topics, Path ca) {
        this.ca = ca;
        this.brokerUrl = brokerUrl;
        this.username = username;
        this.password = password;
        this.topics = topics;
    }

    /**
     * The hub's own rights, added to its account's role, and nothing for anyone else by default; only what is
     * missing is changed, since the plugin drops the connections of every client a change concerns (the hub's own,
     * this one included: its answer may be lost, so what is missing is looked at again).
     */
    public void prepare() {
        for (int attempt = 1; ; attempt++) {
            List<ObjectNode> missing = missingRights();
            if (missing.isEmpty()) {
                LOG.info("MQTT: {} manages edges' accounts with Mosquitto's dynamic security", username);
                return;
            }
            try {
                send(missing);
            } catch (IllegalStateException dropped) {
                if (attempt == 3) {
                    throw dropped;
                }
            }
        }
    }

    private List<ObjectNode> missingRights() {
        JsonNode roles = send(List.of(command("getClient").put("username", username))).get(0)
                .path("data").path("client").path("roles");
        if (!roles.isArray() || roles.isEmpty()) {
            throw new IllegalStateException("the hub's account " + username + " on " + brokerUrl + " has no role: make "
                    + "it the broker's first account, with mosquitto_ctrl dynsec init");
        }
        String hubRole = roles.get(0).path("rolename").asText();
        List<JsonNode> answers = send(List.of(command("getRole").put("rolename", hubRole),
                command("getDefaultACLAccess")));
        Set<String> granted = new HashSet<>();
        answers.get(0).path("data").path("role").path("acls").forEach(acl -> granted.add(
                acl.path("acltype").asText() + " " + acl.path("topic").asText() + " " + acl.path("allow").asBoolean()));
        List<ObjectNode> missing = new ArrayList<>();
        for (String acl : List.of("publishClientSend", "publishClientReceive", "subscribePattern", "unsubscribePattern")) {
            for (String topic : List.of("#", "$share/#")) {
                if (!granted.contains(acl + " " + topic + " true")) {
                    missing.add(acl(hubRole, acl, topic));
                }
            }
        }
        Map<String, Boolean> defaults = Map.of("publishClientSend", false, "publishClientReceive", true,
                "subscribe", false, "unsubscribe", true);
        Map<String, Boolean> current = new HashMap<>();
        answers.get(1).path("data").path("acls").forEach(acl -> current.put(acl.path("acltype").asText(),
                acl.path("allow").asBoolean()));
        if (!current.equals(defaults)) {
            ObjectNode setDefaults = command("setDefaultACLAccess");
            ArrayNode acls = setDefaults.putArray("acls");
            defaults.forEach((type, allow) -> acls.addObject().put("acltype", type).put("allow", allow));
            missing.add(setDefaults);
        }
        return missing;
    }

    @Override
    public void issued(String edgeId, String edgePassword) {
        String role = role(edgeId);
        List<ObjectNode> commands = new ArrayList<>();
        commands.add(command("deleteClient").put("username", edgeId)); // disconnects it, if logged in
        commands.add(command("deleteRole").put("rolename", role));
        commands.add(command("createRole").put("rolename", role));
        topics.publishable(edgeId).forEach(topic -> commands.add(acl(role, "publishClientSend", topic)));
        topics.subscribable(edgeId).forEach(topic -> commands.add(acl(role, "subscribeLiteral", topic)));
        ObjectNode client = command("createClient").put("username", edgeId).put("password", edgePassword);
        client.putArray("roles").addObject().put("rolename", role);
        commands.add(client);
        send(commands);
    }

    @Override
    public void revoked(String edgeId) {
        send(List.of(command("deleteClient").put("username", edgeId), command("deleteRole").put("rolename", role(edgeId))));
    }

    private static String role(String edgeId) {
        return "edge-" + edgeId;
    }

    private ObjectNode command(String name) {
        return json.createObjectNode().put("command", name);
    }

    private ObjectNode acl(String role, String type, String topic) {
        return command("addRoleACL").put("rolename", role).put("acltype", type).put("topic", topic).put("allow", true);
    }

    /** Sends the commands in one message and returns their answers; fails naming every command that failed. */
    private List<JsonNode> send(List<ObjectNode> commands) {
        // Each command carries the correlation, and its answer echoes it: every administrator gets every answer.
        String correlation = UUID.randomUUID().toString();
        commands.forEach(command -> command.put("correlationData", correlation));
        ObjectNode message = json.createObjectNode();
        message.putArray("commands").addAll(commands);
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        MqttClient client = null;
        try {
            client = new MqttClient(brokerUrl, "caravan-dynsec-" + correlation, new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setUserName(username);
            options.setPassword(password.getBytes(StandardCharsets.UTF_8));
            options.setConnectionTimeout((int) TIMEOUT_SECONDS);
            if (ca != null) {
                options.setSocketFactory(TrustedCa.sslContext(ca).getSocketFactory());
            }
            client.connect(options);
            client.subscribe(new MqttSubscription[] {new MqttSubscription(CONTROL + "/response", 1)},
                    new IMqttMessageListener[] {(topic, response) -> {
                        JsonNode answered = json.readTree(response.getPayload());
                        if (correlation.equals(answered.path("responses").path(0).path("correlationData").asText())) {
                            answer.complete(answered);
                        }
                    }});
            MqttMessage request = new MqttMessage(message.toString().getBytes(StandardCharsets.UTF_8));
            request.setQos(1);
            client.publish(CONTROL, request);
            List<String> failures = new ArrayList<>();
            List<JsonNode> responses = new ArrayList<>();
            for (JsonNode response : answer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).path("responses")) {
                responses.add(response);
                String error = response.path("error").asText("");
                if (!error.isEmpty() && !ALREADY.contains(error)) {
                    failures.add(response.path("command").asText() + ": " + error);
                }
            }
            if (!failures.isEmpty()) {
                throw new IllegalStateException("the broker's dynamic security refused " + failures);
            }
            return responses;
        } catch (MqttException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the broker's dynamic security at " + brokerUrl + " did not answer as "
                    + username + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the broker's dynamic security", e);
        } finally {
            close(client);
        }
    }

    private static void close(MqttClient client) {
        if (client == null) {
            return;
        }
        try {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        } catch (MqttException e) {
            LOG.debug("Closing the dynamic security client: {}", e.getMessage());
        }
    }
}
