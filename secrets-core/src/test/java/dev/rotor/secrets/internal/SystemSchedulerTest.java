package dev.rotor.secrets.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Scheduler.Cancellable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The default scheduler runs due tasks in order, skips cancelled ones, survives a throwing task. Bounded waits. */
class SystemSchedulerTest {

    @Test
    void runsTasksInDueOrder_skipsCancelledOnes_andSurvivesAThrowingTask() throws InterruptedException {
        try (SystemScheduler scheduler = new SystemScheduler()) {
            List<String> ran = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(1);
            // due times far enough apart that a busy machine scheduling them cannot reorder them
            scheduler.schedule(() -> ran.add("third"), Duration.ofMillis(600));
            scheduler.schedule(() -> ran.add("first"), Duration.ofMillis(200));
            Cancellable cancelled = scheduler.schedule(() -> ran.add("cancelled"), Duration.ofMillis(300));
            cancelled.cancel();
            scheduler.schedule(
                    () -> {
                        throw new IllegalStateException("task bug");
                    },
                    Duration.ofMillis(350));
            scheduler.schedule(() -> ran.add("second"), Duration.ofMillis(400));
            scheduler.schedule(done::countDown, Duration.ofMillis(800));
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(ran).containsExactly("first", "second", "third");
        }
    }

    @Test
    void aTaskScheduledEarlierThanTheOneWaitedFor_wakesTheThread() throws InterruptedException {
        try (SystemScheduler scheduler = new SystemScheduler()) {
            CountDownLatch late = new CountDownLatch(1);
            CountDownLatch soon = new CountDownLatch(1);
            scheduler.schedule(late::countDown, Duration.ofDays(1));
            scheduler.schedule(soon::countDown, Duration.ZERO);
            assertThat(soon.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(late.getCount()).isEqualTo(1);
            assertThat(scheduler.pending()).isEqualTo(1);
        }
    }

    @Test
    void close_endsTheThread_andDropsPendingTasks() throws InterruptedException {
        SystemScheduler scheduler = new SystemScheduler();
        CountDownLatch never = new CountDownLatch(1);
        scheduler.schedule(never::countDown, Duration.ofHours(1));
        assertThat(scheduler.isRunning()).isTrue();
        scheduler.close();
        scheduler.awaitTermination(30_000);
        assertThat(scheduler.isRunning()).isFalse();
        assertThat(scheduler.pending()).isZero();
        assertThat(never.getCount()).isEqualTo(1);
    }
}
