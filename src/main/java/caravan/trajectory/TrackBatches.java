package caravan.trajectory;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/** Gathers the track lists of many messages into one list, so storage inserts them in one batch. */
public class TrackBatches implements AggregationStrategy {

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange batch, Exchange message) {
        List<Track> tracks = message.getMessage().getBody(List.class);
        if (batch == null) {
            message.getMessage().setBody(new ArrayList<>(tracks));
            return message;
        }
        batch.getMessage().getBody(List.class).addAll(tracks);
        return batch;
    }

    /** Complete once the batch holds {@code size} tracks or more. */
    public static Predicate atLeast(int size) {
        return batch -> batch.getMessage().getBody(List.class).size() >= size;
    }
}
