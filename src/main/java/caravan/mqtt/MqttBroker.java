package caravan.mqtt;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.ExtensionMain;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.stereotype.Component;

/**
 * Decides which MQTT broker the hub uses and says so in the log: the configured external broker, or an embedded
 * HiveMQ CE (MQTT 5). The embedded broker starts here, before Camel starts any MQTT route. When its preferred port
 * is held by another process (say a local Mosquitto), it listens on a free port instead of failing the hub.
 * The chosen URL is published as the property {@value #URL_PROPERTY}, which MQTT endpoints in routes name as
 * {@code brokerUrl: "{{caravan.mqtt.url}}"}; routes are built after every singleton, this one included, exists.
 * It also names the hub's own account on that broker (the embedded one makes it at each start) and what keeps the
 * edges' accounts there ({@link #accounts()}): the embedded broker's own door, or Mosquitto's dynamic security.
 */
@Component
public class MqttBroker {

    private static final Logger LOG = LoggerFactory.getLogger(MqttBroker.class);
    public static final String URL_PROPERTY = "caravan.mqtt.url";

    /** The hub's account on the embedded broker. */
    static final String EMBEDDED_HUB_USERNAME = "caravan-hub";
    /** The hub's own certificate (spring.ssl.bundle.pem.caravan): its HTTPS, and the embedded TLS listener. */
    static final String HUB_BUNDLE = "caravan";

    private final Path ca;
    private final String url;
    private final EmbeddedHiveMQ embedded;
    private final String username;
    private final String password;
    private final BrokerAccounts accounts;

    public MqttBroker(MqttProperties properties, ConfigurableEnvironment environment, EdgeTopics topics,
            ObjectProvider<EdgeLogins> edgeLogins, SslBundles sslBundles) throws InterruptedException {
        this.ca = properties.ca();
        if (properties.external()) {
            this.url = properties.brokerUrl();
            this.embedded = null;
            this.username = properties.username();
            this.password = properties.password();
            LOG.info("MQTT: using the external broker at {} (caravan.mqtt.broker-url)", url);
            if (properties.dynamicSecurity()) {
                MosquittoDynamicSecurity dynamicSecurity = new MosquittoDynamicSecurity(url, username, password, topics,
                        ca);
                dynamicSecurity.prepare();
                this.accounts = dynamicSecurity;
            } else {
                this.accounts = NO_ACCOUNTS;
                LOG.warn("MQTT: the broker at {} is not told of the edges' credentials (caravan.mqtt.dynamic-security "
                        + "is off): it must check them itself, or it lets anyone in", url);
            }
        } else {
            MqttProperties.Embedded config = properties.embedded();
            int port = listenPort(config);
            this.username = EMBEDDED_HUB_USERNAME;
            this.password = randomPassword();
            EmbeddedBrokerSecurity security = new EmbeddedBrokerSecurity(username, password, edgeLogins::getObject,
                    topics);
            this.accounts = security;
            this.embedded = start(config, port, security, config.tlsPort() > 0 ? sslBundles.getBundle(HUB_BUNDLE) : null);
            this.url = "tcp://" + ("0.0.0.0".equals(config.bindAddress()) ? "127.0.0.1" : config.bindAddress()) + ":" + port;
            LOG.info("MQTT: using the embedded MQTT 5 broker at {} (listening on {}:{})", url, config.bindAddress(), port);
        }
        environment.getPropertySources().addFirst(new MapPropertySource("caravan-mqtt-broker", Map.of(URL_PROPERTY, url)));
    }

    /** The configured port, or a free one (said plainly in the log) when another process holds it. */
    private static int listenPort(MqttProperties.Embedded config) {
        int port = config.port();
        if (portFree(config.bindAddress(), port)) {
            return port;
        }
        int fallback = freePort(config.bindAddress());
        LOG.warn("MQTT: port {} on {} is held by another process; the embedded broker listens on port {} instead. "
                + "To use the broker on port {}, set CARAVAN_MQTT_BROKER_URL=tcp://{}:{}",
                port, config.bindAddress(), fallback, port, config.bindAddress(), port);
        return fallback;
    }

    /** For a broker that checks edges' credentials itself, if at all: nothing to tell it. */
    private static final BrokerAccounts NO_ACCOUNTS = new BrokerAccounts() {
        @Override
        public void issued(String edgeId, String password) {
        }

        @Override
        public void revoked(String edgeId) {
        }
    };

    /** The URL Camel's MQTT endpoints connect to. */
    public String url() {
        return url;
    }

