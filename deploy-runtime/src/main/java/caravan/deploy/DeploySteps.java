package caravan.deploy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import caravan.deploy.AgentState.Installed;
import caravan.deploy.ContainerRuntime.ContainerState;

/**
 * The steps of the {@code deploy-steps} route template, on the agent ({@code agent-deploy}) and over SSH. The old provider keeps running through the disk check and the pull;
 * only then is it replaced. Each step reports its status to the hub. A failure after the old provider was removed
 * restores the previous healthy deployment when the health gate asks for it.
 */
public class DeploySteps {

    private static final Logger LOG = LoggerFactory.getLogger(DeploySteps.class);
    private static final Pattern MEMORY = Pattern.compile("(\\d+(?:\\.\\d+)?)([kmg]?)b?");

    private final ContainerRuntime runtime;
    private final AgentState state;
    private final DeploymentReporter events;
    private final AgentSettings settings;
    private final Runnable beforeReplace;

    /**
     * @param beforeReplace what must stop before the old container goes: on the agent its simulator, which publishes
     *                      on the provider's topic
     */
    public DeploySteps(ContainerRuntime runtime, AgentState state, DeploymentReporter events, AgentSettings settings,
            Runnable beforeReplace) {
        this.runtime = runtime;
        this.state = state;
        this.events = events;
        this.settings = settings;
        this.beforeReplace = beforeReplace;
    }

    /** Pulling: enough free disk for the image, then the pull, with the old provider still running. */
    public void pull(AgentCommand command) throws IOException, InterruptedException {
        String image = requireImage(command);
        state.setDeployInProgress(command);
        events.deploymentStatus(command.deploymentId(), "pulling", "pulling " + image);
        if (!runtime.imagePresent(image)) {
            long needed = settings.minFreeDisk() + command.deployment().path("provider").path("size").asLong(0);
            long free = runtime.freeDisk();
            if (free < needed) {
                throw new IllegalStateException("not enough disk to pull " + image + ": " + mb(free) + " free, "
                        + mb(needed) + " needed (image size plus caravan.agent.min-free-disk); the running provider "
                        + "was left untouched");
            }
        }
        runtime.pull(image, command.registryAuth());
        Set<String> pulled = state.pulledImages();
        pulled.add(image);
        state.setPulledImages(pulled);
    }

    /**
     * Starting: the document goes to the config file, the old container is replaced by the new one. The deployment
     * that was healthy before becomes the rollback target.
     */
    public void replaceContainer(AgentCommand command) {
        String image = requireImage(command);
        beforeReplace.run();
        events.deploymentStatus(command.deploymentId(), "starting", "replacing " + settings.containerName() + " with " + image);
        state.current().filter(Installed::healthy).ifPresent(state::setPrevious);
        state.setCurrent(new Installed(command.deployment(), image, false));
        state.writeConfig(command.deployment());
        runtime.remove(settings.containerName());
        String id = start(command.deployment(), image);
        events.deploymentStatus(command.deploymentId(), "running", "container " + settings.containerName() + " "
                + id.substring(0, 12) + " started");
    }

    /**
     * Healthy when the container keeps running, without restarts, for the gate's window and, if the gate asks, the
     * provider published on its topic meanwhile. Then older provider images are pruned.
     */
    public void awaitHealthy(AgentCommand command) throws Exception {
        AgentCommand.HealthGate gate = command.healthGateOrDefault();
        JsonNode mqtt = command.deployment().path("mqtt");
        long started = System.currentTimeMillis();
        try (TrajectoryWatch watch = gate.requireTrajectories()
                ? TrajectoryWatch.start(mqtt.path("broker").asText(), mqtt.path("topic").asText(),
                        settings.mqttLogin(), settings.brokerCa()) : null) {
            while (System.currentTimeMillis() - started < gate.windowSeconds() * 1000L) {
                ContainerState container = runtime.state(settings.containerName()).orElse(null);
                if (container == null || !container.running() || container.restartCount() > 0) {
                    throw new HealthGateException(describeUnhealthy(container, started));
                }
                Thread.sleep(500);
            }
            if (watch != null && watch.received() == 0) {
                throw new HealthGateException("no trajectories on " + mqtt.path("topic").asText() + " at "
                        + mqtt.path("broker").asText() + " within " + gate.windowSeconds() + " s");
            }
            String published = watch == null ? "" : ", " + watch.received() + " trajectories received";
            Installed current = state.current().orElseThrow();
            state.setCurrent(new Installed(current.deployment(), current.image(), true));
            List<String> pruned = prune();
            state.setDeployInProgress(null);
            events.deploymentStatus(command.deploymentId(), "healthy", "running for " + gate.windowSeconds() + " s"
                    + published + (pruned.isEmpty() ? "" : "; pruned " + pruned));
        }
    }

    /**
     * The deploy failed: when the old provider was already replaced and the gate allows it, the previous healthy
     * deployment is restored first; then the failure is reported with its reason and what was done about it.
     */
    public void fail(AgentCommand command, Exception cause) {
        String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        LOG.warn("Deployment {} failed: {}", command.deploymentId(), reason);
        String outcome = "";
        boolean replaced = state.current().map(c -> c.deploymentId().equals(command.deploymentId())).orElse(false);
        if (replaced && command.healthGateOrDefault().rollbackOnFailure()) {
            outcome = restorePrevious();
        } else if (replaced) {
            outcome = "; not rolled back (the health gate's rollbackOnFailure is off)";
        }
        state.setDeployInProgress(null);
        events.deploymentStatus(command.deploymentId(), "failed", reason + outcome);
    }

