package caravan.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

import caravan.deploy.AgentCommand;
import caravan.deploy.CommandRefusedException;
import caravan.deploy.ContainerRuntime.ContainerState;
import caravan.deploy.DeviceCapabilities;
import caravan.deploy.MqttLogin;
import caravan.deploy.SignedCommands;

/**
 * One simulated edge agent for the fleet benchmark, on the broker as the real one is (edge-agent's
 * {@code CommandReceiver}, {@code CommandVerifier}, {@code AgentEvents} and the {@code agent-*} routes): logged in
 * with its edge's own credential as {@code caravan-agent-{edgeId}} on a persistent session, subscribed to
 * {@code caravan/edges/{edgeId}/commands} at QoS 1; it applies only commands signed with the hub's key for its edge
 * and not applied before, and reports on {@code caravan/edges/{edgeId}/events} at QoS 1: heartbeats, and a deploy's
 * statuses as {@code DeploySteps} reports them, in order, without pulling or running anything. Two differences from
 * the real agent: one connection carries both its commands and its events (the real one publishes events on a second
 * connection of its own), and an event the broker does not take is counted, not retried from an outbox.
 */
final class FleetAgent {

    /** The real agent's {@code caravan.agent.session-expiry-seconds}: commands wait a week for an offline edge. */
    private static final long SESSION_EXPIRY_SECONDS = 604_800;
    private static final String CONTAINER = "her-provider";
    private static final String AGENT_VERSION = "caravan-edge-agent fleet-bench";
    /** What a Jetson's agent reports (the README's example). */
    private static final DeviceCapabilities CAPABILITIES = new DeviceCapabilities("aarch64", 6, 7620L, 41230L, true,
            "27.3.1");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String edgeId;
    private final MqttLogin login;
    private final ECPublicKey hubKey;
    private final ScheduledExecutorService executor;
    private final Duration heartbeatPeriod;
    private final String commandTopic;
    private final String eventTopic;
    private final Mqtt5AsyncClient client;
    private final Set<String> applied = ConcurrentHashMap.newKeySet();
    /** When this agent took each deployment's command, and when the broker took its healthy report (nanoTime). */
    private final Map<String, Long> commandAt = new ConcurrentHashMap<>();
    private final Map<String, Long> healthyAt = new ConcurrentHashMap<>();
    private final AtomicLong eventsTaken = new AtomicLong();
    private final AtomicLong eventsFailed = new AtomicLong();
    private final AtomicLong commandsRefused = new AtomicLong();
    private volatile ContainerState container;
    private volatile ScheduledFuture<?> heartbeats;

    /**
     * @param executor shared by every agent, for its commands, heartbeats and health windows: a thousand agents need
     *                 no thread each
     */
    FleetAgent(String brokerUrl, String edgeId, MqttLogin login, ECPublicKey hubKey, ScheduledExecutorService executor,
            Duration heartbeatPeriod) {
        this.edgeId = edgeId;
        this.login = login;
        this.hubKey = hubKey;
        this.executor = executor;
        this.heartbeatPeriod = heartbeatPeriod;
        this.commandTopic = "caravan/edges/" + edgeId + "/commands";
        this.eventTopic = "caravan/edges/" + edgeId + "/events";
        URI broker = URI.create(brokerUrl);
        this.client = Mqtt5Client.builder().identifier("caravan-agent-" + edgeId)
                .serverHost(broker.getHost()).serverPort(broker.getPort())
                .simpleAuth().username(login.username()).password(login.password().getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth()
                .automaticReconnectWithDefaultConfig()
                .buildAsync();
        // Taken before connecting, as CommandReceiver does: a kept session's commands arrive right after the connect.
        client.publishes(MqttGlobalPublishFilter.ALL, this::received, executor);
    }

    String edgeId() {
        return edgeId;
    }

    /** Connects, subscribes to the edge's commands, and starts its heartbeats. */
    CompletableFuture<Void> connect() {
        return client.connectWith().cleanStart(false).sessionExpiryInterval(SESSION_EXPIRY_SECONDS).send()
                .thenCompose(connected -> client.subscribeWith().topicFilter(commandTopic).qos(MqttQos.AT_LEAST_ONCE)
                        .send())
                .thenAccept(subscribed -> {
                    if (subscribed.getReasonCodes().stream().anyMatch(code -> code.isError())) {
                        throw new IllegalStateException("the broker refused " + edgeId + " its commands: "
                                + subscribed.getReasonCodes());
                    }
                    // agents start at different times: their heartbeats are spread over the period, not in step
                    long period = heartbeatPeriod.toMillis();
                    heartbeats = executor.scheduleAtFixedRate(this::heartbeat,
                            ThreadLocalRandom.current().nextLong(period), period, TimeUnit.MILLISECONDS);
                });
    }

    /**
     * Stops the heartbeats and disconnects with a session expiry of 0: the broker forgets the session, which a real
     * agent's broker keeps for its return.
     */
    CompletableFuture<Void> disconnect() {
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
        return client.disconnectWith().sessionExpiryInterval(0).send();
    }

    /** When this agent took the deployment's command (System.nanoTime), or null. */
    Long commandAt(String deploymentId) {
        return commandAt.get(deploymentId);
    }

    /** When the broker took this agent's healthy report of the deployment (System.nanoTime), or null. */
    Long healthyAt(String deploymentId) {
        return healthyAt.get(deploymentId);
    }

    boolean reportedHealthy() {
        return !healthyAt.isEmpty();
    }

    long eventsTaken() {
        return eventsTaken.get();
    }

    long eventsFailed() {
        return eventsFailed.get();
    }

    long commandsRefused() {
        return commandsRefused.get();
    }

    /**
     * A command, as the {@code agent-commands} route takes it: verified (signature, edge, expiry) and opened with the
     * edge's credential, then applied once; a refusal is reported to the hub. Never throws: the client would end the
     * flow of messages.
     */
    private void received(Mqtt5Publish publish) {
        try {
            String verified = SignedCommands.verify(hubKey, edgeId, login.password(),
                    new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8), Instant.now());
            AgentCommand command = JSON.readValue(verified, AgentCommand.class);
            if (!applied.add(command.commandId())) {
                commandRefused(command.commandId(), "replayed", "the command was applied before");
            } else if ("deploy".equals(command.type())) {
                deploy(command);
            } else {
                System.out.println(edgeId + ": ignoring command " + command.commandId() + " of type " + command.type());
            }
        } catch (CommandRefusedException refused) {
            commandRefused(refused.commandId(), refused.reason(), refused.getMessage());
        } catch (IOException | RuntimeException e) {
            commandsRefused.incrementAndGet();
            System.out.println(edgeId + ": command not applied: " + e);
        }
    }

