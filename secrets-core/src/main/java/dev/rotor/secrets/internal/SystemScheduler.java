package dev.rotor.secrets.internal;

import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.TimeSource;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The default scheduler: one daemon thread over the system clock. Thread-safe. */
public final class SystemScheduler implements Scheduler, AutoCloseable {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private final ScheduledThreadPoolExecutor executor;

    public SystemScheduler() {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "rotor-scheduler-" + COUNT.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        long nanos = Math.max(0, saturatedNanos(delay));
        ScheduledFuture<?> f = executor.schedule(task, nanos, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public TimeSource timeSource() {
        return TimeSource.system();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
