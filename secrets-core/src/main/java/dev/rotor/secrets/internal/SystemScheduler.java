package dev.rotor.secrets.internal;

import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.TimeSource;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default scheduler: one daemon thread over the system clock. Tasks due at the same instant run in no particular
 * order. Each scheduled task is one small node (an
 * application may hold a refresh and an expiry per secret for thousands of secrets); a cancelled task is skipped when
 * it falls due. A task that throws is logged and the thread carries on. Thread-safe.
 */
public final class SystemScheduler implements Scheduler, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SystemScheduler.class);
    private static final AtomicInteger COUNT = new AtomicInteger();

    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Thread thread;
    private volatile boolean closed;

    public SystemScheduler() {
        thread = new Thread(this::loop, "rotor-scheduler-" + COUNT.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        long nanos = Math.max(0, saturatedNanos(delay));
        long now = System.nanoTime();
        long due = nanos > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos;
        Task t = new Task(task, due);
        lock.lock();
        try {
            queue.add(t);
            if (queue.peek() == t) {
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
        return t;
    }

    @Override
    public TimeSource timeSource() {
        return TimeSource.system();
    }

    /** Whether the scheduler's thread is still running. */
    boolean isRunning() {
        return thread.isAlive();
    }

    /** Waits at most {@code millis} for the thread to end after {@link #close()}. */
    void awaitTermination(long millis) throws InterruptedException {
        thread.join(millis);
    }

    /** How many tasks wait, cancelled ones included until they fall due. */
    public int pending() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            queue.clear();
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (!closed) {
            Task next;
            lock.lock();
            try {
                next = queue.peek();
                if (next == null) {
                    changed.await();
                    continue;
                }
                long wait = next.due - System.nanoTime();
                if (wait > 0) {
                    changed.awaitNanos(Math.min(wait, TimeUnit.HOURS.toNanos(1)));
                    continue;
                }
                queue.poll();
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
                continue;
            } finally {
                lock.unlock();
            }
            if (!next.cancelled) {
                try {
                    next.task.run();
                } catch (Throwable t) {
                    LOG.warn("Rotor scheduled task failed with {}", t.getClass().getName());
                }
            }
        }
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    private static final class Task implements Cancellable, Comparable<Task> {
        final Runnable task;
        final long due;
        volatile boolean cancelled;

        Task(Runnable task, long due) {
            this.task = task;
            this.due = due;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Task o) {
            return Long.compare(due, o.due);
        }
    }
}
