package caravan.bench;

import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.ConcurrentHistogram;

/**
 * What one receiver got: how many trajectories and how late, in milliseconds from the {@code timestamp} the
 * publisher wrote at send time. Finds each {@code "timestamp":} in what arrives (a message, or a frame of many
 * tracks) without parsing the rest, so the receiver costs as little as possible on the shared cores.
 */
final class Receipts {

    private static final String FIELD = "\"timestamp\":";

    private final ConcurrentHistogram latency = new ConcurrentHistogram(60_000, 3);
    private final AtomicLong received = new AtomicLong();
    private volatile long lastNanos;

    void scan(String text) {
        long now = System.currentTimeMillis();
        int count = 0;
        for (int at = text.indexOf(FIELD); at >= 0; at = text.indexOf(FIELD, at + FIELD.length())) {
            long sentAt = 0;
            for (int i = at + FIELD.length(); i < text.length() && Character.isDigit(text.charAt(i)); i++) {
                sentAt = sentAt * 10 + (text.charAt(i) - '0');
            }
            latency.recordValue(Math.min(60_000, Math.max(0, now - sentAt)));
            count++;
        }
        if (count > 0) {
            received.addAndGet(count);
            lastNanos = System.nanoTime();
        }
    }

    long received() {
        return received.get();
    }

    long lastNanos() {
        return lastNanos;
    }

    ConcurrentHistogram latency() {
        return latency;
    }
}
