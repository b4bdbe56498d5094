package caravan.agent;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import caravan.deploy.AgentCommand;
import caravan.deploy.AgentSettings;
import caravan.deploy.ContainerRuntime;
import caravan.deploy.ContainerRuntime.ContainerSpec;
import caravan.deploy.ContainerRuntime.ExecResult;
import caravan.deploy.HealthProbe;
import caravan.deploy.WorkloadContainers;
import caravan.deploy.WorkloadContainers.CapacityException;

/**
 * The hub's operations on this edge's named workloads (commands of type {@code workload}), each applied to the local
 * engine and answered with {@code ok} and what it found, or the error: the hub's workload routes wait for the answer.
 * Only containers Caravan made for a workload are replaced or removed; health checks run here, against the
 * workload's port on this machine.
 */
public class WorkloadCommands {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> WORDS = new TypeReference<>() { };
    private static final Set<String> ON_A_WORKLOADS_CONTAINER = Set.of("stop", "start", "restart", "remove", "exec",
            "logs", "stats", "probe");

    private final ContainerRuntime runtime;
    private final AgentSettings settings;
    private final String where;

    public WorkloadCommands(ContainerRuntime runtime, AgentSettings settings) {
        this.runtime = runtime;
        this.settings = settings;
        this.where = "edge " + settings.edgeId();
    }

    public Map<String, Object> execute(AgentCommand command) {
        Map<String, Object> result = new LinkedHashMap<>();
        JsonNode args = command.workload() == null ? JSON.createObjectNode() : command.workload();
        String container = args.path("container").asText(null);
        String action = command.action() == null ? "" : command.action();
        try {
            if (args.has("deadline") && System.currentTimeMillis() > args.get("deadline").asLong()) {
                throw new IllegalStateException("the hub stopped waiting before " + action + " could start; not done");
            }
            if (ON_A_WORKLOADS_CONTAINER.contains(action)) {
                requireWorkloadContainer(container);
            }
            switch (action) {
                case "capacity" -> WorkloadContainers.checkRoom(runtime, spec(args), where, settings.minFreeDisk());
                case "pull" -> runtime.pull(args.path("image").asText(), command.registryAuth());
                case "replace" -> result.put("containerId", WorkloadContainers.replace(runtime, spec(args), where));
                case "state" -> { } // the container's state is in every answer
                case "stop" -> runtime.stop(container);
                case "start" -> runtime.start(container);
                case "restart" -> runtime.restart(container);
                case "remove" -> runtime.remove(container);
                case "exec" -> {
                    ExecResult exec = runtime.exec(container, JSON.convertValue(args.get("command"), WORDS),
                            Duration.ofSeconds(args.path("timeoutSeconds").asLong(30)));
                    result.put("exec", exec);
                }
                case "logs" -> result.put("output", runtime.logs(container, args.path("tail").asInt(100)));
                case "stats" -> result.put("stats", runtime.stats(container));
                case "probe" -> {
                    HealthProbe probe = JSON.treeToValue(args.get("probe"), HealthProbe.class);
                    Integer hostPort = args.hasNonNull("hostPort") ? args.get("hostPort").asInt() : null;
                    result.put("probe", probe.run("127.0.0.1", hostPort, container, runtime::exec));
                }
                default -> throw new IllegalArgumentException("unknown workload operation '" + action + "'");
            }
            if (container != null) {
                result.put("container", runtime.state(container).orElse(null));
            }
            result.put("ok", true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.put("ok", false);
            result.put("error", "interrupted");
        } catch (CapacityException e) {
            result.put("ok", false);
            result.put("capacity", true);
            result.put("error", e.getMessage());
        } catch (JsonProcessingException | RuntimeException e) {
            result.put("ok", false);
            result.put("error", e.getMessage());
        }
        return result;
    }

    /** Only a container Caravan made for a workload is operated on here; the provider has its own commands. */
    private void requireWorkloadContainer(String container) {
        runtime.state(container).filter(state -> state.workloadId() == null).ifPresent(state -> {
            throw new IllegalStateException("container " + container + " on " + where + " is not a workload's: "
                    + "it was left as it is");
        });
    }

    private static ContainerSpec spec(JsonNode args) throws JsonProcessingException {
        return JSON.treeToValue(args.get("spec"), ContainerSpec.class);
    }
}
