package caravan.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A browser-like client of the live feed: keeps every frame it receives. */
public final class FrameCollector implements WebSocket.Listener {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    private FrameCollector() {
    }

    public static FrameCollector connect(int port, String path) throws Exception {
        FrameCollector collector = new FrameCollector();
        collector.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .header(Services.API_KEY_HEADER, Services.ADMIN_KEY)
                .buildAsync(URI.create("ws://127.0.0.1:" + port + path), collector).get(10, TimeUnit.SECONDS);
        return collector;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                frames.add(MAPPER.readTree(partial.toString()));
            } catch (Exception e) {
                throw new IllegalStateException("frame is not JSON: " + partial, e);
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    public List<JsonNode> frames() {
        return frames;
    }

    public List<String> trackIds() {
        return frames.stream().flatMap(frame -> frame.get("tracks").findValuesAsText("id").stream()).toList();
    }

    public void close() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }
}
