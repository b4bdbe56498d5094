package caravan.trajectory;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * Gathers many exchanges' bodies into one list: a body that is a list adds its elements (a message's tracks, so
 * storage inserts many messages' tracks at once), any other body adds itself (a received message, so a lane takes
 * many at once).
 */
public class Batches implements AggregationStrategy {

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange batch, Exchange next) {
        Object body = next.getMessage().getBody();
        if (batch == null) {
            List<Object> items = new ArrayList<>();
            next.getMessage().setBody(items);
            add(items, body);
            return next;
        }
        add(batch.getMessage().getBody(List.class), body);
        return batch;
    }

    private static void add(List<Object> items, Object body) {
        if (body instanceof List<?> list) {
            items.addAll(list);
        } else {
            items.add(body);
        }
    }

    /** Complete once the batch holds {@code size} items or more. */
    public static Predicate atLeast(int size) {
        return batch -> batch.getMessage().getBody(List.class).size() >= size;
    }
}
