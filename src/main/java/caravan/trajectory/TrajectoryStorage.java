package caravan.trajectory;

import java.time.Instant;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
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

    private final TrajectoryRejections rejections;
    private volatile Failure failure;

    public TrajectoryStorage(TrajectoryRejections rejections) {
        this.rejections = rejections;
    }

    /** The batch's tracks are committed: its messages are done with. */
    public void stored(StorageBatch batch) {
        failure = null;
        batch.acknowledgements().forEach(Acknowledgement::acknowledge);
    }

    /** An insert failed and is tried again: until one succeeds, nothing is acknowledged. */
    public void failing(Throwable cause) {
        Failure current = failure;
        failure = new Failure(current == null ? Instant.now() : current.since(), String.valueOf(cause));
    }

    /** The database refused the batch's data: each track is rejected with its reason, and its message is done. */
    public void refused(StorageBatch batch, String reason) {
        for (Track track : batch.tracks()) {
            rejections.reject(track.edgeId(), "storage-refused", reason, null);
        }
        batch.acknowledgements().forEach(Acknowledgement::acknowledge);
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
