package caravan.agent;

import java.util.LinkedHashMap;
import java.util.Map;

/** Operations on the provider container the hub asks for: stop, restart, remove, logs, stats. */
public class ContainerCommands {

    private static final int DEFAULT_LOG_LINES = 100;
    private static final int MAX_LOG_LINES = 5000;

    private final ContainerRuntime runtime;
    private final AgentState state;
    private final AgentEvents events;
    private final AgentSettings settings;

    public ContainerCommands(ContainerRuntime runtime, AgentState state, AgentEvents events, AgentSettings settings) {
        this.runtime = runtime;
        this.state = state;
        this.events = events;
        this.settings = settings;
    }

    /** Applies the command and reports the result to the hub: ok with the output, or the error. */
    public void apply(AgentCommand command) {
        String name = settings.containerName();
        Map<String, Object> result = new LinkedHashMap<>();
        try {
            switch (command.action() == null ? "" : command.action()) {
                case "stop" -> runtime.stop(name);
                case "restart" -> runtime.restart(name);
                case "remove" -> {
                    runtime.remove(name);
                    state.setCurrent(null);
                }
                case "logs" -> result.put("output", runtime.logs(name, Math.min(MAX_LOG_LINES,
                        command.tail() == null ? DEFAULT_LOG_LINES : command.tail())));
                case "stats" -> result.put("stats", runtime.stats(name));
                default -> throw new IllegalArgumentException("unknown container action '" + command.action()
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
        events.commandResult(command.commandId(), command.action(), result);
    }
}
