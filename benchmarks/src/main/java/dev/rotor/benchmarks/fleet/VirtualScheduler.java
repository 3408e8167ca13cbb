package dev.rotor.benchmarks.fleet;

import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.test.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/**
 * One virtual clock for the whole fleet: every client's engine, the store's rotations and the application reads are
 * tasks on it, run on the calling thread in order of due time (ties in scheduling order), with the clock set to each
 * task's due time while it runs.
 *
 * <p>It behaves like the test kit's {@code ManualScheduler} on the same {@link ManualClock}, with one difference that
 * matters at fleet size: a cancelled task is only marked and is dropped when it reaches the head of the queue, so a
 * cancel costs O(1). The engine cancels its previous refresh task every time it schedules the next one, and {@code
 * ManualScheduler} removes cancelled tasks from its {@code PriorityQueue} with a linear scan, which over 100,000
 * pending tasks makes every refresh cost a scan of the whole queue. Not thread-safe: the simulation is single-threaded.
 */
final class VirtualScheduler implements Scheduler {
    private final ManualClock clock;
    private final Instant epoch;
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long nowNanos;
    private long sequence;
    private long ran;

    VirtualScheduler(Instant epoch) {
        this.epoch = epoch;
        this.clock = new ManualClock(epoch);
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        long d = delay.isNegative() ? 0 : saturatedNanos(delay);
        Task t = new Task(nowNanos + d, sequence++, task);
        queue.add(t);
        return t;
    }

    /** Schedules {@code task} at {@code atNanos} nanoseconds after the epoch (not before now). */
    Cancellable scheduleAt(long atNanos, Runnable task) {
        Task t = new Task(Math.max(atNanos, nowNanos), sequence++, task);
        queue.add(t);
        return t;
    }

    @Override
    public ManualClock timeSource() {
        return clock;
    }

    /** Nanoseconds of virtual time since the epoch. */
    long nowNanos() {
        return nowNanos;
    }

    Instant epoch() {
        return epoch;
    }

    /** How many tasks have run so far. */
    long tasksRun() {
        return ran;
    }

    int pending() {
        return queue.size();
    }

    /**
     * Runs every task due up to {@code targetNanos} after the epoch, then sets the clock there. At most {@code
     * maxTasks} tasks run; hitting that bound is reported as an error, since it means a task reschedules itself
     * without moving time forward.
     */
    void advanceTo(long targetNanos, long maxTasks) {
        for (long n = 0; ; n++) {
            Task next = queue.peek();
            if (next == null || next.due > targetNanos) {
                break;
            }
            if (n >= maxTasks) {
                throw new IllegalStateException("more than " + maxTasks + " tasks due before " + targetNanos + " ns");
            }
            queue.poll();
            if (next.cancelled) {
                continue;
            }
            setClock(next.due);
            ran++;
            next.task.run();
        }
        setClock(targetNanos);
    }

    private void setClock(long atNanos) {
        if (atNanos > nowNanos) {
            clock.advance(Duration.ofNanos(atNanos - nowNanos));
            nowNanos = atNanos;
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    private static final class Task implements Comparable<Task>, Cancellable {
        final long due;
        final long seq;
        final Runnable task;
        boolean cancelled;

        Task(long due, long seq, Runnable task) {
            this.due = due;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
