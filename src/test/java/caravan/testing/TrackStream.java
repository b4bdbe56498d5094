package caravan.testing;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;

/**
 * An edge tracker publishing reference-format tracks at QoS 1 at a steady rate, on a thread of its own, each with a
 * track id of its own ({@code <prefix>-<n>}): what the broker acknowledged is what the hub must store.
 */
public final class TrackStream implements AutoCloseable {

    private final Mqtt5AsyncClient client;
    private final String topic;
    private final String venueId;
    private final String prefix;
    private final AtomicInteger acknowledged = new AtomicInteger();
    private final List<CompletableFuture<?>> sends = new ArrayList<>();
    private final Thread publisher;
    private volatile boolean stopped;

    private TrackStream(String brokerUrl, String topic, String venueId, int perSecond, int total) {
        URI broker = URI.create(brokerUrl);
        this.client = Mqtt5Client.builder().identifier("it-edge-" + UUID.randomUUID()).serverHost(broker.getHost())
                .simpleAuth().username(Services.mqttUser())
                    .password(Services.mqttPassword().getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                .serverPort(broker.getPort()).buildAsync();
        this.topic = topic;
        this.venueId = venueId;
        this.prefix = "s-" + UUID.randomUUID().toString().substring(0, 8);
        this.publisher = new Thread(() -> publish(perSecond, total), "it-track-stream");
    }

    /** Connects and starts publishing {@code total} tracks, {@code perSecond} a second, to {@code topic}. */
    public static TrackStream start(String brokerUrl, String topic, String venueId, int perSecond, int total)
            throws Exception {
        TrackStream stream = new TrackStream(brokerUrl, topic, venueId, perSecond, total);
        stream.client.connect().get(10, TimeUnit.SECONDS);
        stream.publisher.start();
        return stream;
    }

    private void publish(int perSecond, int total) {
        long interval = TimeUnit.SECONDS.toNanos(1) / perSecond;
        long next = System.nanoTime();
        for (int n = 0; n < total && !stopped; n++) {
            LockSupport.parkNanos(next - System.nanoTime()); // the stream's pace, not a wait for the hub
            next += interval;
            byte[] track = ("{\"id\": \"" + prefix + "-" + n + "\", \"deviceId\": \"it-device\", \"venueId\": \""
                    + venueId + "\", \"timestamp\": " + System.currentTimeMillis() + ", \"position\": {\"x\": "
                    + (n % 50) + ", \"y\": 0, \"z\": 1}, \"velocity\": {\"x\": 0.5, \"y\": 0, \"z\": 0}, "
                    + "\"objectType\": \"person\", \"confidence\": 0.9}").getBytes(StandardCharsets.UTF_8);
            CompletableFuture<?> sent = client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(track)
                    .send().thenRun(acknowledged::incrementAndGet);
            synchronized (sends) {
                sends.add(sent);
            }
        }
    }

    /** Tracks the broker has acknowledged so far. */
    public int acknowledged() {
        return acknowledged.get();
    }

    public boolean publishing() {
        return publisher.isAlive();
    }

    /** Waits until every track is published and acknowledged by the broker; returns how many. */
    public int awaitPublished() throws Exception {
        publisher.join(TimeUnit.MINUTES.toMillis(5));
        synchronized (sends) {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        }
        return acknowledged.get();
    }

    /** Ends the stream after the track being published and waits for the broker's acknowledgements; returns how many. */
    public int finish() throws Exception {
        stopped = true;
        return awaitPublished();
    }

    @Override
    public void close() throws Exception {
        stopped = true;
        publisher.join(TimeUnit.SECONDS.toMillis(30));
        client.disconnect().get(10, TimeUnit.SECONDS);
    }
}
