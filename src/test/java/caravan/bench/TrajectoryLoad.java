package caravan.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * Offers reference-format trajectories at a fixed rate from several connections, spread over {@code edges} topics
 * ({@code hyperspace/trajectories/bench-edge-N}). Every message has its own track id and carries its send time in
 * {@code timestamp}, which receivers subtract from their clock. When the broker holds back QoS 1 acknowledgements,
 * the publisher waits, so what it really offered is counted, not assumed.
 */
final class TrajectoryLoad {

    private static final int PUBLISHERS = 4;

    private final String brokerUrl;
    private final int qos;
    private final int edges;

    TrajectoryLoad(String brokerUrl, int qos, int edges) {
        this.brokerUrl = brokerUrl;
        this.qos = qos;
        this.edges = edges;
    }

    /** Publishes at {@code rate} messages/s for {@code seconds}; returns how many were published. */
    long offer(int rate, int seconds) throws Exception {
        List<MqttAsyncClient> clients = new ArrayList<>();
        for (int i = 0; i < PUBLISHERS; i++) {
            MqttAsyncClient client = new MqttAsyncClient(brokerUrl, "bench-pub-" + UUID.randomUUID(), new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            client.connect(options).waitForCompletion(10_000);
            clients.add(client);
        }
        AtomicLong sent = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        for (int p = 0; p < PUBLISHERS; p++) {
            MqttAsyncClient client = clients.get(p);
            int publisher = p;
            Thread thread = new Thread(() -> publish(client, publisher, rate / (double) PUBLISHERS, start, end, sent),
                    "bench-publisher-" + p);
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        for (MqttAsyncClient client : clients) {
            client.disconnect().waitForCompletion(30_000);
            client.close();
        }
        return sent.get();
    }

    private void publish(MqttAsyncClient client, int publisher, double rate, long start, long end, AtomicLong sent) {
        long interval = (long) (1_000_000_000L / rate);
        long next = start;
        long sequence = 0;
        while (next < end) {
            long now = System.nanoTime();
            if (now < next) {
                long wait = next - now;
                if (wait > 200_000) {
                    sleepNanos(wait - 100_000);
                }
                continue;
            }
            int edge = (int) ((sequence * PUBLISHERS + publisher) % edges);
            MqttMessage message = new MqttMessage(message(publisher, sequence, edge), qos, false, null);
            while (true) {
                try {
                    client.publish("hyperspace/trajectories/bench-edge-" + edge, message);
                    break;
                } catch (MqttException e) {
                    if (e.getReasonCode() != MqttClientException.REASON_CODE_MAX_INFLIGHT) {
                        throw new IllegalStateException("publish failed: " + e.getMessage(), e);
                    }
                    sleepNanos(50_000); // the broker has not acknowledged enough yet: that is back-pressure
                }
            }
            sent.incrementAndGet();
            sequence++;
            next += interval;
        }
    }

    private static byte[] message(int publisher, long sequence, int edge) {
        double x = 1 + (sequence % 50);
        double z = 1 + (sequence % 30);
        return String.format(Locale.ROOT, "{\"id\":\"b-%d-%d\",\"deviceId\":\"bench-edge-%d\",\"venueId\":\"bench-venue\","
                        + "\"timestamp\":%d,\"position\":{\"x\":%.1f,\"y\":0,\"z\":%.1f},\"velocity\":{\"x\":0.5,\"y\":0,"
                        + "\"z\":-0.3},\"objectType\":\"person\",\"confidence\":0.9}",
                publisher, sequence, edge, System.currentTimeMillis(), x, z).getBytes(StandardCharsets.UTF_8);
    }

    private static void sleepNanos(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
