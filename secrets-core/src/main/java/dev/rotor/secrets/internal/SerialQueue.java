package dev.rotor.secrets.internal;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs submitted tasks one at a time, in submission order, on an executor. A task that throws is logged. */
final class SerialQueue {
    private static final Logger LOG = LoggerFactory.getLogger(SerialQueue.class);

    private final Executor executor;
    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();

    SerialQueue(Executor executor) {
        this.executor = executor;
    }

    void submit(Runnable task) {
        queue.add(task);
        if (pending.getAndIncrement() == 0) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                drain();
            }
        }
    }

    private void drain() {
        do {
            Runnable task = queue.poll();
            try {
                task.run();
            } catch (Throwable t) {
                LOG.warn("Rotor delivery task failed with {}", t.getClass().getName());
            }
        } while (pending.decrementAndGet() != 0);
    }
}
