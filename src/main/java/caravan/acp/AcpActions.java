package caravan.acp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

import caravan.api.TargetFailedException;
import caravan.workload.Workload;
import caravan.workload.Workload.HealthCheck;
import caravan.workload.Workload.Port;
import caravan.workload.Workload.Resources;
import caravan.workload.WorkloadHealth;
import caravan.workload.WorkloadHealth.CheckOutcome;
import caravan.workload.Workloads;

/**
 * The hosting-orchestrator's actions, as the {@code acp-run} route calls them: ACP's snake_case inputs turned into
 * the workload API's requests, and its answers into the outputs the manifest describes.
 */
@Component
public class AcpActions {

    private static final TypeReference<Map<String, String>> STRINGS = new TypeReference<>() { };
    private static final Duration DEPLOY_POLL = Duration.ofMillis(200);

    private final Workloads workloads;
    private final WorkloadHealth health;
    private final AcpRuns runs;
    private final ObjectMapper mapper;
    private final AcpProperties properties;

    public AcpActions(Workloads workloads, WorkloadHealth health, AcpRuns runs, ObjectMapper mapper,
            AcpProperties properties) {
        this.workloads = workloads;
        this.health = health;
        this.runs = runs;
        this.mapper = mapper;
        this.properties = properties;
    }

    /** deploy_to_cloud and deploy_to_edge: the workload stored, for the run to follow it. */
    public Workload createWorkload(JsonNode input, String target, String runId, String actor) {
        Workload workload = workloads.create(new Workload.Request(text(input, "name"), target,
                text(input, "device_id"), text(input, "cloud_target"), text(input, "image"), strings(input, "env"),
                strings(input, "secret_env"), resources(input.get("resources")), text(input, "network"),
                ports(input.get("ports")), strings(input, "labels"), healthCheckOf(input.get("health_check"))), actor);
        runs.attachWorkload(runId, workload.workloadId());
        return workload;
    }

    /**
     * Follows the deploy until the workload runs (the output), fails or is cancelled (the run fails or is cancelled
     * with it). A cancel of the run is passed on to the deploy.
     */
    public Map<String, Object> awaitDeployed(Workload created, String runId) throws InterruptedException {
        long deadline = System.nanoTime() + properties.deployTimeout().toNanos();
        boolean cancelPassedOn = false;
        while (System.nanoTime() < deadline) {
            Workload workload = workloads.workload(created.workloadId());
            switch (workload.status()) {
                case "running" -> {
                    return workload(workload);
                }
                case "failed" -> throw new TargetFailedException("the deploy of workload " + workload.name()
                        + " failed: " + workload.detail(), null);
                case "cancelled" -> throw new TargetFailedException("the deploy was cancelled: " + workload.detail(), null);
                default -> {
                    if (!cancelPassedOn && runs.cancelRequested(runId)) {
                        workloads.cancelDeploy(workload.workloadId());
                        cancelPassedOn = true;
                    }
                    Thread.sleep(DEPLOY_POLL.toMillis());
                }
            }
        }
        throw new TargetFailedException("workload " + created.name() + " was not running within "
                + properties.deployTimeout() + "; it deploys on, follow it with get_address", null);
    }

    public Map<String, Object> address(JsonNode input) {
        return workload(workloads.workload(text(input, "workload_id")));
    }

    /** stop_container and restart_container. */
    public Map<String, Object> control(JsonNode input, String action) {
        return workload(workloads.control(text(input, "workload_id"), action));
    }

    public Map<String, Object> delete(JsonNode input) {
        return workload(workloads.delete(text(input, "workload_id")));
    }

    public CheckOutcome healthCheck(JsonNode input) throws InterruptedException {
        return health.checkNow(text(input, "workload_id"));
    }

    public Map<String, Object> healthCheckOutput(CheckOutcome outcome) {
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("workload_id", outcome.check().workloadId());
        output.put("healthy", outcome.check().healthy());
        output.put("response_time_ms", outcome.check().responseTimeMs());
        output.put("detail", outcome.check().detail());
        output.put("checked_at", outcome.check().checkedAt().toString());
        output.put("health", outcome.workload().health());
        return output;
    }

    public Map<String, Object> logs(JsonNode input) {
        Map<String, Object> logs = workloads.logs(text(input, "workload_id"),
                input.hasNonNull("tail") ? input.get("tail").asInt() : null);
        return Map.of("workload_id", logs.get("workloadId"), "tail", logs.get("tail"), "logs", logs.get("logs"));
    }

    public Map<String, Object> stats(JsonNode input) {
        Map<String, Object> stats = new LinkedHashMap<>(workloads.stats(text(input, "workload_id")));
        stats.put("workload_id", stats.remove("workloadId"));
        return stats;
    }

    public Map<String, Object> list(JsonNode input) {
        return Map.of("workloads", workloads.list(text(input, "device_id")).stream().map(AcpActions::workload).toList());
    }

    private static Map<String, Object> workload(Workload workload) {
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("workload_id", workload.workloadId());
        output.put("name", workload.name());
        output.put("target", workload.target());
        output.put("kind", workload.kind());
        output.put("status", workload.status());
        output.put("health", workload.health());
        output.put("address", workload.address());
        output.put("container_id", workload.containerId());
        output.put("pinned_image", workload.pinnedImage());
        output.put("detail", workload.detail());
        return output;
    }

    private static String text(JsonNode input, String field) {
        return input.hasNonNull(field) ? input.get(field).asText() : null;
    }

    private Map<String, String> strings(JsonNode input, String field) {
        return input.hasNonNull(field) ? mapper.convertValue(input.get(field), STRINGS) : null;
    }

    private static Resources resources(JsonNode resources) {
        return resources == null ? null : new Resources(resources.hasNonNull("cpus") ? resources.get("cpus").asDouble() : null,
                text(resources, "memory"), resources.hasNonNull("pids") ? resources.get("pids").asLong() : null);
    }

    private static List<Port> ports(JsonNode ports) {
        if (ports == null) {
            return null;
        }
        List<Port> result = new ArrayList<>();
        ports.forEach(port -> result.add(new Port(integer(port, "container_port"), integer(port, "host_port"),
                text(port, "protocol"))));
        return result;
    }

    private static HealthCheck healthCheckOf(JsonNode check) {
        if (check == null) {
            return null;
        }
        List<String> command = null;
        if (check.hasNonNull("command")) {
            command = new ArrayList<>();
            for (JsonNode word : check.get("command")) {
                command.add(word.asText());
            }
        }
        return new HealthCheck(text(check, "type"), integer(check, "port"), text(check, "path"),
                integer(check, "expected_status"), command, integer(check, "interval_seconds"),
                integer(check, "timeout_seconds"), integer(check, "retries"));
    }

    private static Integer integer(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asInt() : null;
    }
}
