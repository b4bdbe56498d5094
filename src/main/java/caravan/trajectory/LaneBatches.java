package caravan.trajectory;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * Gathers received messages (the bodies) into one list, so a lane takes many at once; the batch keeps when its first
 * message arrived ({@link #RECEIVED_AT}, epoch millis).
 */
public class LaneBatches implements AggregationStrategy {

    public static final String RECEIVED_AT = "CaravanReceivedAt";

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange batch, Exchange next) {
        if (batch == null) {
            List<Object> messages = new ArrayList<>();
            messages.add(next.getMessage().getBody());
            next.getMessage().setBody(messages);
            next.setProperty(RECEIVED_AT, System.currentTimeMillis());
            return next;
        }
        batch.getMessage().getBody(List.class).add(next.getMessage().getBody());
        return batch;
    }
}
