package caravan.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.DisableJmx;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.mqtt.MqttBroker;
import caravan.deploy.TrustedCa;
import caravan.testing.BrokerAccess;
import caravan.testing.HubProcess;
import caravan.testing.HubClient;
import caravan.testing.Services;
import caravan.testing.TestDebs;

/**
 * The hub as the README's run command starts it: embedded H2 and MQTT broker, no Docker engine reachable, while
 * Mosquitto (started by scripts/services.sh) holds port 1883.
 */
@CamelSpringBootTest
@ExtendWith(OutputCaptureExtension.class) // before the context starts: its log says where the admin key went
@DisableJmx(false) // Camel's test support turns JMX off; Hawtio needs it, as in the real run
@AutoConfigureObservability
@ActiveProfiles("dev") // as scripts/run.sh starts it
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class EmbeddedDefaultsIT {

    static final Path DATA_DIR = Services.tempDir("caravan-defaults-it");
    static final String NO_DOCKER = "unix:///tmp/caravan-no-docker-" + UUID.randomUUID() + ".sock";
    static final int TLS_PORT = HubProcess.freePort();

    @DynamicPropertySource
    static void defaults(DynamicPropertyRegistry registry) {
        writeExternalRoute();
        registry.add("caravan.data-dir", DATA_DIR::toString);
        // Quartz registers a job store's connections JVM-wide under the scheduler's name: under the suite's name this
        // hub's H2 store would replace the PostgreSQL one of the suite's other hubs in this JVM, and theirs it.
        registry.add("spring.quartz.scheduler-name", () -> "caravan-defaults");
        registry.add("caravan.docker.host", () -> NO_DOCKER);
        registry.add("caravan.mqtt.embedded.tls-port", () -> TLS_PORT);
        registry.add("spring.ssl.bundle.pem.caravan.keystore.certificate", () -> "file:" + Services.tlsCert());
        registry.add("spring.ssl.bundle.pem.caravan.keystore.private-key", () -> "file:" + Services.tlsKey());
    }

    /** A route an integration engineer drops into the external routes folder; no rebuild. */
    static void writeExternalRoute() {
        writeRoute("site-heartbeat");
    }

    static void writeRoute(String routeId) {
        try {
            Path routes = Files.createDirectories(DATA_DIR.resolve("routes"));
            Files.writeString(routes.resolve(routeId + ".camel.yaml"), """
                    - route:
                        id: %1$s
                        from:
                          uri: timer:%1$s
                          parameters:
                            period: 60000
                          steps:
                            - log: "%1$s"
                    """.formatted(routeId), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Autowired
    CamelContext camel;
    @Autowired
    MqttBroker broker;
    @Autowired
    TestRestTemplate http;
    @Autowired
    ObjectMapper mapper;

    @Test
    void everyExpectedRouteIsStarted_includingOnesFromTheExternalFolder() {
        List<String> expected = List.of("provider-upload", "provider-build-enqueue", "provider-build-poll", "provider-build-claim",
                "provider-build", "provider-intake-folder", "provider-build-events", "provider-list", "provider-get",
                "provider-register", "provider-build-status", "provider-build-dockerfile", "trajectory-intake",
                "trajectory-lane-batches", "trajectory-lane-0", "trajectory-lane-1", "trajectory-storage-batches",
                "trajectory-storage", "trajectory-retention", "venue-tracks", "trajectories-rejected",
                "trajectory-alerts", "alert-dispatch", "alert-mqtt", "alert-live", "alert-webhook", "alerts-list",
                "alert-acknowledge", "alert-rules", "deploy-her", "deployment-accepted", "deployment-dispatch",
                "edge-events", "edge-timeouts", "edge-rollback", "container-command-send", "container-command-accepted",
                "edge-command", "deployment-groups", "deployment-group-create", "deployment-group-get", "edge-silence",
                "venue-save", "venue-list", "venue-get", "ssh-deploy", "ssh-deploy-steps", "ssh-edge-probe", "edge-save", "edge-list",
                "edge-get", "lidar-save", "lidar-list", "deployment-get", "edge-deployments", "json-response",
                "key-create", "key-list", "key-revoke", "audit-list", "site-heartbeat");

        assertThat(camel.getRoutes()).extracting(Route::getRouteId).containsAll(expected);
        for (String routeId : expected) {
            assertThat(camel.getRouteController().getRouteStatus(routeId)).as(routeId).isEqualTo(ServiceStatus.Started);
        }
    }

    @Test
    void withNoKeyConfiguredTheHubMadeAnAdminKey_onlyItsUserCanReadIt_andSaidWhere(CapturedOutput output)
            throws Exception {
        Path keyFile = DATA_DIR.resolve("admin.key").toAbsolutePath().normalize();
        assertThat(Files.getPosixFilePermissions(keyFile))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(output.getAll()).containsOnlyOnce("created an admin key and wrote it to " + keyFile);

        String url = http.getRootUri() + "/api/edges";
        HttpClient client = HttpClient.newHttpClient();
        assertThat(client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(401);
        assertThat(client.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + Files.readString(keyFile).strip()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @Test
    void aRouteDroppedIntoTheExternalFolderWhileRunningIsLoaded() {
        writeRoute("late-arrival");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                camel.getRouteController().getRouteStatus("late-arrival")).isEqualTo(ServiceStatus.Started));
        assertThat(camel.getRouteController().getRouteStatus("provider-build")).isEqualTo(ServiceStatus.Started);
        assertThat(camel.getRouteController().getRouteStatus("site-heartbeat")).isEqualTo(ServiceStatus.Started);
    }

    @Test
    void usesTheEmbeddedBrokerOnAnotherPortWhileMosquittoHolds1883_whichLetsInOnlyTheHubAndEdgesToTheirOwnTopics()
            throws Exception {
        assertThat(broker.isEmbedded()).isTrue();
        assertThat(broker.url()).as("Mosquitto from scripts/services.sh should hold 1883").doesNotEndWith(":1883");

        MqttClient client = new MqttClient(broker.url(), "defaults-it-" + UUID.randomUUID(), new MemoryPersistence());
        client.connect(hubLogin());
        try {
            assertThat(client.isConnected()).isTrue();
        } finally {
            client.disconnect();
            client.close();
        }
        BrokerAccess.assertEnforced(http, broker.url(), hubLogin());

        // Its TLS listener, with the hub's certificate: a client trusting the CA that signed it gets in, one
        // trusting another CA does not.
        String tls = "ssl://127.0.0.1:" + TLS_PORT;
        MqttClient overTls = new MqttClient(tls, "defaults-tls-" + UUID.randomUUID(), new MemoryPersistence());
        MqttConnectionOptions trusting = hubLogin();
        trusting.setSocketFactory(TrustedCa.sslContext(Services.tlsCa()).getSocketFactory());
        overTls.connect(trusting);
        assertThat(overTls.isConnected()).isTrue();
        overTls.disconnect();
        overTls.close();
        MqttClient stranger = new MqttClient(tls, "defaults-tls-stranger-" + UUID.randomUUID(), new MemoryPersistence());
        MqttConnectionOptions otherCa = hubLogin();
        otherCa.setSocketFactory(TrustedCa.sslContext(Services.tlsOtherCa()).getSocketFactory());
        assertThatThrownBy(() -> stranger.connect(otherCa)).isInstanceOf(MqttException.class);
    }

    private MqttConnectionOptions hubLogin() {
        return BrokerAccess.login(broker.username(), broker.password());
    }

    @Test
    void withoutADockerEngineABuildFailsNamingTheHostWhileTheHubKeepsServing() throws Exception {
        String providerId = "no-docker-" + UUID.randomUUID().toString().substring(0, 8);
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        MqttClient subscriber = new MqttClient(broker.url(), "events-" + providerId, new MemoryPersistence());
        subscriber.connect(hubLogin());
        // The (topic, qos, listener) overload of Paho 1.2.5 recurses forever; the array form does not.
        subscriber.subscribe(new MqttSubscription[] {new MqttSubscription("caravan/builds/" + providerId, 1)},
                new IMqttMessageListener[] {(topic, message) -> events.add(mapper.readTree(message.getPayload()))});
        try {
            Path deb = TestDebs.helloDeb(Services.tempDir("caravan-debs"), "caravan-hello", "all", "gzip");
            String buildId = upload(providerId, deb).getBody().get("buildId").asText();

            JsonNode build = HubClient.awaitFinished(http, buildId, Duration.ofSeconds(60));
            assertThat(build.get("status").asText()).isEqualTo("failed");
            assertThat(build.get("error").asText()).startsWith("Docker engine not reachable at " + NO_DOCKER)
                    .contains("caravan.docker.host (environment CARAVAN_DOCKER_HOST)");

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events)
                    .extracting(event -> event.get("status").asText()).containsSubsequence("validating", "building", "failed"));
            assertThat(events.get(events.size() - 1).get("buildId").asText()).isEqualTo(buildId);
        } finally {
            subscriber.disconnect();
            subscriber.close();
        }

        assertThat(http.getForEntity("/actuator/health/liveness", JsonNode.class).getBody().get("status").asText()).isEqualTo("UP");
        assertThat(http.getForEntity("/actuator/health/readiness", JsonNode.class).getBody().get("status").asText()).isEqualTo("UP");
        assertThat(http.getForEntity("/api/algorithm-providers/" + providerId, JsonNode.class).getStatusCode())
                .isEqualTo(HttpStatus.OK);
    }

    @Test
    void exposesRouteAndPerEdgeMetricsAndHawtio() throws Exception {
        http.getForObject("/api/algorithm-providers", String.class);

        String prometheus = http.getForObject("/actuator/prometheus", String.class);
        assertThat(prometheus).contains("routeId=\"provider-list\"");

        ResponseEntity<String> hawtio = http.getForEntity("/actuator/hawtio/index.html", String.class);
        assertThat(hawtio.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(hawtio.getBody()).containsIgnoringCase("hawtio");
        // Hawtio's Camel view reads the route MBeans through Jolokia.
        JsonNode routes = http.getForObject("/actuator/jolokia/search/org.apache.camel:type=routes,*", JsonNode.class);
        assertThat(routes.path("value").toString()).as(routes.toString()).contains("name=\\\"provider-build\\\"");

        // Per-edge trajectory meters are MBeans too, so Hawtio shows them next to the routes.
        String edge = "defaults-edge-" + UUID.randomUUID().toString().substring(0, 8);
        Services.CommandResult published = Services.run("mosquitto_pub", "-L", broker.url().replace("tcp://",
                "mqtt://" + broker.username() + ":" + broker.password() + "@") + "/hyperspace/trajectories/" + edge,
                "-q", "1", "-m", "not json");
        assertThat(published.exitCode()).as(published.output()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> http.getForObject("/actuator/jolokia/search/metrics:*",
                JsonNode.class).path("value").toString().contains("caravanTrajectoriesMessages.edge." + edge));
        assertThat(http.getForObject("/actuator/jolokia/search/metrics:*", JsonNode.class).path("value").toString())
                .contains("caravanTrajectoriesLastMessage.edge." + edge, "caravanTrajectoriesRejected");
    }

    @Test
    void onTheEmbeddedDatabaseThisHubAloneRunsTheTriggerSchedules() {
        String device = "defaults-cam-" + UUID.randomUUID().toString().substring(0, 8);
        http.put("/api/edges/" + device, Map.of("transport", "sse"));
        ResponseEntity<JsonNode> created = http.postForEntity("/api/trigger-schedules",
                Map.of("deviceIds", List.of(device), "cron", "* * * * * ?"), JsonNode.class);
        assertThat(created.getStatusCode()).as(String.valueOf(created.getBody())).isEqualTo(HttpStatus.CREATED);
        String scheduleId = created.getBody().get("scheduleId").asText();
        try {
            // the device is not connected: each firing queues a capture command for it
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(http.getForObject(
                    "/api/devices/" + device + "/status", JsonNode.class).get("recentTriggers").findValuesAsText("source"))
                    .hasSizeGreaterThanOrEqualTo(2).containsOnly("schedule:" + scheduleId));
        } finally {
            http.delete("/api/trigger-schedules/" + scheduleId);
        }
        assertThat(camel.getRoutes()).extracting(Route::getRouteId).noneMatch(id -> id.contains(scheduleId));
    }

    @Test
    void hawtioShowsTheBuildRoutesEventStepsFromItsYamlSource() {
        // Hawtio's route diagram and source view dump the route through its MBean, by Jolokia.
        JsonNode search = http.getForObject("/actuator/jolokia/search/org.apache.camel:type=routes,*", JsonNode.class);
        String mbean = null;
        for (JsonNode name : search.path("value")) {
            if (name.asText().contains("name=\"provider-build\"")) {
                mbean = name.asText();
            }
        }
        assertThat(mbean).as(search.toString()).isNotNull();
        JsonNode dumped = http.postForObject("/actuator/jolokia", Map.of("type", "exec", "mbean", mbean,
                "operation", "dumpRouteAsXml()"), JsonNode.class);
        String route = dumped.path("value").asText();
        assertThat(route).as(dumped.toString()).contains("provider-build", "validating", "building", "pushing",
                "push(${header.CaravanBuildId})", "complete(${header.CaravanBuildId})");
        // an event step after each stage (validating, building, pushing, succeeded) and after a failure
        assertThat(route.split("uri=\"seda:provider-build-events", -1)).as(route).hasSize(6);
        JsonNode source = http.postForObject("/actuator/jolokia", Map.of("type", "read", "mbean", mbean,
                "attribute", "SourceLocation"), JsonNode.class);
        assertThat(source.path("value").asText()).as(source.toString()).contains("routes/provider-build.camel.yaml");
    }

    private ResponseEntity<JsonNode> upload(String providerId, Path deb) {
        ResponseEntity<JsonNode> response = HubClient.upload(http, "{\"providerId\": \"" + providerId
                + "\", \"version\": \"1.0\", \"runCommand\": [\"/usr/bin/caravan-hello\"]}", deb);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        return response;
    }
}
