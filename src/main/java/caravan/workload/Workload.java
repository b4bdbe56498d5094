package caravan.workload;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import caravan.deploy.HealthProbe;

/**
 * A named container on an edge or a cloud target, as the API shows it: the secret environment by name only.
 *
 * @param target      {@code edge} or {@code cloud}
 * @param pinnedImage the image pinned to the digest its registry served when the workload was created: what runs
 * @param status      {@code pending}, {@code pulling}, {@code starting}, {@code running}, {@code stopped},
 *                    {@code failed}, or {@code cancelling} and {@code cancelled} (a deploy stopped by request), with
 *                    {@code detail} saying why
 * @param address     where its first published port is reached, {@code host:port}
 * @param health      {@code healthy}, {@code unhealthy} or {@code unknown} (no check, or none decided yet), since
 *                    {@code healthSince}
 * @param kind        {@code container} (made with {@code POST /api/workloads}) or {@code her-provider} (an edge's
 *                    HER provider, deployed with deploy-her: {@link HerProviders})
 * @param deployAttempt how many times a hub took up its deploy after the one deploying it stopped: only the latest
 *                    attempt moves it on
 */
public record Workload(String workloadId, String name, String target, String deviceId, String cloudTarget,
        String image, String pinnedImage, Map<String, String> env, List<String> secretEnv, Resources resources,
        String network, List<Port> ports, Map<String, String> labels, HealthCheck healthCheck, String status,
        String detail, String address, String containerId, String health, OffsetDateTime healthSince, String createdBy,
        OffsetDateTime createdAt, OffsetDateTime updatedAt, String kind, int deployAttempt) {

    public static final String CONTAINER = "container";
    public static final String HER_PROVIDER = "her-provider";

    /** @param memory Docker's syntax, e.g. {@code 256m} or {@code 2g}; @param pids most processes */
    public record Resources(Double cpus, String memory, Long pids) {
    }

    /** @param hostPort defaults to {@code containerPort}; @param protocol {@code tcp} (default) or {@code udp} */
    public record Port(Integer containerPort, Integer hostPort, String protocol) {
    }

    /**
     * How a workload's health is checked, where it runs: an HTTP request, a TCP connection, or a command in the
     * container. Unhealthy after {@code retries} failed checks in a row, healthy again after one that passes.
     *
     * @param port           the container port an http or tcp check goes to (one of the workload's ports); defaults
     *                       to the first
     * @param path           for http, default {@code /}
     * @param expectedStatus for http, default 200
     * @param command        for command: the program and its arguments, passing when it exits 0
     */
    public record HealthCheck(String type, Integer port, String path, Integer expectedStatus, List<String> command,
            Integer intervalSeconds, Integer timeoutSeconds, Integer retries) {

        /** One run of this check. */
        public HealthProbe probe() {
            return new HealthProbe(type, path, expectedStatus, command, timeoutSeconds);
        }
    }

    /** {@code POST /api/workloads}: {@code deviceId} for target edge, {@code cloudTarget} for target cloud. */
    public record Request(String name, String target, String deviceId, String cloudTarget, String image,
            Map<String, String> env, Map<String, String> secretEnv, Resources resources, String network,
            List<Port> ports, Map<String, String> labels, HealthCheck healthCheck) {
    }

    /** The container's name on its engine. */
    public String container() {
        return name;
    }

    public String where() {
        return "cloud".equals(target) ? "cloud target " + cloudTarget : "edge " + deviceId;
    }
}
