package caravan.trajectory;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

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
    private final AtomicLong lagMillis = new AtomicLong();

    public TrajectoryStorage(TrackStore store, TrajectoryRejections rejections, MeterRegistry meters) {
        this.store = store;
        this.rejections = rejections;
        Gauge.builder("caravan.trajectories.lag", lagMillis, lag -> lag.get() / 1000.0).baseUnit("seconds")
                .description("how old the oldest track of the latest stored batch was when it was committed (by the "
                        + "edges' clocks): what an autoscaler on trajectory lag reads")
                .register(meters);
    }

    /** Inserts the batch's tracks in one transaction. */
    public void insert(StorageBatch batch) {
        store.insert(batch.tracks());
    }

    /** The batch's tracks are committed: its messages are done with. */
    public void stored(StorageBatch batch) {
        failure = null;
        batch.tracks().stream().mapToLong(Track::timestamp).min()
                .ifPresent(oldest -> lagMillis.set(Math.max(0, System.currentTimeMillis() - oldest)));
        batch.acknowledgements().forEach(Acknowledgement::acknowledge);
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
    public void insertOneByOne(StorageBatch batch) {
        for (Track track : batch.tracks()) {
            try {
                store.insert(List.of(track));
            } catch (DataIntegrityViolationException refused) {
                rejections.reject(track.edgeId(), "storage-refused", refused.getMostSpecificCause().getMessage(), null);
            }
        }
        stored(batch);
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
