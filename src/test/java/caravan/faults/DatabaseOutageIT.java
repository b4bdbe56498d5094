package caravan.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import caravan.testing.HubProcess;
import caravan.testing.PostgresProcess;
import caravan.testing.ServiceProcess;
import caravan.testing.Services;
import caravan.testing.StoredTracks;
import caravan.testing.TrackStream;

/**
 * PostgreSQL, a cluster of the test's own, stopped for 30 s while an edge publishes QoS 1 tracks at 1,000 a second
 * to the hub's jar: the hub says so in its health, takes no more from the broker than it may hold unacknowledged
 * (nothing is acknowledged unless stored), and once PostgreSQL is back it catches up and every track is stored.
 */
class DatabaseOutageIT {

    static final String RUN = "it-" + UUID.randomUUID().toString().substring(0, 8);
    static final String VENUE = "venue-" + RUN;
    static final int PER_SECOND = 1_000;
    // 80 s of publishing: longer than the outage plus the up to 30 s it may take the hub to say it is down
    static final int TRACKS = 80_000;
    static final int RECEIVE_MAXIMUM = 2_000;
    static final Duration OUTAGE = Duration.ofSeconds(30);
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern RECEIVED = Pattern.compile("caravan_trajectories_messages_total\\{edge=\"edge-1\",?} (\\S+)");
    static final Pattern REJECTED = Pattern.compile("caravan_trajectories_rejected_total\\{[^}]*} (\\S+)");

    final HttpClient http = HttpClient.newHttpClient();
    int port;

    @Test
    void whilePostgresIsDownTheIntakeHoldsTheBrokerBackAndSaysSo_thenCatchesUpWithNothingLost() throws Exception {
        port = HubProcess.freePort();
        try (PostgresProcess db = PostgresProcess.start(Services.tempDir("caravan-outage-postgres"))) {
            Map<String, String> env = HubProcess.trajectoryEnvironment(RUN, db.jdbcUrl(), db.user(), db.password());
            env.put("CARAVAN_TRAJECTORIES_RECEIVE_MAXIMUM", Integer.toString(RECEIVE_MAXIMUM));
            ServiceProcess hub = HubProcess.start(Services.tempDir("caravan-outage-hub"), port, env);
            try (TrackStream edge = TrackStream.start(Services.mqttUrl(), RUN + "/trajectories/edge-1", VENUE,
                    PER_SECOND, TRACKS)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> stored(db) >= PER_SECOND);
                int storedBefore = stored(db);
                db.stop();

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    HttpResponse<String> health = get("/actuator/health");
                    assertThat(health.statusCode()).isEqualTo(503);
                    JsonNode components = JSON.readTree(health.body()).path("components");
                    assertThat(components.path("db").path("status").asText()).isEqualTo("DOWN");
                    assertThat(components.path("trajectoryStorage").path("status").asText()).isEqualTo("DOWN");
                });
                // Through the outage: what the hub took beyond what was stored stays within what it may hold (a
                // storage batch of slack for inserts that committed as PostgreSQL went down).
                await().during(OUTAGE).atMost(OUTAGE.plusSeconds(10)).pollInterval(Duration.ofSeconds(2))
                        .until(() -> received() <= storedBefore + RECEIVE_MAXIMUM + 1_000);
                assertThat(edge.publishing()).as("the edge went on publishing through the outage").isTrue();

                db.start();
                await().atMost(Duration.ofMinutes(1)).until(() -> get("/actuator/health").statusCode() == 200);
                int published = edge.awaitPublished();
                await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(stored(db)).isEqualTo(published));
                assertThat(metrics()).as("no valid track was rejected for the outage").doesNotContainPattern(REJECTED);
            } finally {
                hub.close();
            }
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header(Services.API_KEY_HEADER, Services.ADMIN_KEY)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The messages the hub's intake has taken from the broker, from its Prometheus metrics. */
    private long received() throws Exception {
        Matcher count = RECEIVED.matcher(metrics());
        return count.find() ? (long) Double.parseDouble(count.group(1)) : 0;
    }

    private String metrics() throws Exception {
        HttpResponse<String> metrics = get("/actuator/prometheus");
        assertThat(metrics.statusCode()).as("the hub's metrics").isEqualTo(200);
        return metrics.body();
    }

    private static int stored(PostgresProcess db) throws SQLException {
        return StoredTracks.count(db.jdbcUrl(), db.user(), db.password(), VENUE);
    }
}
