package caravan.security;

import java.util.concurrent.atomic.AtomicInteger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.springframework.stereotype.Component;

/**
 * Failed authentications per source address in a window that starts with the first failure: past the limit, the
 * address is answered 429 until the window ends, so keys cannot be guessed at line rate. Caffeine expires the
 * windows and bounds how many addresses are remembered.
 */
@Component
public class FailedAuthentications {

    private final int limit;
    private final long windowSeconds;
    private final Cache<String, AtomicInteger> failures;

    public FailedAuthentications(SecurityProperties properties) {
        this.limit = properties.failedAttempts();
        this.windowSeconds = properties.failedAttemptsWindow().toSeconds();
        this.failures = Caffeine.newBuilder().expireAfterWrite(properties.failedAttemptsWindow())
                .maximumSize(100_000).build();
    }

    public long windowSeconds() {
        return windowSeconds;
    }

    public boolean blocked(String address) {
        AtomicInteger count = failures.getIfPresent(address);
        return count != null && count.get() >= limit;
    }

    /** Counts a failure; true when this one reached the limit (and the address is blocked from now on). */
    public boolean failed(String address) {
        return failures.get(address, any -> new AtomicInteger()).incrementAndGet() == limit;
    }
}
