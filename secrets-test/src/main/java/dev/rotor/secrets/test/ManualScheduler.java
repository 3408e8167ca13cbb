package dev.rotor.secrets.test;

import dev.rotor.secrets.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;

/**
 * A scheduler on a {@link ManualClock}: nothing runs until the test advances time, and then every task that falls
 * due runs on the calling thread, in order of due time (ties in scheduling order), with the clock set to each task's
 * due time while it runs. Pair it with {@link #directExecutor()} and every timing rule becomes deterministic.
 *
 * <pre>{@code
 * ManualScheduler scheduler = new ManualScheduler();
 * Secrets secrets = Secrets.builder().scheduler(scheduler).executor(ManualScheduler.directExecutor()).build();
 * scheduler.advance(Duration.ofMinutes(40));   // runs the refresh that fell due
 * }</pre>
 *
 * Thread-safe; {@link #advance} should be called from one thread at a time.
 */
public final class ManualScheduler implements Scheduler {
    private final ManualClock clock;
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long sequence;

    public ManualScheduler() {
        this(new ManualClock());
    }

    public ManualScheduler(ManualClock clock) {
        this.clock = clock;
    }

    /** Runs tasks on the calling thread: what makes the engine synchronous under test. */
    public static Executor directExecutor() {
        return Runnable::run;
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, Duration delay) {
        Duration d = delay.isNegative() ? Duration.ZERO : delay;
        Task t = new Task(clock.now().plus(d), sequence++, task);
        queue.add(t);
        return () -> cancel(t);
    }

    private synchronized void cancel(Task t) {
        t.cancelled = true;
        queue.remove(t);
    }

    @Override
    public ManualClock timeSource() {
        return clock;
    }

    /** The clock. */
    public ManualClock clock() {
        return clock;
    }

    /** Advances the clock by {@code d}, running every task that falls due on the way. */
    public void advance(Duration d) {
        advanceTo(clock.now().plus(d));
    }

    /** Advances the clock to {@code target}, running every task that falls due on the way. */
    public void advanceTo(Instant target) {
        for (int guard = 0; guard < 1_000_000; guard++) {
            Task next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due.isAfter(target)) {
                    break;
                }
                queue.poll();
            }
            if (next.due.isAfter(clock.now())) {
                clock.setTo(next.due);
            }
            if (!next.cancelled) {
                next.task.run();
            }
        }
        if (target.isAfter(clock.now())) {
            clock.setTo(target);
        }
    }

    /** Runs the tasks already due, without moving the clock. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** When the earliest pending task is due, or null when none is pending. */
    public synchronized Instant nextDue() {
        Task t = queue.peek();
        return t == null ? null : t.due;
    }

    /** The due times of all pending tasks, earliest first. */
    public synchronized List<Instant> pending() {
        List<Task> tasks = new ArrayList<>(queue);
        tasks.sort(null);
        List<Instant> out = new ArrayList<>();
        tasks.forEach(t -> out.add(t.due));
        return out;
    }

    /** How many tasks are pending. */
    public synchronized int pendingCount() {
        return queue.size();
    }

    private static final class Task implements Comparable<Task> {
        final Instant due;
        final long seq;
        final Runnable task;
        volatile boolean cancelled;

        Task(Instant due, long seq, Runnable task) {
            this.due = due;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(Task o) {
            int c = due.compareTo(o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
