package caravan.trajectory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last {@code capacity} distinct keys seen, the oldest forgotten first. Camel's memory idempotent repository
 * (its LRU cache) allocates several objects per key and keeps a log of changes; at thousands of keys a second that
 * churn was the largest cost of the hub's young garbage collections. Insertion order is all a redelivery window
 * needs.
 */
public final class RecentKeys {

    private final Map<String, Boolean> keys;

    public RecentKeys(int capacity) {
        this.keys = new LinkedHashMap<>(capacity * 4 / 3 + 1) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Remembers the key; false when it was already among the recent ones. */
    public synchronized boolean add(String key) {
        return keys.putIfAbsent(key, Boolean.TRUE) == null;
    }
}
