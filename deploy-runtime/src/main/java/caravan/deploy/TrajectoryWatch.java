package caravan.deploy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;

/**
 * Counts the messages a provider publishes on its topic during the health gate. The broker and topic come from the
 * deployment document at run time, so this is a plain Paho client rather than a route endpoint.
 */
public final class TrajectoryWatch implements AutoCloseable {

    private final MqttClient client;
    private final AtomicLong received = new AtomicLong();

    private TrajectoryWatch(MqttClient client) {
        this.client = client;
    }

    /**
     * Subscribes to {@code topic} on {@code brokerUrl} ({@code mqtt://host:port} as in the reference, or tcp://),
     * logged in as {@code login} unless null, trusting only {@code ca} (unless null) over TLS.
     */
    public static TrajectoryWatch start(String brokerUrl, String topic, MqttLogin login, Path ca)
            throws MqttException {
        String serverUri = brokerUrl.replaceFirst("^mqtt://", "tcp://").replaceFirst("^mqtts://", "ssl://");
        MqttClient client = new MqttClient(serverUri, "caravan-health-" + UUID.randomUUID(), new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setConnectionTimeout(10);
        if (ca != null) {
            options.setSocketFactory(TrustedCa.sslContext(ca).getSocketFactory());
        }
        if (login != null) {
            options.setUserName(login.username());
            options.setPassword(login.password().getBytes(StandardCharsets.UTF_8));
        }
        client.connect(options);
        TrajectoryWatch watch = new TrajectoryWatch(client);
        // The array form: Paho 1.2.5's single-subscription overload with a listener calls itself.
        client.subscribe(new MqttSubscription[] {new MqttSubscription(topic, 0)},
                new IMqttMessageListener[] {(t, message) -> watch.received.incrementAndGet()});
        return watch;
    }

    public long received() {
        return received.get();
    }

    @Override
    public void close() throws MqttException {
        try {
            client.disconnect();
        } finally {
            client.close();
        }
    }
}
