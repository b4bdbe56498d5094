package caravan.trajectory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;

import org.apache.camel.CamelContext;
import org.apache.camel.processor.aggregate.AggregateProcessor;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import caravan.CaravanApplication;
import caravan.testing.Services;

/**
 * Tracks still gathering for a storage batch when the hub stops are stored, not dropped: their messages were
 * already acknowledged to the broker, so nothing would send them again. The batch timeout here is an hour, so only
 * the stop can complete the batch.
 */
@CamelSpringBootTest
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TrajectoryStorageStopIT {

    static final String PREFIX = "it-" + UUID.randomUUID().toString().substring(0, 8) + "/trajectories";
    static final String VENUE = "venue-" + UUID.randomUUID();

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, Services.tempDir("caravan-trajectory-stop-it"));
        registry.add("caravan.trajectories.topic", () -> PREFIX + "/#");
        registry.add("caravan.trajectories.storage-batch-timeout", () -> "1h");
    }

    @Autowired
    CamelContext camel;
    @Autowired
    TrackStore store;

    @Test
    void theBatchBeingGatheredIsStoredWhenStorageStops() throws Exception {
        long now = System.currentTimeMillis();
        Services.CommandResult published = Services.run("mosquitto_pub", "-L",
                Services.mqttUrl().replace("tcp://", "mqtt://") + "/" + PREFIX + "/edge-stop", "-q", "1", "-m", """
                        {"id": "t-1", "deviceId": "d1", "venueId": "%s", "timestamp": %d,
                         "position": {"x": 1, "y": 0, "z": 2}, "velocity": {"x": 0, "y": 0, "z": 0},
                         "objectType": "person", "confidence": 0.9}""".formatted(VENUE, now));
        assertThat(published.exitCode()).as(published.output()).isZero();

        AggregateProcessor batch = camel.getProcessor("trajectory-storage-batch", AggregateProcessor.class);
        await().atMost(Duration.ofSeconds(20)).until(() -> !batch.getAggregationRepository().getKeys().isEmpty());
        assertThat(stored()).as("nothing completes the batch but the stop").isZero();

        camel.getRouteController().stopRoute("trajectory-storage");

        await().atMost(Duration.ofSeconds(20)).until(() -> stored() == 1);
        camel.getRouteController().startRoute("trajectory-storage");
    }

    private int stored() {
        return store.page(VENUE, 0, System.currentTimeMillis() + 60_000, "", 10, 0).tracks().size();
    }
}