    /** The hub's account on the broker; empty for a broker that takes anyone. */
    public String username() {
        return username == null ? "" : username;
    }

    public String password() {
        return password == null ? "" : password;
    }

    /** The CA an external broker's certificate must be signed by; null for the JVM's public roots. */
    public Path ca() {
        return ca;
    }

    /** Told of every edge credential issued and revoked. */
    public BrokerAccounts accounts() {
        return accounts;
    }

    private static String randomPassword() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    /** @param tls the hub's certificate for a TLS listener on {@code config.tlsPort()}; null for none */
    private static EmbeddedHiveMQ start(MqttProperties.Embedded config, int port, ExtensionMain security, SslBundle tls)
            throws InterruptedException {
        Path conf = config.dataDir().resolve("conf");
        try {
            Files.createDirectories(conf);
            Files.createDirectories(config.dataDir().resolve("data"));
            Files.createDirectories(config.dataDir().resolve("extensions"));
            Files.writeString(conf.resolve("config.xml"), """
                    <?xml version="1.0"?>
                    <hivemq>
                        <listeners>
                            <tcp-listener>
                                <port>%d</port>
                                <bind-address>%s</bind-address>
                            </tcp-listener>
                            %s
                        </listeners>
                        <mqtt>
                            <queued-messages>
                                <max-queue-size>%d</max-queue-size>
                            </queued-messages>
                        </mqtt>
                        <anonymous-usage-statistics>
                            <enabled>false</enabled>
                        </anonymous-usage-statistics>
                    </hivemq>
                    """.formatted(port, config.bindAddress(), tls == null ? "" : tlsListener(config, conf, tls),
                    config.maxQueueSize()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the embedded MQTT broker in " + config.dataDir(), e);
        }
        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(config.dataDir().resolve("data"))
                .withExtensionsFolder(config.dataDir().resolve("extensions"))
                .withoutLoggingBootstrap()
                .withEmbeddedExtension(EmbeddedExtension.builder().withId("caravan-security")
                        .withName("Caravan edge accounts").withVersion("1").withAuthor("Caravan")
                        .withPriority(1000).withStartPriority(1000).withExtensionMain(security).build())
                .build();
        try {
            hivemq.start().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the embedded MQTT broker did not start on port " + port, e);
        }
        return hivemq;
    }

    /**
     * A TLS listener with the hub's certificate, written for the broker as a key store of its own (readable by the
     * hub's user only, under a password made for this start).
     */
    private static String tlsListener(MqttProperties.Embedded config, Path conf, SslBundle tls) throws IOException {
        try {
            KeyStore hub = tls.getStores().getKeyStore();
            if (hub == null) {
                throw new IllegalStateException("caravan.mqtt.embedded.tls-port needs the hub's certificate: set "
                        + "CARAVAN_TLS_CERT and CARAVAN_TLS_KEY");
            }
            String password = randomPassword();
            String alias = hub.aliases().nextElement();
            KeyStore broker = KeyStore.getInstance("JKS");
            broker.load(null, null);
            broker.setKeyEntry("hub", hub.getKey(alias, tls.getKey().getPassword() == null ? null
                    : tls.getKey().getPassword().toCharArray()), password.toCharArray(), hub.getCertificateChain(alias));
            Path file = conf.resolve("tls-keystore.jks");
            Files.deleteIfExists(file);
            try (OutputStream out = Files.newOutputStream(Files.createFile(file,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))))) {
                broker.store(out, password.toCharArray());
            }
            LOG.info("MQTT: the embedded broker listens for TLS on {}:{}", config.bindAddress(), config.tlsPort());
            return """
                    <tls-tcp-listener>
                        <port>%d</port>
                        <bind-address>%s</bind-address>
                        <tls>
                            <keystore>
                                <path>%s</path>
                                <password>%s</password>
                                <private-key-password>%s</private-key-password>
                            </keystore>
                        </tls>
                    </tls-tcp-listener>""".formatted(config.tlsPort(), config.bindAddress(), file.toAbsolutePath(),
                    password, password);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the hub's certificate cannot serve the embedded broker's TLS listener: "
                    + e.getMessage(), e);
        }
    }

    private static boolean portFree(String bindAddress, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort(String bindAddress) {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getByName(bindAddress))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port for the embedded MQTT broker on " + bindAddress, e);
        }
    }

    @PreDestroy
    void stop() throws ExecutionException, InterruptedException {
        if (embedded != null) {
            embedded.close();
        }
    }
}
