package dev.rotor.secrets.test;

import dev.rotor.secrets.TimeSource;
import java.time.Duration;
import java.time.Instant;

/**
 * A clock that moves only when told. Wall time and monotonic time advance together. Thread-safe.
 *
 * <pre>{@code
 * ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
 * clock.advance(Duration.ofMinutes(5));
 * }</pre>
 */
public final class ManualClock implements TimeSource {
    private Instant now;
    private long nanos;

    public ManualClock() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    public ManualClock(Instant start) {
        this.now = start;
        this.nanos = 1_000_000_000L;
    }

    @Override
    public synchronized Instant now() {
        return now;
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    /** Moves both clocks forward. */
    public synchronized void advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("a manual clock only moves forward: " + d);
        }
        now = now.plus(d);
        nanos += d.toNanos();
    }

    /** Moves the clocks to {@code instant} (not backwards). */
    public synchronized void setTo(Instant instant) {
        advance(Duration.between(now, instant));
    }

    @Override
    public String toString() {
        return "ManualClock{" + now() + "}";
    }
}
