package caravan.agent;

import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Configuration;
import org.apache.camel.support.processor.idempotent.FileIdempotentRepository;

import caravan.deploy.AgentSettings;
import caravan.deploy.AgentState;
import caravan.deploy.ContainerCommands;
import caravan.deploy.ContainerRuntime;
import caravan.deploy.DeploySteps;
import caravan.deploy.DockerClients;
import caravan.deploy.EngineApiRuntime;
import caravan.deploy.MqttLogin;
import caravan.deploy.SignedCommands;
import caravan.deploy.TrustedCa;

/** The beans the edge routes call, made from the {@code caravan.agent.*} properties. */
public class AgentConfiguration implements CamelConfiguration {

    @PropertyInject("caravan.agent.edge-id")
    private String edgeId;
    @PropertyInject("caravan.agent.docker-host")
    private String dockerHost;
    @PropertyInject("caravan.agent.state-dir")
    private String stateDir;
    @PropertyInject(value = "caravan.agent.disk-path", defaultValue = "")
    private String diskPath;
    @PropertyInject("caravan.agent.min-free-disk-mb")
    private long minFreeDiskMb;
    @PropertyInject("caravan.agent.container-name")
    private String containerName;
    @PropertyInject("caravan.agent.step-timeout-seconds")
    private long stepTimeoutSeconds;
    @PropertyInject("caravan.agent.simulator.venue-id")
    private String simulatorVenueId;
    @PropertyInject("caravan.agent.broker-url")
    private String brokerUrl;
    @PropertyInject("caravan.agent.session-expiry-seconds")
    private long sessionExpirySeconds;
    @PropertyInject(value = "caravan.agent.command-key", defaultValue = "")
    private String commandKey;
    @PropertyInject(value = "caravan.agent.credentials-file", defaultValue = "")
    private String credentialsFile;
    @PropertyInject(value = "caravan.agent.mqtt-username", defaultValue = "")
    private String mqttUsername;
    @PropertyInject(value = "caravan.agent.mqtt-password", defaultValue = "")
    private String mqttPassword;
    @PropertyInject(value = "caravan.agent.broker-ca", defaultValue = "")
    private String brokerCa;
    @PropertyInject(value = "caravan.agent.hub-url", defaultValue = "")
    private String hubUrl;
    @PropertyInject(value = "caravan.agent.hub-ca", defaultValue = "")
    private String hubCa;
    @PropertyInject(value = "caravan.agent.hub-allow-http", defaultValue = "false")
    private boolean hubAllowHttp;
    @PropertyInject(value = "caravan.agent.claim-poll-ms", defaultValue = "5000")
    private long claimPollMs;

    @Override
    public void configure(CamelContext camelContext) throws Exception {
        MqttLogin credentials = AgentCredentials.load(credentialsFile, mqttUsername.isBlank() ? edgeId
                : mqttUsername, mqttPassword);
        if (credentials == null && (edgeId == null || edgeId.isBlank())) {
            AgentClaim.Claimed claimed = claimed();
            if (claimed != null) {
                if (!commandKey.isBlank() && !SignedCommands.publicKey(commandKey)
                        .equals(SignedCommands.publicKey(claimed.commandKey()))) {
                    throw new IllegalStateException("the hub that claimed this edge signs with another key than "
                            + "caravan.agent.command-key: it is not the hub this agent was given");
                }
                edgeId = claimed.edgeId();
                commandKey = claimed.commandKey();
                credentials = new MqttLogin(claimed.username(), claimed.password());
                // the routes' topics name the edge: the claim decides which
                camelContext.getPropertiesComponent().addOverrideProperty("caravan.agent.edge-id", edgeId);
            }
        }
        if (edgeId == null || edgeId.isBlank()) {
            throw new IllegalStateException("caravan.agent.edge-id is not set: give this edge's id in "
                    + "CARAVAN_AGENT_EDGE_ID, or leave it and the credential out and set CARAVAN_AGENT_HUB_URL to have "
                    + "the edge claimed with a code");
        }
        if (commandKey.isBlank()) {
            throw new IllegalStateException("caravan.agent.command-key is not set: give the hub's command-signing key "
                    + "(GET /api/hub/command-key) in CARAVAN_AGENT_COMMAND_KEY; the agent applies only commands it signed");
        }
        Path ca = brokerCa.isBlank() ? null : Path.of(brokerCa);
        PahoMqtt5Configuration mqtt = camelContext.getComponent("paho-mqtt5", PahoMqtt5Component.class)
                .getConfiguration();
        if (credentials != null) {
            mqtt.setUserName(credentials.username());
            mqtt.setPassword(credentials.password());
        }
        if (ca != null) {
            mqtt.setSocketFactory(TrustedCa.sslContext(ca).getSocketFactory());
            mqtt.setHttpsHostnameVerificationEnabled(true);
        }
        AgentSettings settings = new AgentSettings(edgeId, dockerHost, Path.of(stateDir).toAbsolutePath(), diskPath,
                minFreeDiskMb * 1024 * 1024, containerName, Duration.ofSeconds(stepTimeoutSeconds), simulatorVenueId,
                credentials, ca);
        ContainerRuntime runtime = new EngineApiRuntime(() -> DockerClients.connect(dockerHost,
                "caravan.agent.docker-host (environment CARAVAN_AGENT_DOCKER_HOST)"), settings.stepTimeout(), diskPath);
        AgentState state = new AgentState(settings, new ObjectMapper());
        AgentEvents events = new AgentEvents(camelContext.createProducerTemplate(), runtime, settings);
        camelContext.getRegistry().bind("agentEvents", events);
        camelContext.getRegistry().bind("deploySteps", new DeploySteps(runtime, state, events, settings,
                () -> stopSimulator(camelContext)));
        camelContext.getRegistry().bind("containerCommands", new ContainerCommands(runtime, state, settings));
        camelContext.getRegistry().bind("workloadCommands", new WorkloadCommands(runtime, settings));
        camelContext.getRegistry().bind("simulator", new Simulator(settings));
        camelContext.getRegistry().bind("commandVerifier", new CommandVerifier(SignedCommands.publicKey(commandKey),
                edgeId, credentials));
        camelContext.addService(new CommandReceiver(settings, brokerUrl, credentials, sessionExpirySeconds,
                camelContext.createProducerTemplate(), camelContext.getExecutorServiceManager()
                        .newSingleThreadScheduledExecutor(this, "agent-command-connect")));
        // Command ids already applied, on disk so a redelivery after a restart is still recognised.
        camelContext.getRegistry().bind("appliedCommands", FileIdempotentRepository.fileIdempotentRepository(
                settings.stateDir().resolve("applied-commands").toFile(), 10_000));
    }

    /** What a claim handed this agent before, or now after waiting for one; null when claiming is not set up. */
    private AgentClaim.Claimed claimed() throws Exception {
        Path state = Path.of(stateDir).toAbsolutePath();
        AgentClaim.Claimed earlier = AgentClaim.stored(state);
        if (earlier != null || hubUrl.isBlank()) {
            return earlier;
        }
        return new AgentClaim(state, hubUrl, hubCa, hubAllowHttp, Duration.ofMillis(claimPollMs)).awaitClaim();
    }

    private static void stopSimulator(CamelContext camelContext) {
        try {
            camelContext.getRouteController().stopRoute("agent-simulator");
        } catch (Exception e) {
            throw new IllegalStateException("the simulator could not be stopped before the provider starts", e);
        }
    }
}
