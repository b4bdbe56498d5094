package caravan.testing;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A camera device speaking the reference's protocol: one outbound stream ({@code GET /v1/devices/{id}/commands},
 * read with a read timeout as the reference's client does), an acknowledgement of each command, a real JPEG uploaded
 * per capture ({@code POST /v1/captures}), and a reconnect with {@code Last-Event-ID}. Streams are read by the JDK's
 * asynchronous HTTP client, so one process holds thousands of devices (the benchmark's).
 */
public final class DeviceSimulator implements AutoCloseable {

    /** One SSE event as received: its id (null for none), name and data. */
    public record Event(String id, String name, JsonNode data, Instant receivedAt) {
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Open streams, for the one watchdog that ends those silent past their read timeout. */
    private static final Set<StreamReader> WATCHED = ConcurrentHashMap.newKeySet();

    static {
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "device-simulator-read-timeouts");
            thread.setDaemon(true);
            return thread;
        });
        watchdog.scheduleWithFixedDelay(() -> {
            long now = System.nanoTime();
            WATCHED.stream().filter(reader -> reader.timedOut(now))
                    .forEach(reader -> reader.cancel("read timed out"));
        }, 100, 100, TimeUnit.MILLISECONDS);
    }

    private final String baseUrl;
    private final String deviceId;
    private final String token;
    private final Duration readTimeout;
    private final boolean respond;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<String> capturesUploaded = new CopyOnWriteArrayList<>();
    private final AtomicInteger keepalives = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong lastEventId = new AtomicLong();
    private volatile StreamReader stream;
    private volatile String endedBecause;

    /**
     * @param respond whether to act on each command as the reference's device does: acknowledge it, capture and upload
     */
    public DeviceSimulator(String baseUrl, String deviceId, String token, Duration readTimeout, boolean respond) {
        this.baseUrl = baseUrl;
        this.deviceId = deviceId;
        this.token = token;
        this.readTimeout = readTimeout;
        this.respond = respond;
    }

    /** Opens the stream (sending {@code Last-Event-ID} when given) and reads it as it comes. */
    public DeviceSimulator connect(Long lastEventIdToSend) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/devices/" + deviceId + "/commands"))
                .header("Accept", "text/event-stream").GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (lastEventIdToSend != null) {
            request.header("Last-Event-ID", lastEventIdToSend.toString());
        }
        CompletableFuture<Integer> status = new CompletableFuture<>();
        StreamReader reader = new StreamReader();
        endedBecause = null;
        stream = reader;
        HTTP.sendAsync(request.build(), response -> {
            status.complete(response.statusCode());
            return response.statusCode() == 200 ? HttpResponse.BodySubscribers.fromLineSubscriber(reader)
                    : HttpResponse.BodySubscribers.discarding();
        }).whenComplete((response, error) -> {
            status.completeExceptionally(error == null ? new IOException("no answer") : error);
            reader.ended(error == null ? "the hub ended the stream" : error.toString());
        });
        int code;
        try {
            code = status.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("stream of " + deviceId + " not opened: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (code != 200) {
            stream = null;
            throw new IOException("stream refused: " + code);
        }
        connections.incrementAndGet();
        return this;
    }

    /** Reconnects as the reference's client does after a drop: with the id of the last event it received. */
    public DeviceSimulator reconnect() throws IOException {
        disconnect();
        return connect(lastEventId.get() == 0 ? null : lastEventId.get());
    }

    /** Closes the stream, as a device losing its network does. */
    public void disconnect() {
        StreamReader reader = stream;
        if (reader != null) {
            reader.cancel("disconnected by the device");
        }
        stream = null;
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    public List<Event> commands() {
        return events.stream().filter(event -> "command".equals(event.name())).toList();
    }

    public List<String> commandIds() {
        return commands().stream().map(event -> event.data().get("command_id").asText()).toList();
    }

    public List<String> capturesUploaded() {
        return List.copyOf(capturesUploaded);
    }

    public int keepalives() {
        return keepalives.get();
    }

    public int connections() {
        return connections.get();
    }

    public long lastEventId() {
        return lastEventId.get();
    }

    /** Why the last stream ended (a read timeout, the hub closing it); null while it is open. */
    public String endedBecause() {
        return endedBecause;
    }

    public boolean connected() {
        return stream != null && endedBecause == null;
    }

    public String deviceId() {
        return deviceId;
    }

    /** {@code POST /v1/devices/{id}/commands/{commandId}/ack}; answers the status code. */
    public int ack(String commandId, String status, String detail) throws IOException, InterruptedException {
        Map<String, String> ack = new HashMap<>();
        ack.put("status", status);
        ack.put("detail", detail);
        return post("/v1/devices/" + deviceId + "/commands/" + commandId + "/ack", MAPPER.writeValueAsString(ack))
                .statusCode();
    }

    /** Captures a frame for the trigger and uploads it as the reference's JSON; answers the hub's response. */
    public HttpResponse<String> uploadCapture(String forDevice, String triggerId) throws IOException, InterruptedException {
        return uploadImage(forDevice, triggerId, jpeg(deviceId + " " + triggerId));
    }

    public HttpResponse<String> uploadImage(String forDevice, String triggerId, byte[] image)
            throws IOException, InterruptedException {
        Map<String, String> body = new HashMap<>();
        body.put("device_id", forDevice);
        body.put("trigger_id", triggerId);
        body.put("image_base64", Base64.getEncoder().encodeToString(image));
        body.put("captured_at", Instant.now().toString());
        return post("/v1/captures", MAPPER.writeValueAsString(body));
    }

    /** A real JPEG of a small frame with {@code label} drawn on it. */
    public static byte[] jpeg(String label) {
        BufferedImage frame = new BufferedImage(160, 120, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = frame.createGraphics();
        graphics.setColor(new Color(label.hashCode()));
        graphics.fillRect(0, 0, 160, 120);
        graphics.setColor(Color.WHITE);
        graphics.drawString(label, 4, 60);
        graphics.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(frame, "jpg", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        disconnect();
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * One stream's lines as they arrive, parsed into events; gives up after {@code readTimeout} without a line, as a
     * client with a read timeout does (checked by one watchdog for all streams).
     */
    private final class StreamReader implements Flow.Subscriber<String> {
        private volatile Flow.Subscription subscription;
        private volatile long lastLineNanos = System.nanoTime();
        private volatile boolean over;
        private String id;
        private String name;
        private final StringBuilder data = new StringBuilder();

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            WATCHED.add(this);
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            lastLineNanos = System.nanoTime();
            if (line.isEmpty()) {
                if (data.length() > 0) {
                    try {
                        dispatch(new Event(id, name == null ? "message" : name, MAPPER.readTree(data.toString()),
                                Instant.now()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                id = null;
                name = null;
                data.setLength(0);
            } else if (line.startsWith(":")) {
                keepalives.incrementAndGet();
            } else if (line.startsWith("id:")) {
                id = line.substring(3).trim();
            } else if (line.startsWith("event:")) {
                name = line.substring(6).trim();
            } else if (line.startsWith("data:")) {
                data.append(line.substring(5).trim());
            }
        }

        @Override
        public void onError(Throwable error) {
            ended(error.toString());
        }

        @Override
        public void onComplete() {
            ended("the hub ended the stream");
        }

        void cancel(String why) {
            Flow.Subscription current = subscription;
            if (current != null) {
                current.cancel();
            }
            ended(why);
        }

        void ended(String why) {
            if (!over) {
                over = true;
                WATCHED.remove(this);
                if (stream == this) {
                    endedBecause = why;
                }
            }
        }

        boolean timedOut(long now) {
            return now - lastLineNanos > readTimeout.toNanos();
        }
    }

    private void dispatch(Event event) {
        events.add(event);
        if (event.id() != null) {
            lastEventId.set(Long.parseLong(event.id()));
        }
        if (!respond || !"command".equals(event.name())) {
            return;
        }
        String commandId = event.data().get("command_id").asText();
        try {
            ack(commandId, "received", "executing");
            if ("capture".equals(event.data().get("type").asText())) {
                HttpResponse<String> uploaded = uploadCapture(deviceId, event.data().get("trigger_id").asText());
                if (uploaded.statusCode() == 201) {
                    capturesUploaded.add(MAPPER.readTree(uploaded.body()).get("capture_id").asText());
                } else {
                    ack(commandId, "failed", "upload answered " + uploaded.statusCode() + ": " + uploaded.body());
                }
            } else {
                ack(commandId, "done", "nothing to do for " + event.data().get("type").asText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
