package caravan.mqtt;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.auth.ModifiableDefaultPermissions;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded broker's door, an extension of its own: the hub's account may do anything; an edge logs in with its
 * credential (user name: its id) and may use only its own topics ({@link EdgeTopics}); anyone else is refused. An
 * edge whose credential is replaced or revoked is disconnected at once. Credentials are checked off the broker's
 * network threads, since that asks the database.
 */
final class EmbeddedBrokerSecurity implements ExtensionMain, BrokerAccounts {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBrokerSecurity.class);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);

    private final String hubUsername;
    private final byte[] hubPassword;
    private final Supplier<EdgeLogins> edgeLogins;
    private final EdgeTopics topics;
    /** Each edge's connected clients, to disconnect when its credential changes. */
    private final Map<String, Set<String>> clientsOfEdge = new ConcurrentHashMap<>();

    EmbeddedBrokerSecurity(String hubUsername, String hubPassword, Supplier<EdgeLogins> edgeLogins, EdgeTopics topics) {
        this.hubUsername = hubUsername;
        this.hubPassword = hubPassword.getBytes(StandardCharsets.UTF_8);
        this.edgeLogins = edgeLogins;
        this.topics = topics;
    }

    @Override
    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
        Services.securityRegistry().setAuthenticatorProvider(provider -> (SimpleAuthenticator) this::authenticate);
    }

    @Override
    public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
        // nothing held
    }

    private void authenticate(SimpleAuthInput input, SimpleAuthOutput output) {
        ConnectPacket connect = input.getConnectPacket();
        Optional<String> username = connect.getUserName();
        Optional<ByteBuffer> password = connect.getPassword();
        if (username.isEmpty() || password.isEmpty()) {
            output.failAuthentication(ConnackReasonCode.NOT_AUTHORIZED,
                    "anonymous clients are refused: log in with the edge's credential");
            return;
        }
        byte[] secret = new byte[password.get().remaining()];
        password.get().duplicate().get(secret);
        if (username.get().equals(hubUsername)) {
            if (MessageDigest.isEqual(secret, hubPassword)) {
                output.getDefaultPermissions().setDefaultBehaviour(DefaultAuthorizationBehaviour.ALLOW);
                output.authenticateSuccessfully();
            } else {
                output.failAuthentication(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "wrong password");
            }
            return;
        }
        String edgeId = username.get();
        Async<SimpleAuthOutput> async = output.async(CHECK_TIMEOUT, TimeoutFallback.FAILURE);
        Services.extensionExecutorService().submit(() -> {
            try {
                if (edgeLogins.get().verify(edgeId, new String(secret, StandardCharsets.UTF_8))) {
                    allowOwnTopics(edgeId, output.getDefaultPermissions());
                    clientsOfEdge.computeIfAbsent(edgeId, edge -> ConcurrentHashMap.newKeySet())
                            .add(connect.getClientId());
                    output.authenticateSuccessfully();
                } else {
                    output.failAuthentication(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD,
                            "not a valid credential of edge " + edgeId);
                }
            } catch (RuntimeException e) {
                LOG.warn("Could not check the credential of edge {}: {}", edgeId, e.getMessage());
                output.failAuthentication(ConnackReasonCode.SERVER_UNAVAILABLE, "credentials cannot be checked now");
            } finally {
                async.resume();
            }
        });
    }

    private void allowOwnTopics(String edgeId, ModifiableDefaultPermissions permissions) {
        topics.publishable(edgeId).forEach(topic -> permissions.add(permission(topic, TopicPermission.MqttActivity.PUBLISH)));
        topics.subscribable(edgeId).forEach(topic -> permissions.add(permission(topic, TopicPermission.MqttActivity.SUBSCRIBE)));
        permissions.setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
    }

    private static TopicPermission permission(String topic, TopicPermission.MqttActivity activity) {
        return Builders.topicPermission().topicFilter(topic).activity(activity)
                .type(TopicPermission.PermissionType.ALLOW).build();
    }

    @Override
    public void issued(String edgeId, String password) {
        revoked(edgeId); // a client still logged in with the earlier credential goes
    }

    @Override
    public void revoked(String edgeId) {
        Set<String> clients = clientsOfEdge.remove(edgeId);
        if (clients != null) {
            clients.forEach(clientId -> Services.clientService().disconnectClient(clientId));
        }
    }
}
