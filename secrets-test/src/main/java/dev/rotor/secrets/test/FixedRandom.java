package dev.rotor.secrets.test;

import java.util.random.RandomGenerator;

/**
 * A random generator that always draws the same value: every jitter and spread the engine draws becomes exact, so a
 * test on the {@link ManualScheduler} knows to the nanosecond when each refresh falls.
 *
 * <pre>{@code
 * Secrets.builder().scheduler(scheduler).random(FixedRandom.of(0.5)) // every jitter at half its range
 * }</pre>
 */
public final class FixedRandom implements RandomGenerator {
    private final double value;

    private FixedRandom(double value) {
        this.value = value;
    }

    /** Draws {@code value} (at least 0, below 1) from {@link #nextDouble()}, and its share of the range elsewhere. */
    public static FixedRandom of(double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException("a fixed draw must be at least 0 and below 1, was " + value);
        }
        return new FixedRandom(value);
    }

    @Override
    public long nextLong() {
        return (long) (value * Long.MAX_VALUE);
    }

    @Override
    public double nextDouble() {
        return value;
    }

    @Override
    public String toString() {
        return "FixedRandom{" + value + "}";
    }
}
