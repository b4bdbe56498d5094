package caravan.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * What an MQTT client costs per message it receives: Paho (as camel-paho-mqtt5 uses it) against the HiveMQ client
 * (as the hub's intake, {@link caravan.mqtt.HiveMqttConsumer}, uses it: its callback on its Netty thread), each
 * subscribed at QoS 1 in a JVM of its own with a callback that only counts, while {@link TrajectoryLoad} offers the
 * trajectory benchmark's messages. The CPU counted is that of the client's own threads (Paho's receiving, callback
 * and sending threads; HiveMQ's Netty thread), per message received while the load runs.
 */
public final class MqttClientBench {

    private static final String TOPICS = "hyperspace/trajectories/#";
    private static final List<String> CLIENTS = List.of("paho", "hivemq");

    record Run(String client, int qos, int offeredRate, double receivedPerSecond, double cpuMicrosPerMessage) {
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (String arg : argv) {
            String[] pair = arg.split("=", 2);
            args.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        if (args.containsKey("subscriber")) {
            subscribe(args.get("subscriber"), args.get("broker"), Integer.parseInt(args.get("seconds")));
            return;
        }
        String broker = args.getOrDefault("broker", "tcp://127.0.0.1:18830");
        int seconds = Integer.parseInt(args.getOrDefault("seconds", "20"));
        List<Run> runs = new ArrayList<>();
        for (int rate : List.of(5_000, 10_000, 20_000)) {
            for (int qos : List.of(0, 1)) {
                for (String client : CLIENTS) {
                    Run run = measure(client, broker, qos, rate, seconds);
                    System.out.println(row(run));
                    runs.add(run);
                }
            }
        }
        report(args, seconds, runs);
    }

    /** One client in a JVM of its own, subscribed while {@code rate} messages/s are offered at {@code qos}. */
    private static Run measure(String client, String broker, int qos, int rate, int seconds) throws Exception {
        Process subscriber = new ProcessBuilder("java", "-Xms256m", "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), MqttClientBench.class.getName(), "subscriber=" + client,
                "broker=" + broker, "seconds=" + seconds).redirectErrorStream(true).start();
        try (BufferedReader output = new BufferedReader(
                new InputStreamReader(subscriber.getInputStream(), StandardCharsets.UTF_8))) {
            awaitLine(output, "subscribed");
            // A little longer than the subscriber measures, which starts at the first message it gets.
            new TrajectoryLoad(broker, qos, 10).offer(rate, seconds + 3);
            String[] result = awaitLine(output, "received ").split(" ");
            subscriber.waitFor(30, TimeUnit.SECONDS);
            long messages = Long.parseLong(result[1]);
            long cpuNanos = Long.parseLong(result[2]);
            return new Run(client, qos, rate, messages / (double) seconds, cpuNanos / 1000.0 / Math.max(1, messages));
        } finally {
            subscriber.destroyForcibly();
        }
    }

    private static String awaitLine(BufferedReader output, String prefix) throws Exception {
        for (String line = output.readLine(); line != null; line = output.readLine()) {
            if (line.startsWith(prefix)) {
                return line;
            }
        }
        throw new IllegalStateException("the subscriber ended without printing '" + prefix + "'");
    }

    /** The subscriber's side: counts for {@code seconds} from the first message, then prints its count and CPU. */
    private static void subscribe(String client, String broker, int seconds) throws Exception {
        AtomicLong received = new AtomicLong();
        String threads = switch (client) {
            case "paho" -> subscribePaho(broker, received);
            case "hivemq" -> subscribeHiveMq(broker, received);
            default -> throw new IllegalArgumentException("no such client: " + client);
        };
        System.out.println("subscribed");
        while (received.get() == 0) {
            Thread.sleep(1);
        }
        long cpuBefore = cpuNanos(threads);
        long before = received.get();
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        System.out.println("received " + (received.get() - before) + " " + (cpuNanos(threads) - cpuBefore));
        System.exit(0);
    }

    private static String subscribePaho(String broker, AtomicLong received) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(broker, "bench-paho-" + UUID.randomUUID(), null);
        client.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) {
                received.incrementAndGet();
            }

            @Override
            public void disconnected(MqttDisconnectResponse response) {
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverUri) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        client.connect(new MqttConnectionOptions()).waitForCompletion(10_000);
        client.subscribe(TOPICS, 1).waitForCompletion(10_000);
        return "MQTT "; // its threads: "MQTT Rec: …", "MQTT Call: …", "MQTT Snd: …"
    }

    private static String subscribeHiveMq(String broker, AtomicLong received) throws Exception {
        URI uri = URI.create(broker);
        Mqtt5AsyncClient client = Mqtt5Client.builder().identifier("bench-hivemq-" + UUID.randomUUID())
                .serverHost(uri.getHost()).serverPort(uri.getPort()).buildAsync();
        client.connect().get(10, TimeUnit.SECONDS);
        client.subscribeWith().topicFilter(TOPICS).qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> received.incrementAndGet()).executor(Runnable::run) // on the Netty thread
                .send().get(10, TimeUnit.SECONDS);
        return "com.hivemq.client.mqtt"; // its Netty threads
    }

    /** CPU time so far of the threads whose names start with {@code prefix}. */
    private static long cpuNanos(String prefix) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long nanos = 0;
        for (var thread : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (thread != null && thread.getThreadName().startsWith(prefix)) {
                nanos += Math.max(0, threads.getThreadCpuTime(thread.getThreadId()));
            }
        }
        return nanos;
    }

    private static void report(Map<String, String> args, int seconds, List<Run> runs) throws IOException {
        Map<String, Object> result = BenchReport.start("mqtt-clients", args, "broker",
                args.getOrDefault("brokerVersion", "mosquitto"));
        result.put("secondsPerRun", seconds);
        result.put("runs", runs);

        StringBuilder md = new StringBuilder("# MQTT client benchmark\n\n");
        md.append(BenchReport.headline(result)).append(' ').append(seconds).append(" s per run; each client ")
                .append("subscribed at QoS 1 in a JVM of its own, its callback only counting.\n\n")
                .append("| client | QoS | offered msg/s | received msg/s | client threads' CPU per message µs |\n")
                .append("|---|---|---|---|---|\n");
        runs.forEach(run -> md.append(row(run)).append('\n'));

        BenchReport.write(args, BenchReport.fileName("mqtt-clients", result), result, md);
    }

    private static String row(Run run) {
        return String.format(Locale.ROOT, "| %s | %d | %,d | %,.0f | %.1f |", run.client(), run.qos(), run.offeredRate(),
                run.receivedPerSecond(), run.cpuMicrosPerMessage());
    }
}
