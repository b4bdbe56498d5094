package caravan.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import javax.net.ssl.SSLHandshakeException;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.deploy.TrustedCa;
import caravan.testing.EdgeAgentProcess;
import caravan.testing.HubClient;
import caravan.testing.Services;

/**
 * The hub serving HTTPS with the certificate {@code scripts/services.sh} made, and talking to Mosquitto over TLS
 * trusting only the script's CA, as a real agent does: a client trusting another CA is refused by both.
 */
@CamelSpringBootTest
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TlsIT {

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final Path DATA_DIR = Services.tempDir("caravan-tls-it");

    @DynamicPropertySource
    static void tls(DynamicPropertyRegistry registry) {
        Services.register(registry, DATA_DIR);
        registry.add("caravan.mqtt.broker-url", Services::mqttTlsUrl);
        registry.add("caravan.mqtt.ca", Services::tlsCa);
        registry.add("server.ssl.enabled", () -> "true");
        registry.add("spring.ssl.bundle.pem.caravan.keystore.certificate", () -> "file:" + Services.tlsCert());
        registry.add("spring.ssl.bundle.pem.caravan.keystore.private-key", () -> "file:" + Services.tlsKey());
    }

    @AfterAll
    static void forgetTheEdge() {
        Services.forgetEdges("tls-" + RUN);
    }

    @LocalServerPort
    int port;
    @Autowired
    TestRestTemplate http;

    @Test
    void theApiAnswersOverHttpsWithTheConfiguredCertificate_andAClientTrustingAnotherCaIsRefused() throws Exception {
        HttpRequest health = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/api/edges"))
                .header(Services.API_KEY_HEADER, Services.ADMIN_KEY).timeout(Duration.ofSeconds(20)).build();
        HttpClient trusting = HttpClient.newBuilder().sslContext(TrustedCa.sslContext(Services.tlsCa())).build();
        assertThat(trusting.send(health, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        HttpClient stranger = HttpClient.newBuilder().sslContext(TrustedCa.sslContext(Services.tlsOtherCa())).build();
        assertThatThrownBy(() -> stranger.send(health, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void theHubAndAnAgentTalkOverTheBrokersTlsListener_whichAClientTrustingAnotherCaCannotReach() throws Exception {
        MqttClient stranger = new MqttClient(Services.mqttTlsUrl(), "tls-stranger-" + RUN, new MemoryPersistence());
        MqttConnectionOptions otherCa = Services.mqttHubLogin();
        otherCa.setSocketFactory(TrustedCa.sslContext(Services.tlsOtherCa()).getSocketFactory());
        assertThatThrownBy(() -> stranger.connect(otherCa)).isInstanceOf(MqttException.class);

        // The agent reaches the hub only through the broker's TLS listener, and the hub only listens there.
        String edge = "tls-" + RUN;
        HubClient.putJson(http, "/api/edges/" + edge, "{\"name\": \"TLS edge\"}");
        Path state = Files.createDirectories(DATA_DIR.resolve("agent"));
        Map<String, String> env = new HashMap<>(HubClient.installAgent(http, edge, DATA_DIR));
        env.put("CARAVAN_AGENT_BROKER_CA", Services.tlsCa().toString());
        env.put("CARAVAN_AGENT_SIMULATOR_ENABLED", "false");
        env.put("CARAVAN_AGENT_CONTAINER_NAME", "her-provider-" + edge);
        try (EdgeAgentProcess agent = EdgeAgentProcess.start(edge, Services.mqttTlsUrl(), state,
                DATA_DIR.resolve("agent.log"), env)) {
            await().atMost(Duration.ofSeconds(60)).until(
                    () -> HubClient.getJson(http, "/api/edges/" + edge).path("status").asText().equals("online"));
            String commandId = HubClient.postJson(http, "/api/edges/" + edge + "/container/stats", "").getBody()
                    .path("commandId").asText();
            JsonNode answered = await().atMost(Duration.ofSeconds(60)).until(
                    () -> HubClient.getJson(http, "/api/edges/" + edge + "/commands/" + commandId),
                    command -> !command.path("status").asText().equals("sent"));
            assertThat(answered.path("result").path("action").asText()).as("%s", answered).isEqualTo("stats");
        }
    }
}
