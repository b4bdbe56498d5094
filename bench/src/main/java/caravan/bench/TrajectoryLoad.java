package caravan.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;

/**
 * Offers reference-format trajectories at a fixed rate from several MQTT 5 connections (the Netty-based HiveMQ
 * client: Paho could not offer more than about 11k msg/s here), spread over {@code edges} topics
 * ({@code hyperspace/trajectories/bench-edge-N}). Every message has its own track id and carries its send time in
 * {@code timestamp}, which receivers subtract from their clock. A message counts as offered once the broker took
 * it (QoS 1: acknowledged; QoS 0: written), so the rate reported is what was really offered, not what was asked.
 */
final class TrajectoryLoad {

    private static final int PUBLISHERS = 4;

    /** What was offered: messages the broker took, and over how long. */
    record Offered(long messages, double seconds) {

        double perSecond() {
            return messages / seconds;
        }
    }

    private final URI broker;
    private final int qos;
    private final int edges;

    TrajectoryLoad(String brokerUrl, int qos, int edges) {
        this.broker = URI.create(brokerUrl);
        this.qos = qos;
        this.edges = edges;
    }

    /** Publishes at {@code rate} messages/s for {@code seconds}. */
    Offered offer(int rate, int seconds) throws Exception {
        List<Mqtt5AsyncClient> clients = new ArrayList<>();
        for (int i = 0; i < PUBLISHERS; i++) {
            Mqtt5AsyncClient client = Mqtt5Client.builder().identifier("bench-pub-" + UUID.randomUUID())
                    .serverHost(broker.getHost()).serverPort(broker.getPort()).buildAsync();
            client.connect().get(10, TimeUnit.SECONDS);
            clients.add(client);
        }
        AtomicLong taken = new AtomicLong();
        AtomicLong lastTakenNanos = new AtomicLong();
        List<List<CompletableFuture<?>>> sends = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        for (int p = 0; p < PUBLISHERS; p++) {
            Mqtt5AsyncClient client = clients.get(p);
            int publisher = p;
            List<CompletableFuture<?>> mine = new ArrayList<>();
            sends.add(mine);
            Thread thread = new Thread(() -> publish(client, publisher, rate / (double) PUBLISHERS, start, end,
                    taken, lastTakenNanos, mine), "bench-publisher-" + p);
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        CompletableFuture.allOf(sends.stream().flatMap(List::stream).toArray(CompletableFuture[]::new))
                .get(2, TimeUnit.MINUTES);
        for (Mqtt5AsyncClient client : clients) {
            client.disconnect().get(30, TimeUnit.SECONDS);
        }
        return new Offered(taken.get(), Math.max(1, lastTakenNanos.get() - start) / 1e9);
    }

    private void publish(Mqtt5AsyncClient client, int publisher, double rate, long start, long end, AtomicLong taken,
            AtomicLong lastTakenNanos, List<CompletableFuture<?>> futures) {
        long interval = (long) (1_000_000_000L / rate);
        long next = start;
        long sequence = 0;
        MqttQos level = MqttQos.fromCode(qos);
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
            futures.add(client.publishWith().topic("hyperspace/trajectories/bench-edge-" + edge).qos(level)
                    .payload(message(publisher, sequence, edge)).send()
                    .thenRun(() -> {
                        taken.incrementAndGet();
                        lastTakenNanos.accumulateAndGet(System.nanoTime(), Math::max);
                    }));
            sequence++;
            next += interval;
        }
    }

    private static byte[] message(int publisher, long sequence, int edge) {
        return ("{\"id\":\"b-" + publisher + "-" + sequence + "\",\"deviceId\":\"bench-edge-" + edge
                + "\",\"venueId\":\"bench-venue\",\"timestamp\":" + System.currentTimeMillis()
                + ",\"position\":{\"x\":" + (1 + sequence % 50) + ",\"y\":0,\"z\":" + (1 + sequence % 30)
                + "},\"velocity\":{\"x\":0.5,\"y\":0,\"z\":-0.3},\"objectType\":\"person\",\"confidence\":0.9}")
                .getBytes(StandardCharsets.UTF_8);
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
