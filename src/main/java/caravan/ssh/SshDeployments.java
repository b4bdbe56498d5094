package caravan.ssh;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import caravan.deploy.AgentCommand;
import caravan.deploy.AgentSettings;
import caravan.deploy.AgentState;
import caravan.deploy.ContainerCommands;
import caravan.deploy.DeploySteps;
import caravan.deploy.MqttLogin;
import caravan.edge.DeploymentStore;
import caravan.edge.EdgeCommands.EdgeCommand;
import caravan.edge.EdgeCommands;
import caravan.edge.EdgeRegistry.Edge;
import caravan.edge.EdgeRegistry;
import caravan.mqtt.MqttBroker;
import caravan.security.EdgeCredentials;

/**
 * The hub acting as the agent of an agentless edge: the agent's deploy steps and container operations, run here
 * against the edge's Docker engine over SSH ({@link RemoteDockerRuntime}) with the agent's state kept on the edge
 * over SFTP. Statuses go straight to the deployment record. Called by the {@code ssh-deploy},
 * {@code container-command-send} and {@code ssh-edge-probe} routes.
 */
@Component("sshDeployments")
public class SshDeployments {

    private static final Logger LOG = LoggerFactory.getLogger(SshDeployments.class);

    /** A deploy under way: the command, the edge's session (held alone until closed) and the steps bound to it. */
    public record SshDeploy(AgentCommand command, SshSession session, DeploySteps steps) {
    }

    /** The agent's parts for one edge, over one session. */
    private record EdgeOverSsh(RemoteDockerRuntime runtime, AgentState state, AgentSettings settings) {
    }

    private final SshConnections connections;
    private final SshProperties properties;
    private final EdgeRegistry registry;
    private final DeploymentStore deployments;
    private final EdgeCommands commands;
    private final ObjectMapper mapper;
    private final EdgeCredentials credentials;
    /** The hub watches an SSH edge's trajectories on the broker as the hub trusts it. */
    private final Path brokerCa;

    public SshDeployments(SshConnections connections, SshProperties properties, EdgeRegistry registry,
            DeploymentStore deployments, EdgeCommands commands, ObjectMapper mapper, EdgeCredentials credentials,
            MqttBroker broker) {
        this.credentials = credentials;
        this.brokerCa = broker.ca();
        this.connections = connections;
        this.properties = properties;
        this.registry = registry;
        this.deployments = deployments;
        this.commands = commands;
        this.mapper = mapper;
    }

    /** Logs in to the deployment's edge; from here on, each step records its status. */
    public SshDeploy connect(String deployCommand) throws JsonProcessingException {
        AgentCommand command = mapper.readValue(deployCommand, AgentCommand.class);
        String edgeId = command.deployment().path("edgeId").asText();
        MqttLogin login = credentials.loginFor(edgeId);
        SshSession session = connections.open(edgeId);
        try {
            EdgeOverSsh edge = edgeOver(session, login);
            registry.heartbeat(session.edgeId(), null, edge.runtime().dockerVersion(), null);
            return new SshDeploy(command, session, new DeploySteps(edge.runtime(), edge.state(), deployments::advance,
                    edge.settings(), () -> { })); // no simulator on an agentless edge
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    public void pull(SshDeploy deploy) throws InterruptedException, IOException {
        deploy.steps().pull(deploy.command());
    }

    public void replaceContainer(SshDeploy deploy) {
        deploy.steps().replaceContainer(deploy.command());
    }

    public void awaitHealthy(SshDeploy deploy) throws Exception {
        deploy.steps().awaitHealthy(deploy.command());
    }

    /**
     * As on the agent: roll back if the old provider was already replaced, then record the failure and its reason;
     * then log out.
     */
    public void fail(SshDeploy deploy, Exception cause) {
        try {
            deploy.steps().fail(deploy.command(), cause);
        } catch (RuntimeException cleanup) {
            deployments.advance(deploy.command().deploymentId(), "failed", cause.getMessage()
                    + "; the edge could not be cleaned up or rolled back: " + cleanup.getMessage());
        } finally {
            close(deploy);
        }
    }

    public void close(SshDeploy deploy) {
        deploy.session().close();
    }

    /**
     * Runs a container operation on the edge at once and records its result, as an agent's answer would be. An edge
     * busy with a deployment for longer than the connect timeout answers that it is busy rather than holding the
     * caller until the deployment ends.
     */
    public EdgeCommand containerCommand(EdgeCommand command, Integer tail) throws InterruptedException {
        Map<String, Object> result;
        try (SshSession session = connections.openIfFree(command.edgeId(), properties.connectTimeout()).orElse(null)) {
            if (session == null) {
                result = Map.of("ok", false, "error", "edge " + command.edgeId() + " is busy with a deployment; "
                        + "try again when it has finished");
            } else {
                EdgeOverSsh edge = edgeOver(session, null);
                result = new ContainerCommands(edge.runtime(), edge.state(), edge.settings()).execute(command.action(), tail);
            }
        } catch (SshRefusedException e) {
            result = Map.of("ok", false, "error", e.getMessage());
        }
        ObjectNode answer = mapper.valueToTree(result);
        answer.put("commandId", command.commandId());
        commands.recordResult(command.edgeId(), answer);
        return commands.command(command.edgeId(), command.commandId());
    }

    /** The edges the hub reaches over SSH: those whose host key is trusted. */
    public List<String> sshEdgeIds() {
        return registry.edges().stream()
                .filter(edge -> "ssh".equals(edge.transport()) && edge.ssh() != null && edge.ssh().hostKeyVerified())
                .map(Edge::edgeId).toList();
    }

    /**
     * Asks an idle SSH edge for its Docker version: online when it answers, offline when it cannot be reached, error
     * when it presents another host key or its Docker engine does not answer (logged when the status changes). A busy
     * edge is being deployed to.
     */
    public void probe(String edgeId) throws InterruptedException {
        try (SshSession session = connections.openIfFree(edgeId, Duration.ZERO).orElse(null)) {
            if (session != null) {
                registry.heartbeat(edgeId, null, edgeOver(session, null).runtime().dockerVersion(), null);
            }
        } catch (SshRefusedException e) {
            if (registry.markUnreachable(edgeId, e.wrongHostKey() ? "error" : "offline")) {
                LOG.warn("SSH edge {}: {}", edgeId, e.getMessage());
            }
        } catch (RuntimeException e) {
            if (registry.markUnreachable(edgeId, "error")) {
                LOG.warn("SSH edge {} is reachable but its Docker engine did not answer: {}", edgeId, e.getMessage());
            }
        }
    }

    /** @param login the edge's broker login for its provider, when deploying one */
    private EdgeOverSsh edgeOver(SshSession session, MqttLogin login) {
        AgentSettings settings = new AgentSettings(session.edgeId(), null, session.path(properties.stateDir()), "",
                properties.minFreeDiskMb() * 1024 * 1024, properties.containerName(), properties.stepTimeout(), null,
                login, brokerCa);
        return new EdgeOverSsh(new RemoteDockerRuntime(session, properties, mapper),
                new AgentState(settings, mapper, session::replace), settings);
    }
}
