package caravan.ssh;

import java.io.IOException;
import java.net.SocketAddress;
import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientSession.ClientSessionEvent;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import caravan.api.NotFoundException;
import caravan.edge.EdgeRegistry.SshLogin;
import caravan.edge.EdgeRegistry;
import caravan.edge.HostKeys;
import caravan.edge.SshHostKey;
import caravan.edge.SshKeys;
import caravan.secrets.SecretBox;

/**
 * Logs in to SSH edges with MINA SSHD, the library under camel-ssh. Not the camel-ssh component: its endpoints take
 * one key pair and one known_hosts resource each, while every edge here has its own key and pinned host key, and
 * it opens a new session per command. The edge must present exactly its pinned host key; nothing from
 * {@code ~/.ssh} of the hub's user is used.
 */
@Component
public class SshConnections implements HostKeys, DisposableBean {

    private static final AttributeKey<SshHostKey> PINNED = new AttributeKey<>();
    private static final AttributeKey<AtomicReference<SshHostKey>> PRESENTED = new AttributeKey<>();

    private final EdgeRegistry registry;
    private final SecretBox secrets;
    private final ObjectMapper mapper;
    private final SshProperties properties;
    private final SshClient client;
    private final Map<String, ReentrantLock> edgeLocks = new ConcurrentHashMap<>();

    public SshConnections(EdgeRegistry registry, SecretBox secrets, ObjectMapper mapper, SshProperties properties) {
        this.registry = registry;
        this.secrets = secrets;
        this.mapper = mapper;
        this.properties = properties;
        this.client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(SshConnections::isPinnedKey);
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.start();
    }

    /**
     * One edge's session, held alone: a deploy and a container operation on the same edge take turns. Fails with
     * {@link SshRefusedException} when the edge cannot be reached or is not the device it was commissioned as.
     */
    public SshSession open(String edgeId) {
        ReentrantLock lock = lockOf(edgeId);
        lock.lock();
        return loggedIn(edgeId, lock);
    }

    /** The edge's session if nothing else holds the edge within {@code wait}; empty while a deploy is under way. */
    public Optional<SshSession> openIfFree(String edgeId, Duration wait) throws InterruptedException {
        ReentrantLock lock = lockOf(edgeId);
        return lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS) ? Optional.of(loggedIn(edgeId, lock)) : Optional.empty();
    }

    private ReentrantLock lockOf(String edgeId) {
        return edgeLocks.computeIfAbsent(edgeId, id -> new ReentrantLock());
    }

    private SshSession loggedIn(String edgeId, ReentrantLock lock) {
        try {
            return new SshSession(edgeId, login(edgeId), lock::unlock);
        } catch (RuntimeException e) {
            lock.unlock();
            throw e;
        }
    }

    /**
     * The host key {@code address:port} presents. Nothing is trusted and no credential is sent: the key exchange is
     * ended as soon as the key is seen.
     */
    @Override
    public SshHostKey fetch(String address, int port) {
        AtomicReference<SshHostKey> presented = new AtomicReference<>();
        try (ClientSession session = client.connect("caravan-host-key-scan", address, port,
                AttributeRepository.ofAttributesMap(Map.of(PRESENTED, presented)), null)
                .verify(properties.connectTimeout()).getClientSession()) {
            session.waitFor(EnumSet.of(ClientSessionEvent.WAIT_AUTH, ClientSessionEvent.CLOSED), properties.connectTimeout());
        } catch (IOException | RuntimeException e) {
            if (presented.get() == null) {
                throw new IllegalStateException(address + ":" + port + " did not present an SSH host key: " + e.getMessage(), e);
            }
        }
        if (presented.get() == null) {
            throw new IllegalStateException(address + ":" + port + " did not present an SSH host key within "
                    + properties.connectTimeout());
        }
        return presented.get();
    }

    private ClientSession login(String edgeId) {
        SshLogin login = registry.sshLogin(edgeId)
                .orElseThrow(() -> new NotFoundException("edge " + edgeId + " is not commissioned for SSH"));
        if (!login.hostKeyVerified()) {
            throw new SshRefusedException("edge " + edgeId + " at " + login + " has an unconfirmed host key ("
                    + login.hostKey().fingerprint() + "): nothing is sent to it until an operator compares the "
                    + "fingerprint with the device's and confirms it (POST /api/edges/" + edgeId + "/host-key/confirm)",
                    false);
        }
        AtomicReference<SshHostKey> presented = new AtomicReference<>();
        ClientSession session = null;
        try {
            session = client.connect(login.user(), login.address(), login.port(),
                    AttributeRepository.ofAttributesMap(Map.of(PINNED, login.hostKey(), PRESENTED, presented)), null)
                    .verify(properties.connectTimeout()).getClientSession();
            JsonNode secret = mapper.readTree(secrets.decrypt(login.encryptedSecret(), edgeId));
            if ("key".equals(login.auth())) {
                session.addPublicKeyIdentity(SshKeys.parse(secret.path("privateKey").asText(), edgeId));
            } else {
                session.addPasswordIdentity(secret.path("password").asText());
            }
            session.auth().verify(properties.connectTimeout());
            return session;
        } catch (IOException | RuntimeException e) {
            closeQuietly(session);
            SshHostKey wrong = presented.get();
            if (wrong != null && !wrong.sameKey(login.hostKey())) {
                throw new SshRefusedException("edge " + edgeId + " at " + login + " presented host key "
                        + wrong.fingerprint() + " (" + wrong.type() + "), not the pinned " + login.hostKey().fingerprint()
                        + ": connection refused. If the device was reinstalled, commission it again with its new host key",
                        true);
            }
            throw new SshRefusedException("could not log in to edge " + edgeId + " at " + login + " over SSH: "
                    + e.getMessage(), false);
        }
    }

    /**
     * Accepts exactly the host key pinned at commissioning, remembering what was presented for the error message; a
     * host key fetch has nothing pinned and accepts nothing.
     */
    private static boolean isPinnedKey(ClientSession session, SocketAddress remote, PublicKey key) {
        AttributeRepository context = session.getConnectionContext();
        SshHostKey presented = SshHostKey.parse(PublicKeyEntry.toString(key));
        context.getAttribute(PRESENTED).set(presented);
        SshHostKey pinned = context.getAttribute(PINNED);
        return pinned != null && pinned.sameKey(presented);
    }

    private static void closeQuietly(ClientSession session) {
        if (session != null) {
            session.close(true);
        }
    }

    @Override
    public void destroy() throws IOException {
        client.stop();
    }
}
