package caravan.trajectory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.dao.DataAccessResourceFailureException;

import caravan.edge.RunningDeployments;
import caravan.mqtt.Acknowledgement;

/** Which mapping an edge's messages take while the database that says so is down. */
class TrajectoryIntakeTest {

    static final String EDGE = "edge-1";
    static final long NOW = Instant.parse("2026-12-02T12:00:00Z").toEpochMilli();

    final TrajectoryProperties properties = new Binder(new MapConfigurationPropertySource(Map.of()))
            .bindOrCreate("caravan.trajectories", TrajectoryProperties.class);
    final TrajectoryRejections rejections = new TrajectoryRejections(new SimpleMeterRegistry(), properties);
    final Deployments deployments = new Deployments();
    final MovableClock clock = new MovableClock();
    final TrajectoryIntake intake = new TrajectoryIntake(properties, rejections, new SimpleMeterRegistry(),
            deployments, new MappingCatalog(properties), clock);

    @Test
    void anEdgeTheDatabaseCannotNameAFormatForFailsItsBatch_beforeAnyMessageIsRejected() {
        deployments.down = true;

        assertThatThrownBy(() -> accept(vendorMessage(1)))
                .isInstanceOf(DataAccessResourceFailureException.class);
        assertThat(rejections.report().total()).isZero();
    }

    @Test
    void anEdgeLookedUpBeforeTheOutageKeepsItsDeployedFormatAndVenueThroughIt() {
        deployments.running = Optional.of(new RunningDeployments.Running(EDGE, "deployment-1", "venue-7",
                "tracker", "vendor-array", OffsetDateTime.now(ZoneOffset.UTC)));
        assertThat(accept(vendorMessage(1))).extracting(Track::venueId).containsExactly("venue-7");

        deployments.down = true;
        clock.advance(Duration.ofMinutes(1));

        assertThat(accept(vendorMessage(2))).extracting(Track::id, Track::venueId)
                .containsExactly(tuple("2", "venue-7"));
        assertThat(deployments.lookups).as("looked up again, and told the database was down").isEqualTo(2);
        assertThat(rejections.report().total()).isZero();
    }

    private List<Track> accept(String payload) {
        return intake.acceptAll(List.of(new TrajectoryMessage(EDGE, payload.getBytes(StandardCharsets.UTF_8),
                Acknowledgement.NONE)), new DefaultExchange(new DefaultCamelContext()));
    }

    private static String vendorMessage(int trackId) {
        return "[{\"track_id\": " + trackId + ", \"pos\": [1, 0, 2], \"vel\": [0, 0, 0], \"cls\": \"person\", "
                + "\"score\": 0.9, \"ts\": " + NOW / 1000.0 + "}]";
    }

    /** The deployments table as the intake sees it: what runs on the edge, or a database that is down. */
    static final class Deployments extends RunningDeployments {

        Optional<Running> running = Optional.empty();
        boolean down;
        int lookups;

        Deployments() {
            super(null);
        }

        @Override
        public Optional<Running> of(String edgeId) {
            lookups++;
            if (down) {
                throw new DataAccessResourceFailureException("Connection to 127.0.0.1:5432 refused");
            }
            return running;
        }
    }

    static final class MovableClock extends Clock {

        long millis = NOW;

        void advance(Duration duration) {
            millis += duration.toMillis();
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
