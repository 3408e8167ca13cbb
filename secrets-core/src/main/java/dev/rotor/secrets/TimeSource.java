package dev.rotor.secrets;

import java.time.Instant;

/**
 * Rotor's clock: wall time for absolute expiries, monotonic time for durations. Inject a manual one (the test kit
 * has {@code ManualClock}) to test timing rules without sleeping. Implementations must be thread-safe.
 */
public interface TimeSource {
    /** Wall-clock time, for lease expiries and audit records. */
    Instant now();

    /** Monotonic nanoseconds, for measuring durations; only differences are meaningful. */
    long nanoTime();

    /** The system clocks: {@link Instant#now()} and {@link System#nanoTime()}. */
    static TimeSource system() {
        return SystemTime.INSTANCE;
    }
}

enum SystemTime implements TimeSource {
    INSTANCE;

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }
}
