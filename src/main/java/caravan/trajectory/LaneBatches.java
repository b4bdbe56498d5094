package caravan.trajectory;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/** Gathers received messages (the bodies) into one list, so a lane takes many at once. */
public class LaneBatches implements AggregationStrategy {

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange batch, Exchange next) {
        if (batch == null) {
            List<Object> messages = new ArrayList<>();
            messages.add(next.getMessage().getBody());
            next.getMessage().setBody(messages);
            return next;
        }
        batch.getMessage().getBody(List.class).add(next.getMessage().getBody());
        return batch;
    }
}
