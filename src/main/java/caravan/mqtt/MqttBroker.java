package caravan.mqtt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.hivemq.embedded.EmbeddedHiveMQ;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.stereotype.Component;

/**
 * Decides which MQTT broker the hub uses and says so in the log: the configured external broker, or an embedded
 * HiveMQ CE (MQTT 5). The embedded broker starts here, before Camel starts any MQTT route. When its preferred port
 * is held by another process (say a local Mosquitto), it listens on a free port instead of failing the hub.
 * The chosen URL is published as the property {@value #URL_PROPERTY}, which MQTT endpoints in routes name as
 * {@code brokerUrl: "{{caravan.mqtt.url}}"}; routes are built after every singleton, this one included, exists.
 */
@Component
public class MqttBroker {

    private static final Logger LOG = LoggerFactory.getLogger(MqttBroker.class);
    public static final String URL_PROPERTY = "caravan.mqtt.url";

    private final String url;
    private final EmbeddedHiveMQ embedded;

    public MqttBroker(MqttProperties properties, ConfigurableEnvironment environment) throws InterruptedException {
        if (properties.external()) {
            this.url = properties.brokerUrl();
            this.embedded = null;
            LOG.info("MQTT: using the external broker at {} (caravan.mqtt.broker-url)", url);
        } else {
            MqttProperties.Embedded config = properties.embedded();
            int port = listenPort(config);
            this.embedded = start(config, port);
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

    /** The URL Camel's MQTT endpoints connect to. */
    public String url() {
        return url;
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    private static EmbeddedHiveMQ start(MqttProperties.Embedded config, int port) throws InterruptedException {
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
                    """.formatted(port, config.bindAddress(), config.maxQueueSize()), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the embedded MQTT broker in " + config.dataDir(), e);
        }
        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(config.dataDir().resolve("data"))
                .withExtensionsFolder(config.dataDir().resolve("extensions"))
                .withoutLoggingBootstrap()
                .build();
        try {
            hivemq.start().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the embedded MQTT broker did not start on port " + port, e);
        }
        return hivemq;
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
