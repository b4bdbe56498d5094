package caravan.agent;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.ProducerTemplate;

import caravan.deploy.AgentSettings;
import caravan.deploy.CommandRefusedException;
import caravan.deploy.ContainerRuntime;
import caravan.deploy.DeploymentReporter;
import caravan.deploy.DeviceCapabilities;

/** Builds what the agent reports on {@code caravan/edges/{edgeId}/events} and hands it to the {@code agent-events} route. */
public class AgentEvents implements DeploymentReporter {

    static final String ENDPOINT = "direct:agent-event";

    private final ProducerTemplate producer;
    private final ContainerRuntime runtime;
    private final AgentSettings settings;

    public AgentEvents(ProducerTemplate producer, ContainerRuntime runtime, AgentSettings settings) {
        this.producer = producer;
        this.runtime = runtime;
        this.settings = settings;
    }

    @Override
    public void deploymentStatus(String deploymentId, String status, String detail) {
        Map<String, Object> event = event("deployment-status");
        event.put("deploymentId", deploymentId);
        event.put("status", status);
        event.put("detail", detail);
        producer.sendBody(ENDPOINT, event);
    }

    public void commandResult(String commandId, String action, Map<String, Object> result) {
        Map<String, Object> event = event("command-result");
        event.put("commandId", commandId);
        event.put("action", action);
        event.putAll(result);
        producer.sendBody(ENDPOINT, event);
    }

    /** A command not applied, and why: the hub audits it, and fails a command of its own that was refused. */
    public void commandRefused(String commandId, String reason, String detail) {
        Map<String, Object> event = event("command-refused");
        event.put("commandId", commandId);
        event.put("reason", reason);
        event.put("detail", detail);
        producer.sendBody(ENDPOINT, event);
    }

    public void commandRefused(CommandRefusedException refused) {
        commandRefused(refused.commandId(), refused.reason(), refused.getMessage());
    }

    /**
     * A heartbeat: versions, what this edge can hold, and the provider container's state (or why the engine could not
     * be asked).
     */
    public Map<String, Object> heartbeat() {
        Map<String, Object> event = event("heartbeat");
        try {
            DeviceCapabilities capabilities = DeviceCapabilities.of(runtime.capacity(), freeDisk(),
                    DeviceCapabilities.localGpu());
            event.put("dockerVersion", capabilities.dockerVersion());
            event.put("capabilities", capabilities);
            event.put("container", runtime.state(settings.containerName()).orElse(null));
        } catch (RuntimeException e) {
            event.put("dockerError", e.getMessage());
        }
        return event;
    }

    private Long freeDisk() {
        try {
            return runtime.freeDisk();
        } catch (IOException e) {
            return null;
        }
    }

    private Map<String, Object> event(String type) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", type);
        event.put("edgeId", settings.edgeId());
        event.put("agentVersion", EdgeAgent.version());
        event.put("at", System.currentTimeMillis());
        return event;
    }
}
