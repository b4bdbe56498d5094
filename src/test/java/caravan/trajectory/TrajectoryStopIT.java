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
 * Messages still gathering for their lane's batch, and tracks still gathering for a storage batch, when the hub
 * stops are passed on and stored, not dropped. An idle lane takes a message at once, and the batches here wait an
 * hour otherwise, so the lanes are held (stopped) to make a batch gather, and only the stops complete them.
 */
@CamelSpringBootTest
@SpringBootTest(classes = CaravanApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TrajectoryStopIT {

    static final String PREFIX = "it-" + UUID.randomUUID().toString().substring(0, 8) + "/trajectories";
    static final String VENUE = "venue-" + UUID.randomUUID();

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        Services.register(registry, Services.tempDir("caravan-trajectory-stop-it"));
        registry.add("caravan.trajectories.topic", () -> PREFIX + "/#");
        registry.add("caravan.trajectories.lanes", () -> "1");
        registry.add("caravan.trajectories.lane-batch-interval", () -> "1h");
        registry.add("caravan.trajectories.storage-batch-timeout", () -> "1h");
    }

    @Autowired
    CamelContext camel;
    @Autowired
    TrackStore store;

    @Test
    void whatIsBeingGatheredIsPassedOnWhenBatchingStops_andStoredWhenStorageStops() throws Exception {
        AggregateProcessor laneBatch = camel.getProcessor("trajectory-lane-batch", AggregateProcessor.class);
        AggregateProcessor storageBatch = camel.getProcessor("trajectory-storage-batch", AggregateProcessor.class);
        camel.getRouteController().stopRoute("trajectory-lane-0");

        publish("t-1"); // the lane is idle: handed over at once, to wait in its queue
        publish("t-2"); // the lane has a batch queued: gathered
        await().atMost(Duration.ofSeconds(20)).until(() -> gathering(laneBatch));

        camel.getRouteController().stopRoute("trajectory-lane-batches");
        camel.getRouteController().startRoute("trajectory-lane-0");
        await().atMost(Duration.ofSeconds(20)).until(() -> gathering(storageBatch));
        assertThat(gathering(laneBatch)).isFalse();
        assertThat(stored()).as("nothing completes the storage batch but the stop").isZero();

        camel.getRouteController().stopRoute("trajectory-storage-batches");

        await().atMost(Duration.ofSeconds(20)).until(() -> stored() == 2);
        camel.getRouteController().startRoute("trajectory-storage-batches");
        camel.getRouteController().startRoute("trajectory-lane-batches");
    }

    private static void publish(String trackId) throws Exception {
        Services.CommandResult published = Services.run("mosquitto_pub", "-L",
                Services.mqttLoginUrl() + "/" + PREFIX + "/edge-stop", "-q", "1", "-m", """
                        {"id": "%s", "deviceId": "d1", "venueId": "%s", "timestamp": %d,
                         "position": {"x": 1, "y": 0, "z": 2}, "velocity": {"x": 0, "y": 0, "z": 0},
                         "objectType": "person", "confidence": 0.9}""".formatted(trackId, VENUE, System.currentTimeMillis()));
        assertThat(published.exitCode()).as(published.output()).isZero();
    }

    private static boolean gathering(AggregateProcessor batch) {
        return !batch.getAggregationRepository().getKeys().isEmpty();
    }

    private int stored() {
        return store.page(VENUE, 0, System.currentTimeMillis() + 60_000, "", 10, 0).tracks().size();
    }
}