    /** A deploy the agent was carrying out when it stopped (killed, power cut), if any. */
    public AgentCommand interruptedDeploy() {
        return state.deployInProgress().orElse(null);
    }

    /**
     * Finishes a deploy the agent was stopped in the middle of: if the new provider was already started, it is held
     * to the health gate again from now; otherwise the deploy fails, leaving the provider that runs untouched, and
     * the hub can deploy again.
     */
    public void resume(AgentCommand command) throws Exception {
        boolean started = state.current().map(c -> c.deploymentId().equals(command.deploymentId())).orElse(false);
        if (!started) {
            throw new IllegalStateException("the agent was restarted during the deploy, before the new provider was "
                    + "started; deploy again");
        }
        LOG.info("Deployment {} was under way when the agent stopped: holding it to the health gate again",
                command.deploymentId());
        awaitHealthy(command);
    }

    private String restorePrevious() {
        Installed previous = state.previous().orElse(null);
        if (previous == null) {
            runtime.remove(settings.containerName());
            state.setCurrent(null);
            return "; no earlier healthy deployment to roll back to, the failed container was removed";
        }
        try {
            state.writeConfig(previous.deployment());
            runtime.remove(settings.containerName());
            start(previous.deployment(), previous.image());
            state.setCurrent(previous);
            state.setPrevious(null);
            return "; rolled back to deployment " + previous.deploymentId() + " (" + previous.image() + ")";
        } catch (RuntimeException e) {
            LOG.error("Rollback to deployment {} failed", previous.deploymentId(), e);
            return "; rollback to deployment " + previous.deploymentId() + " failed too: " + e.getMessage();
        }
    }

    /** Whether the simulator should run: only while no provider is deployed. */
    public boolean simulatorWanted() {
        return state.current().isEmpty();
    }

    private String start(JsonNode deployment, String image) {
        JsonNode mqtt = deployment.path("mqtt");
        List<String> env = new ArrayList<>(List.of(
                "MQTT_BROKER=" + mqtt.path("broker").asText(),
                "MQTT_TOPIC=" + mqtt.path("topic").asText(),
                "MQTT_QOS=" + mqtt.path("qos").asInt(1),
                "EDGE_ID=" + deployment.path("edgeId").asText(),
                "VENUE_ID=" + deployment.path("venueId").asText(),
                "CONFIG_FILE=/config/" + AgentState.CONFIG_FILE));
        if (settings.mqttLogin() != null) {
            env.add("MQTT_USERNAME=" + settings.mqttLogin().username());
            env.add("MQTT_PASSWORD=" + settings.mqttLogin().password());
        }
        deployment.path("env").fields().forEachRemaining(value -> env.add(value.getKey() + "=" + value.getValue().asText()));
        JsonNode resources = deployment.path("resources");
        // The reference's provider container: host network, its config read-only at /config.
        return runtime.run(new ContainerRuntime.ContainerSpec(settings.containerName(), image, env, "host", List.of(),
                Map.of(settings.configDir().toAbsolutePath().toString(), "/config"),
                resources.path("cpus").asDouble(2.0), memoryBytes(resources.path("memory").asText("2g")), 0,
                Map.of(ContainerRuntime.DEPLOYMENT_LABEL, deployment.path("deploymentId").asText(),
                        "caravan.provider", deployment.path("provider").path("providerId").asText())));
    }

    /** Removes pulled provider images other than the current and the rollback target. */
    private List<String> prune() {
        Set<String> keep = new LinkedHashSet<>();
        state.current().ifPresent(c -> keep.add(c.image()));
        state.previous().ifPresent(p -> keep.add(p.image()));
        Set<String> pulled = state.pulledImages();
        List<String> removed = runtime.removeImages(pulled, keep);
        removed.forEach(pulled::remove);
        state.setPulledImages(pulled);
        return removed;
    }

    private String describeUnhealthy(ContainerState container, long started) throws InterruptedException {
        long seconds = (System.currentTimeMillis() - started) / 1000;
        if (container == null) {
            return "health gate: container " + settings.containerName() + " disappeared after " + seconds + " s";
        }
        String logs = runtime.logs(settings.containerName(), 5).strip();
        return "health gate: container " + container.status()
                + (container.exitCode() == null || container.running() ? "" : " (exit code " + container.exitCode() + ")")
                + (container.restartCount() > 0 ? ", restarted " + container.restartCount() + " times" : "")
                + " after " + seconds + " s" + (logs.isEmpty() ? "" : "; last output: " + logs.replace("\n", " | "));
    }

    private static String requireImage(AgentCommand command) {
        if (command.deploymentId() == null || command.image() == null) {
            throw new IllegalArgumentException("deploy command " + command.commandId() + " has no deployment.deploymentId "
                    + "or deployment.provider.image");
        }
        return command.image();
    }

    /** Docker's memory syntax: a number with an optional k, m or g unit, optionally followed by b. */
    public static long memoryBytes(String memory) {
        Matcher matcher = MEMORY.matcher(memory.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new IllegalArgumentException("resources.memory '" + memory + "' is not a size like 512m or 2g");
        }
        long unit = switch (matcher.group(2)) {
            case "k" -> 1024L;
            case "m" -> 1024L * 1024;
            case "g" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        return (long) (Double.parseDouble(matcher.group(1)) * unit);
    }

    private static String mb(long bytes) {
        return bytes / (1024 * 1024) + " MB";
    }

    /** The new provider did not pass the health gate. */
    public static class HealthGateException extends Exception {
        public HealthGateException(String message) {
            super(message);
        }
    }
}
