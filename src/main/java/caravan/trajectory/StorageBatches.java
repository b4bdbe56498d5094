package caravan.trajectory;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * Gathers the lanes' valid tracks ({@link TrajectoryIntake#VALID_TRACKS}) into one {@link StorageBatch}, with the
 * acknowledgements of the messages they came from (the lane's batch, {@link TrajectoryIntake#LANE_BATCH}).
 */
public class StorageBatches implements AggregationStrategy {

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange batch, Exchange next) {
        List<Track> tracks = next.getProperty(TrajectoryIntake.VALID_TRACKS, List.of(), List.class);
        List<TrajectoryMessage> messages = next.getProperty(TrajectoryIntake.LANE_BATCH, List.class);
        if (batch == null) {
            // the first lane batch's arrival stays on the storage batch: its oldest message's
            next.getMessage().setBody(new StorageBatch(new ArrayList<>(), new ArrayList<>()));
            batch = next;
        }
        StorageBatch gathered = batch.getMessage().getBody(StorageBatch.class);
        gathered.tracks().addAll(tracks);
        for (TrajectoryMessage message : messages) {
            gathered.acknowledgements().add(message.acknowledgement());
        }
        return batch;
    }

    /** Complete once the batch holds {@code size} tracks or more. */
    public static Predicate atLeast(int size) {
        return batch -> batch.getMessage().getBody(StorageBatch.class).tracks().size() >= size;
    }
}
