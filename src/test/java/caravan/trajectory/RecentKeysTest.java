package caravan.trajectory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class RecentKeysTest {

    @Test
    void aKeyIsNewOnceWhileItIsAmongTheRecentOnes() {
        RecentKeys keys = new RecentKeys(3);

        assertThat(keys.add("edge-1|t1|1000")).isTrue();
        assertThat(keys.add("edge-1|t1|1000")).isFalse();
        assertThat(keys.add("edge-1|t1|1001")).isTrue();
        assertThat(keys.add("edge-2|t1|1000")).isTrue();
        assertThat(keys.add("edge-1|t1|1000")).isFalse();
    }

    @Test
    void theOldestKeyIsForgottenFirst_andSeeingItAgainDoesNotMakeItRecent() {
        RecentKeys keys = new RecentKeys(2);
        keys.add("a");
        keys.add("b");
        keys.add("a"); // a redelivery: the window is about arrival, so "a" stays the oldest

        keys.add("c");

        assertThat(keys.add("b")).isFalse();
        assertThat(keys.add("a")).isTrue();
    }

    @Test
    void concurrentLanesEachSeeAKeyAsNewExactlyOnce() throws Exception {
        RecentKeys keys = new RecentKeys(100_000);
        AtomicInteger fresh = new AtomicInteger();
        ExecutorService lanes = Executors.newFixedThreadPool(4);
        try {
            Future<?>[] runs = new Future<?>[4];
            for (int lane = 0; lane < runs.length; lane++) {
                runs[lane] = lanes.submit(() -> {
                    for (int key = 0; key < 20_000; key++) {
                        if (keys.add("edge|track|" + key)) {
                            fresh.incrementAndGet();
                        }
                    }
                });
            }
            for (Future<?> run : runs) {
                run.get(30, TimeUnit.SECONDS);
            }
        } finally {
            lanes.shutdownNow();
        }
        assertThat(fresh).hasValue(20_000);
    }
}
