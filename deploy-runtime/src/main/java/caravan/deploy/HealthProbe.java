package caravan.deploy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import caravan.deploy.ContainerRuntime.ExecResult;

/**
 * One health check of a workload, run where it is asked to: by the hub against a cloud target's or an agentless
 * edge's address, or by an edge's agent on its own machine. Its output is not kept: viewers read checks, and output
 * may carry what the container holds.
 *
 * @param type           {@code http} (GET {@code path}, expecting {@code expectedStatus}), {@code tcp} (a connection
 *                       to the port) or {@code command} (run in the container, expecting exit 0)
 * @param timeoutSeconds how long the check may take
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HealthProbe(String type, String path, Integer expectedStatus, List<String> command, int timeoutSeconds) {

    /** What a check saw: healthy or not, how long it took, and what it saw or why it failed. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Result(boolean healthy, long responseTimeMs, String detail) {
    }

    /** Runs a command in a container: the engine's API, the docker CLI over SSH, or the agent's engine. */
    @FunctionalInterface
    public interface Exec {
        ExecResult exec(String container, List<String> command, Duration timeout) throws InterruptedException;
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Runs the check against {@code host:port} (http, tcp) or in {@code container} (command). */
    public Result run(String host, Integer port, String container, Exec exec) throws InterruptedException {
        long started = System.nanoTime();
        String failure = null;
        String detail;
        try {
            detail = probe(host, port, container, exec);
        } catch (IOException | RuntimeException e) {
            failure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            detail = failure;
        }
        return new Result(failure == null, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), detail);
    }

    private String probe(String host, Integer port, String container, Exec exec) throws IOException, InterruptedException {
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        switch (type) {
            case "http" -> {
                URI uri = URI.create("http://" + where(host, port) + path);
                HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(timeout).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() != expectedStatus) {
                    throw new IllegalStateException("GET " + uri + " answered " + response.statusCode() + " (expected "
                            + expectedStatus + ")");
                }
                return "GET " + uri + " answered " + response.statusCode();
            }
            case "tcp" -> {
                String where = where(host, port);
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
                }
                return "connected to " + where;
            }
            case "command" -> {
                ExecResult result = exec.exec(container, command, timeout);
                if (result.exitCode() != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " exited " + result.exitCode());
                }
                return String.join(" ", command) + " exited 0";
            }
            default -> throw new IllegalArgumentException("unknown health check type '" + type + "'");
        }
    }

    private static String where(String host, Integer port) {
        if (host == null || port == null) {
            throw new IllegalStateException("the checked port is not published");
        }
        return host + ":" + port;
    }
}
