package dev.rotor.secrets.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.RefreshPolicy;
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
                SourceGate.defaultBreakerConfig(p),
                TimeSource.system(),
                e -> {});
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