    /**
     * The statuses and details of {@code DeploySteps} (pull, replaceContainer, awaitHealthy), with nothing pulled or
     * run: pulling, starting and running at once, healthy after the gate's window. The hubs run with the gate's
     * trajectory check off, as no provider publishes here.
     */
    private void deploy(AgentCommand command) {
        String deploymentId = command.deploymentId();
        commandAt.put(deploymentId, System.nanoTime());
        String image = command.image();
        status(deploymentId, "pulling", "pulling " + image);
        status(deploymentId, "starting", "replacing " + CONTAINER + " with " + image);
        container = new ContainerState(CONTAINER, image, deploymentId, null, "running", true, 0, null);
        String containerId = UUID.randomUUID().toString().replace("-", "");
        status(deploymentId, "running", "container " + CONTAINER + " " + containerId.substring(0, 12) + " started");
        int window = command.healthGateOrDefault().windowSeconds();
        executor.schedule(() -> status(deploymentId, "healthy", "running for " + window + " s")
                .thenAccept(taken -> {
                    if (taken) {
                        healthyAt.put(deploymentId, System.nanoTime());
                    }
                }), window, TimeUnit.SECONDS);
    }

    /** As {@code AgentEvents.heartbeat}: versions, what the edge can hold, the provider container's state. */
    private void heartbeat() {
        Map<String, Object> event = event("heartbeat");
        event.put("dockerVersion", CAPABILITIES.dockerVersion());
        event.put("capabilities", CAPABILITIES);
        event.put("container", container);
        send(event);
    }

    private CompletableFuture<Boolean> status(String deploymentId, String status, String detail) {
        Map<String, Object> event = event("deployment-status");
        event.put("deploymentId", deploymentId);
        event.put("status", status);
        event.put("detail", detail);
        return send(event);
    }

    private void commandRefused(String commandId, String reason, String detail) {
        commandsRefused.incrementAndGet();
        Map<String, Object> event = event("command-refused");
        event.put("commandId", commandId);
        event.put("reason", reason);
        event.put("detail", detail);
        send(event);
    }

    private Map<String, Object> event(String type) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", type);
        event.put("edgeId", edgeId);
        event.put("agentVersion", AGENT_VERSION);
        event.put("at", System.currentTimeMillis());
        return event;
    }

    /** Publishes the event at QoS 1; answers whether the broker took it. */
    private CompletableFuture<Boolean> send(Map<String, Object> event) {
        byte[] payload;
        try {
            payload = JSON.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event of " + edgeId + " not serialisable", e);
        }
        return client.publishWith().topic(eventTopic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send()
                .handle((result, error) -> {
                    boolean taken = error == null && result.getError().isEmpty();
                    (taken ? eventsTaken : eventsFailed).incrementAndGet();
                    return taken;
                });
    }
}
