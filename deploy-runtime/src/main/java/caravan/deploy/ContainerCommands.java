package caravan.deploy;

import java.util.LinkedHashMap;
import java.util.Map;

/** Operations on the provider container the hub asks for: stop, restart, remove, logs, stats. */
public class ContainerCommands {

    private static final int DEFAULT_LOG_LINES = 100;
    private static final int MAX_LOG_LINES = 5000;

    private final ContainerRuntime runtime;
    private final AgentState state;
    private final AgentSettings settings;

    public ContainerCommands(ContainerRuntime runtime, AgentState state, AgentSettings settings) {
        this.runtime = runtime;
        this.state = state;
        this.settings = settings;
    }

    /** Applies {@code action} to the provider container: ok with the output and the container's state, or the error. */
    public Map<String, Object> execute(String action, Integer tail) {
        String name = settings.containerName();
        Map<String, Object> result = new LinkedHashMap<>();
        try {
            switch (action == null ? "" : action) {
                case "stop" -> runtime.stop(name);
                case "restart" -> runtime.restart(name);
                case "remove" -> {
                    runtime.remove(name);
                    state.setCurrent(null);
                }
                case "logs" -> result.put("output", runtime.logs(name, Math.min(MAX_LOG_LINES,
                        tail == null ? DEFAULT_LOG_LINES : tail)));
                case "stats" -> result.put("stats", runtime.stats(name));
                default -> throw new IllegalArgumentException("unknown container action '" + action
                        + "': use stop, restart, remove, logs or stats");
            }
            runtime.state(name).ifPresent(container -> result.put("container", container));
            result.put("ok", true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.put("ok", false);
            result.put("error", "interrupted");
        } catch (RuntimeException e) {
            result.put("ok", false);
            result.put("error", e.getMessage());
        }
        return result;
    }
}
