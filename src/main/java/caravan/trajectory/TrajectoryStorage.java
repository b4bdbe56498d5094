package caravan.trajectory;

import java.time.Instant;
import java.util.List;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.ExchangeProperty;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Component;

import caravan.mqtt.Acknowledgement;

/**
 * What happens to a storage batch after its insert: once committed, its messages are acknowledged to the broker;
 * while inserts fail (the database is down), nothing is acknowledged, the broker holds back what edges publish, and
 * health says so; tracks the database refuses as data are rejected with its reason, and acknowledged.
 */
@Component
public class TrajectoryStorage implements HealthIndicator {

    private record Failure(Instant since, String reason) {
    }

    private final TrackStore store;
    private final TrajectoryRejections rejections;
    private volatile Failure failure;
    private static final long IDLE_AFTER_MILLIS = 10_000;
    private volatile long lastLagMillis;
    private volatile long lastStoredAt;

    public TrajectoryStorage(TrackStore store, TrajectoryRejections rejections, MeterRegistry meters) {
        this.store = store;
        this.rejections = rejections;
        Gauge.builder("caravan.trajectories.lag", this, TrajectoryStorage::lagSeconds).baseUnit("seconds")
                .description("how long the oldest message of the latest stored batch waited in the hub before its "
                        + "tracks were committed; 0 once nothing was stored for " + IDLE_AFTER_MILLIS / 1000 + " s: "
                        + "what an autoscaler on trajectory lag reads")
                .register(meters);
    }

    /** Inserts the batch's tracks in one transaction. */
    public void insert(StorageBatch batch) {
        store.insert(batch.tracks());
    }

    /** The batch's tracks are committed: its messages are done with. */
    public void stored(StorageBatch batch, @ExchangeProperty(LaneBatches.RECEIVED_AT) Long receivedAt) {
        failure = null;
        long now = System.currentTimeMillis();
        if (receivedAt != null) {
            lastLagMillis = Math.max(0, now - receivedAt);
            lastStoredAt = now;
        }
        batch.acknowledgements().forEach(Acknowledgement::acknowledge);
    }

    private double lagSeconds() {
        return System.currentTimeMillis() - lastStoredAt > IDLE_AFTER_MILLIS ? 0 : lastLagMillis / 1000.0;
    }

    /** An insert failed and is tried again: until one succeeds, nothing is acknowledged. */
    public void failing(Throwable cause) {
        Failure current = failure;
        failure = new Failure(current == null ? Instant.now() : current.since(), String.valueOf(cause));
    }

    /**
     * The database refused some of the batch's data: each track is inserted on its own, those it refuses are
     * rejected with its reason, and the batch's messages are done.
     */
    public void insertOneByOne(StorageBatch batch, @ExchangeProperty(LaneBatches.RECEIVED_AT) Long receivedAt) {
        for (Track track : batch.tracks()) {
            try {
                store.insert(List.of(track));
            } catch (DataIntegrityViolationException refused) {
                rejections.reject(track.edgeId(), "storage-refused", refused.getMostSpecificCause().getMessage(), null);
            }
        }
        stored(batch, receivedAt);
    }

    @Override
    public Health health() {
        Failure current = failure;
        if (current == null) {
            return Health.up().build();
        }
        return Health.down().withDetail("failingSince", current.since().toString())
                .withDetail("error", current.reason())
                .withDetail("meanwhile", "trajectories are not acknowledged, so the broker holds them back")
                .build();
    }
}
