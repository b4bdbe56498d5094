package caravan.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The stand-in workload ({@code src/test/resources/workload-it}: a small HTTP server on $PORT) in the registry, and
 * what tests of workloads read back from the engine.
 */
public final class TestWorkloads {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TestWorkloads() {
    }

    /** Builds the workload image as {@code image} (a variant has its own content and digest), pushes it, removes it locally. */
    public static void push(String image, String variant) throws Exception {
        run("docker", "build", "--network", "host", "--build-arg", "BASE_IMAGE=" + Services.baseImage(),
                "--build-arg", "VARIANT=" + variant, "-t", image, "src/test/resources/workload-it");
        Services.dockerLogin();
        run("docker", "push", image);
        run("docker", "rmi", image);
    }

    /** Removes the containers whose name holds {@code run} and the images of the repositories, pulled ones included. */
    public static void removeContainersAndImages(String run, String... repositories) throws Exception {
        String containers = Services.run("docker", "ps", "--all", "--quiet", "--filter", "name=" + run).output().strip();
        if (!containers.isEmpty()) {
            List<String> remove = new ArrayList<>(List.of("docker", "rm", "--force"));
            remove.addAll(List.of(containers.split("\\s+")));
            Services.run(remove.toArray(String[]::new));
        }
        for (String repository : repositories) {
            String images = Services.run("docker", "images", "--quiet", repository).output().strip();
            if (!images.isEmpty()) {
                List<String> remove = new ArrayList<>(List.of("docker", "rmi", "--force"));
                remove.addAll(List.of(images.split("\\s+")));
                Services.run(remove.toArray(String[]::new));
            }
        }
    }

    /**
     * The request for a workload of the stand-in image on an edge's host network, listening on {@code port}, with
     * {@code secret} as its secret {@code TOKEN}, the limits given and the check given as JSON.
     */
    public static String onEdge(String name, String edge, String image, int port, String secret, String cpus,
            String memory, String pids, String healthCheck) {
        return "{\"name\": \"" + name + "\", \"target\": \"edge\", \"deviceId\": \"" + edge + "\", \"image\": \""
                + image + "\", \"network\": \"host\", \"ports\": [{\"containerPort\": " + port + "}], "
                + "\"env\": {\"PORT\": \"" + port + "\"}, \"secretEnv\": {\"TOKEN\": \"" + secret + "\"}, "
                + "\"resources\": {\"cpus\": " + cpus + ", \"memory\": \"" + memory + "\", \"pids\": " + pids + "}, "
                + "\"healthCheck\": " + healthCheck + "}";
    }

    /** {@code docker container inspect} of the container. */
    public static JsonNode inspect(String container) throws Exception {
        Services.CommandResult inspect = Services.run("docker", "container", "inspect", container);
        assertThat(inspect.exitCode()).as(inspect.output()).isZero();
        return MAPPER.readTree(inspect.output()).get(0);
    }

    public static boolean containerExists(String container) throws Exception {
        return Services.run("docker", "container", "inspect", container).exitCode() == 0;
    }

    /** A loopback port free now, for a workload on the host network to listen on. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public static void run(String... command) throws Exception {
        Services.CommandResult result = Services.run(command);
        assertThat(result.exitCode()).as("%s: %s", String.join(" ", command), result.output()).isZero();
    }
}
