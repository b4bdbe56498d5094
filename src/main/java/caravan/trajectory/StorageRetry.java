package caravan.trajectory;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/** Before each retry of a failed insert: storage's health reports the failure until an insert passes. */
@Component("trajectoryStorageRetry")
public class StorageRetry implements Processor {

    private final TrajectoryStorage storage;

    public StorageRetry(TrajectoryStorage storage) {
        this.storage = storage;
    }

    @Override
    public void process(Exchange exchange) {
        storage.failing(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
    }
}
