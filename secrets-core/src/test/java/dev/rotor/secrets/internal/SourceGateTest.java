package dev.rotor.secrets.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** Calls waiting for a permit start most urgent first, so a due renewal never queues behind a crowd of polls. */
class SourceGateTest {

    private static final SecretSource NONE = new SecretSource() {
        @Override
        public String scheme() {
            return "none";
        }

        @Override
        public Secret fetch(FetchRequest request) {
            throw new UnsupportedOperationException();
        }
    };

    /** An executor that only queues: the test runs each task when it chooses, as if the call had taken that long. */
    private final Deque<Runnable> running = new ArrayDeque<>();

    private SourceGate gate(int maxInFlight) {
        RefreshPolicy p =
                RefreshPolicy.builder().maxInFlightPerSource(maxInFlight).build();
        return new SourceGate(
                NONE,
                running::add,
                new RefreshRules(p, ThreadLocalRandom.current()),
                null,
                TimeSource.system(),
                NO_TIMERS,
                e -> {});
    }

    /** A clock that stands still: the breaker's open-state wait is read off it exactly. */
    private static final TimeSource STILL = new TimeSource() {
        private final java.time.Instant at = java.time.Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public java.time.Instant now() {
            return at;
        }

        @Override
        public long nanoTime() {
            return 0;
        }
    };

    @Test
    void defaultBreaker_opensForARandomWait_soClientsThatFailedTogetherDoNotTryAgainTogether() {
        RefreshPolicy p = RefreshPolicy.defaults(); // the breaker stays open at most expiredMaxBackoff, 1 s
        List<Long> waits = new ArrayList<>();
        for (long seed = 1; seed <= 20; seed++) {
            SourceGate gate = new SourceGate(
                    NONE,
                    Runnable::run,
                    new RefreshRules(p, new java.util.SplittableRandom(seed)),
                    null,
                    STILL,
                    NO_TIMERS,
                    e -> {});
            for (int i = 0; i < 5; i++) {
                try {
                    gate.call(null, () -> {
                        throw new dev.rotor.secrets.SourceUnavailableException("down", null, "none");
                    });
                } catch (dev.rotor.secrets.SecretException expected) {
                    // counted by the breaker
                }
            }
            waits.add(gate.untilTrial().toMillis());
        }
        assertThat(waits).allSatisfy(ms -> assertThat(ms).isBetween(750L, 1000L));
        assertThat(java.util.Collections.max(waits) - java.util.Collections.min(waits))
                .as("spread of the trial calls of 20 clients, ms")
                .isGreaterThanOrEqualTo(100L);
    }

    @Test
    void throttledCalls_areNotCountedByTheBreaker() {
        SourceGate gate = gate(1);
        for (int i = 0; i < 20; i++) {
            try {
                gate.call(null, () -> {
                    throw new dev.rotor.secrets.SourceThrottledException("429", null, "none");
                });
            } catch (dev.rotor.secrets.SourceThrottledException expected) {
                // the store is up; the client is over its quota
            }
        }
        assertThat(gate.untilTrial()).isZero();
        assertThat(gate.<String>call(null, () -> "answered")).isEqualTo("answered");
    }

    /** Without a request budget the gate never sets a timer. */
    private static final Scheduler NO_TIMERS = new Scheduler() {
        @Override
        public Cancellable schedule(Runnable task, Duration delay) {
            throw new AssertionError("a gate without a budget scheduled a timer");
        }

        @Override
        public TimeSource timeSource() {
            return TimeSource.system();
        }
    };

    @Test
    void waitingCalls_startInTheOrderLeaseRenewalFirstLoadRotationPollRevoke() {
        SourceGate gate = gate(1);
        List<String> order = new ArrayList<>();
        gate.submit(SourceGate.Priority.FIRST_LOAD, () -> order.add("busy"));
        gate.submit(SourceGate.Priority.REVOKE, () -> order.add("revoke"));
        gate.submit(SourceGate.Priority.POLL, () -> order.add("poll"));
        gate.submit(SourceGate.Priority.ROTATION, () -> order.add("rotation"));
        gate.submit(SourceGate.Priority.RENEWAL, () -> order.add("renewal"));
        gate.submit(SourceGate.Priority.FIRST_LOAD, () -> order.add("first-load"));
        gate.submit(SourceGate.Priority.LEASE, () -> order.add("lease"));
        while (!running.isEmpty()) {
            running.poll().run();
        }
        assertThat(order).containsExactly("busy", "lease", "renewal", "first-load", "rotation", "poll", "revoke");
    }

    @Test
    void dueLeaseRefresh_startsBeforeEveryFirstLoadAndPollQueuedAheadOfIt() {
        SourceGate gate = gate(2);
        List<String> order = new ArrayList<>();
        gate.submit(SourceGate.Priority.FIRST_LOAD, () -> order.add("busy-1"));
        gate.submit(SourceGate.Priority.FIRST_LOAD, () -> order.add("busy-2"));
        for (int i = 0; i < 100; i++) {
            int n = i;
            gate.submit(SourceGate.Priority.POLL, () -> order.add("poll-" + n));
            gate.submit(SourceGate.Priority.FIRST_LOAD, () -> order.add("cold-" + n));
        }
        gate.submit(SourceGate.Priority.REVOKE, () -> order.add("revoke"));
        gate.submit(SourceGate.Priority.LEASE, () -> order.add("renew"));
        assertThat(running).hasSize(2);
        assertThat(gate.waiting()).isEqualTo(202);

        // one call returns: the next to start is the renewal, then the cold loads in order, polls, the revocation
        running.poll().run();
        running.poll().run();
        while (!running.isEmpty()) {
            running.poll().run();
        }
        assertThat(order.subList(0, 3)).containsExactly("busy-1", "busy-2", "renew");
        assertThat(order.get(3)).isEqualTo("cold-0");
        assertThat(order.get(102)).isEqualTo("cold-99");
        assertThat(order.get(103)).isEqualTo("poll-0");
        assertThat(order.get(order.size() - 1)).isEqualTo("revoke");
        assertThat(gate.waiting()).isZero();
    }

    @Test
    void neverMoreCallsInFlightThanThePolicyAllows() {
        SourceGate gate = gate(3);
        for (int i = 0; i < 10; i++) {
            gate.submit(SourceGate.Priority.POLL, () -> {});
        }
        assertThat(running).hasSize(3);
        running.poll().run();
        assertThat(running).hasSize(3);
        assertThat(gate.waiting()).isEqualTo(6);
    }

    @Test
    void defaultBreaker_staysOpenNoLongerThanTheRetryOfAnExpiredSecret() {
        assertThat(SourceGate.defaultBreakerConfig(RefreshPolicy.defaults())
                        .getWaitIntervalFunctionInOpenState()
                        .apply(1))
                .isEqualTo(Duration.ofSeconds(1).toMillis());
    }
}
