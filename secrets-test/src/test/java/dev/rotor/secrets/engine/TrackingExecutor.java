package dev.rotor.secrets.engine;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A thread pool that knows when all the work handed to it (and the work that work handed on) has finished, so that a
 * test can wait for the engine to settle without sleeping.
 */
final class TrackingExecutor implements java.util.concurrent.Executor, AutoCloseable {
    private final ExecutorService pool;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private int pending;

    TrackingExecutor(int threads) {
        this.pool = Executors.newFixedThreadPool(threads);
    }

    @Override
    public void execute(Runnable task) {
        lock.lock();
        try {
            pending++;
        } finally {
            lock.unlock();
        }
        pool.execute(() -> {
            try {
                task.run();
            } finally {
                lock.lock();
                try {
                    if (--pending == 0) {
                        idle.signalAll();
                    }
                } finally {
                    lock.unlock();
                }
            }
        });
    }

    /** How many tasks are queued or running. */
    int pending() {
        lock.lock();
        try {
            return pending;
        } finally {
            lock.unlock();
        }
    }

    /** Waits, at most {@code timeout}, until no task is queued or running; answers whether that happened. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (pending > 0) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = idle.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
