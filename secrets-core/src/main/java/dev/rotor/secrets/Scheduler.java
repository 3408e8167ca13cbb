package dev.rotor.secrets;

import java.time.Duration;

/**
 * Runs the engine's timed work (refreshes, retries, expiries, delayed revocations) and knows the clock it counts
 * time on. The default runs on one daemon thread over the system clock; the test kit's {@code ManualScheduler} runs
 * due tasks when a test advances its manual clock. Tasks must be short: the engine hands blocking calls to its
 * executor. Implementations must be thread-safe.
 */
public interface Scheduler {
    /** Runs {@code task} once after {@code delay} on this scheduler's clock; a zero or negative delay means now. */
    Cancellable schedule(Runnable task, Duration delay);

    /** The clock this scheduler counts delays on. */
    TimeSource timeSource();

    /** A scheduled task that can be cancelled. */
    interface Cancellable {
        /** Cancels the task if it has not started; harmless when it has run or was cancelled. */
        void cancel();
    }
}
