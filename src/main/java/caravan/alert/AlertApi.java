package caravan.alert;

import java.util.List;

import org.springframework.stereotype.Component;

import caravan.api.InputRejectedException;

/** Reads {@code GET /api/alerts} parameters. */
@Component
public class AlertApi {

    static final int DEFAULT_LIMIT = 100;

    private final AlertStore store;

    public AlertApi(AlertStore store) {
        this.store = store;
    }

    public List<Alert> list(String venueId, String unacknowledged, String limit) {
        int pageSize = DEFAULT_LIMIT;
        if (limit != null && !limit.isBlank()) {
            try {
                pageSize = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                throw new InputRejectedException(List.of("limit '" + limit + "' must be a whole number"));
            }
        }
        return store.list(venueId, "true".equalsIgnoreCase(unacknowledged), pageSize);
    }
}
