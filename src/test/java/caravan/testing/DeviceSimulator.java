package caravan.testing;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A camera device speaking the reference's protocol: one outbound stream ({@code GET /v1/devices/{id}/commands},
 * read with a read timeout as the reference's client does), an acknowledgement of each command, a real JPEG uploaded
 * per capture ({@code POST /v1/captures}), and a reconnect with {@code Last-Event-ID}. One thread per stream.
 */
public final class DeviceSimulator implements AutoCloseable {

    /** One SSE event as received: its id (null for none), name and data. */
    public record Event(String id, String name, JsonNode data, Instant receivedAt) {
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

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
    private volatile HttpURLConnection stream;
    private volatile Thread reader;
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

    /** Opens the stream (sending {@code Last-Event-ID} when given) and reads it on a thread of its own. */
    public DeviceSimulator connect(Long lastEventIdToSend) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(baseUrl + "/v1/devices/" + deviceId + "/commands")
                .toURL().openConnection();
        connection.setReadTimeout((int) readTimeout.toMillis());
        connection.setRequestProperty("Accept", "text/event-stream");
        if (token != null) {
            connection.setRequestProperty("Authorization", "Bearer " + token);
        }
        if (lastEventIdToSend != null) {
            connection.setRequestProperty("Last-Event-ID", lastEventIdToSend.toString());
        }
        if (connection.getResponseCode() != 200) {
            throw new IOException("stream refused: " + connection.getResponseCode());
        }
        stream = connection;
        endedBecause = null;
        connections.incrementAndGet();
        Thread thread = new Thread(() -> read(connection), "device-" + deviceId);
        thread.setDaemon(true);
        reader = thread;
        thread.start();
        return this;
    }

    /** Reconnects as the reference's client does after a drop: with the id of the last event it received. */
    public DeviceSimulator reconnect() throws IOException {
        disconnect();
        return connect(lastEventId.get() == 0 ? null : lastEventId.get());
    }

    public void disconnect() {
        HttpURLConnection connection = stream;
        if (connection != null) {
            connection.disconnect();
        }
        Thread thread = reader;
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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

    private void read(HttpURLConnection connection) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(),
                StandardCharsets.UTF_8))) {
            String id = null;
            String name = null;
            StringBuilder data = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        dispatch(new Event(id, name == null ? "message" : name, MAPPER.readTree(data.toString()),
                                Instant.now()));
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
            endedBecause = "the hub ended the stream";
        } catch (IOException e) {
            endedBecause = e.getClass().getSimpleName() + ": " + e.getMessage();
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
