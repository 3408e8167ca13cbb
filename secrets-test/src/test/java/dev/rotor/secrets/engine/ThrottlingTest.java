package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A store that throttles is up, and says so: the engine waits at least what it asked for (plus jitter), holds the
 * source's other calls that may wait until then, never counts it towards the circuit breaker, and reports it as
 * {@link SecretEventType#THROTTLED}, not as a failure. All on the manual clock; the fixture draws every jitter at 0.5.
 */
class ThrottlingTest {
    private static final Duration POLL = Duration.ofMinutes(1);

    /** The store's Retry-After alone: the rate learned from throttling is {@code ThrottleLearningTest}'s subject. */
    private static RefreshPolicy poll() {
        return RefreshPolicy.builder()
                .pollInterval(POLL)
                .learnFromThrottling(false)
                .build();
    }

    private static SourceThrottledException throttled(Duration retryAfter) {
        return new SourceThrottledException("mem throttled (429)", null, "mem", retryAfter, null);
    }

    private static List<Instant> recordCalls(Fixture f) {
        List<Instant> calls = Collections.synchronizedList(new ArrayList<>());
        f.source.beforeCall(() -> calls.add(f.scheduler.clock().now()));
        return calls;
    }

    private static Instant poll(Instant loadedAt) {
        // one poll interval less half of its 10 % jitter
        return loadedAt.plus(POLL).minus(POLL.dividedBy(20));
    }

    @Test
    void retryAfter_nextCallWaitsAtLeastThatLong_plusJitterUpToAsMuchAgain() {
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.policy(poll());
            Instant t0 = f.scheduler.clock().now();
            f.secrets.get("mem:k");
            List<Instant> calls = recordCalls(f);
            f.source.failNext(1, () -> throttled(Duration.ofSeconds(30)));

            f.scheduler.advanceTo(poll(t0));
            assertThat(calls).containsExactly(poll(t0));
            // a plain failure would be retried after half of the 1 s initial backoff; the store asked for 30 s, and the
            // jitter (drawn at 0.5) adds 15 s
            f.advance(Duration.ofSeconds(44));
            assertThat(calls).hasSize(1);
            f.advance(Duration.ofSeconds(1));
            assertThat(calls).hasSize(2);
            assertThat(calls.get(1)).isEqualTo(poll(t0).plusSeconds(45));
            assertThat(f.secrets.value("mem:k")).isEqualTo("v1");
        }
    }

    @Test
    void throttled_isAnEventOfItsOwn_sayingHowLongTheEngineWaits_notARefreshFailure() {
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.policy(poll());
            f.secrets.get("mem:k");
            f.source.failNext(1, () -> throttled(Duration.ofSeconds(30)));

            f.advance(POLL);

            List<SecretEvent> throttled = f.events.ofType(SecretEventType.THROTTLED);
            assertThat(throttled).hasSize(1);
            assertThat(throttled.get(0).ref().map(Object::toString)).contains("mem:k");
            assertThat(throttled.get(0).detail())
                    .hasValueSatisfying(d -> assertThat(d).contains("retry in PT45S"));
            assertThat(f.events.ofType(SecretEventType.REFRESH_FAILED)).isEmpty();
        }
    }

    @Test
    void manyThrottledAnswersInARow_neverOpenTheCircuitBreaker() {
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.policy(poll());
            f.secrets.get("mem:k");
            f.source.failNext(30, () -> throttled(null));
            List<Instant> calls = recordCalls(f);

            f.advance(Duration.ofHours(2));

            assertThat(calls.size()).isGreaterThan(30);
            assertThat(f.events.ofType(SecretEventType.CIRCUIT_OPENED)).isEmpty();
            assertThat(f.events.ofType(SecretEventType.THROTTLED)).hasSize(30);
        }
    }

    @Test
    void sameRunOfStoreFailures_opensTheCircuitBreaker() {
        // the contrast to the test above: the same answers as store failures do open it
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.policy(poll());
            f.secrets.get("mem:k");
            f.source.failNext(30, () -> new SourceUnavailableException("mem down", null, "mem"));

            f.advance(Duration.ofHours(2));

            assertThat(f.events.ofType(SecretEventType.CIRCUIT_OPENED)).isNotEmpty();
        }
    }

    @Test
    void retryAfter_holdsTheSourcesOtherPolls_untilItHasPassed_andTheInventorySaysSo() {
        try (Fixture f = new Fixture()) {
            f.source.put("a", "a1");
            f.source.put("b", "b1");
            f.policy(poll());
            Instant t0 = f.scheduler.clock().now();
            f.secrets.get("mem:a");
            f.advance(Duration.ofSeconds(10));
            f.secrets.get("mem:b"); // polled 10 s after a
            List<Instant> calls = recordCalls(f);
            f.source.failNext(1, () -> throttled(Duration.ofSeconds(30)));

            f.scheduler.advanceTo(poll(t0)); // a's poll: throttled, the store asks for 30 s
            assertThat(calls).containsExactly(poll(t0));
            f.scheduler.advanceTo(poll(t0).plusSeconds(29));

            // b's poll fell due 10 s after a's: it waits out the store's 30 s, and its entry shows it
            assertThat(calls).hasSize(1);
            InventoryEntry b = entry(f, "mem:b");
            assertThat(b.waitingForBudget()).isTrue();
            assertThat(b.nextRefresh()).hasValueSatisfying(t -> assertThat(t)
                    .isBefore(f.scheduler.clock().now()));
            assertThat(entry(f, "mem:a").waitingForBudget()).isFalse(); // a waits for its own retry, not the gate

            f.scheduler.advanceTo(poll(t0).plusSeconds(30));
            assertThat(calls).hasSize(2).last().isEqualTo(poll(t0).plusSeconds(30));
            assertThat(entry(f, "mem:b").waitingForBudget()).isFalse();
        }
    }

    @Test
    void retryAfter_neverHoldsAFirstLoad() {
        try (Fixture f = new Fixture()) {
            f.source.put("a", "a1");
            f.source.put("c", "c1");
            f.policy(poll());
            Instant t0 = f.scheduler.clock().now();
            f.secrets.get("mem:a");
            f.source.failNext(1, () -> throttled(Duration.ofMinutes(5)));
            f.scheduler.advanceTo(poll(t0));
            assertThat(f.events.ofType(SecretEventType.THROTTLED)).hasSize(1);

            // an application read waits for nothing but the store
            assertThat(f.secrets.value("mem:c")).isEqualTo("c1");
        }
    }

    @Test
    void throttledWithoutRetryAfter_backsOffAsAnyRetryableFailure() {
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.policy(poll());
            Instant t0 = f.scheduler.clock().now();
            f.secrets.get("mem:k");
            List<Instant> calls = recordCalls(f);
            f.source.failNext(1, () -> throttled(null));

            f.scheduler.advanceTo(poll(t0).plusMillis(500));

            // half of the 1 s initial backoff
            assertThat(calls).containsExactly(poll(t0), poll(t0).plusMillis(500));
        }
    }

    @Test
    void throttledSecret_staysActive_itsLastErrorSaysWhy_andHealthStaysUp() {
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.policy(poll());
            f.secrets.get("mem:k");
            f.source.failNext(1, () -> throttled(Duration.ofSeconds(30)));

            f.advance(POLL);

            InventoryEntry e = entry(f, "mem:k");
            assertThat(e.state()).isEqualTo(dev.rotor.secrets.SecretState.ACTIVE);
            assertThat(e.lastError()).hasValueSatisfying(m -> assertThat(m).contains("SourceThrottledException"));
            assertThat(f.secrets.health().status()).isEqualTo(dev.rotor.secrets.Health.Status.UP);
        }
    }

    @Test
    void failedSecret_isDegraded() {
        // the contrast: the same refresh failing as a store failure
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.policy(poll());
            Instant t0 = f.scheduler.clock().now();
            f.secrets.get("mem:k");
            f.source.failNext(1, () -> new SourceUnavailableException("mem down", null, "mem"));

            f.scheduler.advanceTo(poll(t0)); // before its retry

            assertThat(entry(f, "mem:k").state()).isEqualTo(dev.rotor.secrets.SecretState.DEGRADED);
        }
    }

    @Test
    void retryAfter_isCappedAtFiveMinutes() {
        assertThat(throttled(Duration.ofHours(3)).retryAfter()).contains(SourceThrottledException.MAX_RETRY_AFTER);
        assertThat(throttled(Duration.ofSeconds(-1)).retryAfter()).isEmpty();
        assertThat(throttled(null)).isInstanceOf(SourceUnavailableException.class);
        assertThat(throttled(null).isRetryable()).isTrue();
    }

    private static InventoryEntry entry(Fixture f, String ref) {
        return f.secrets.inventory().stream()
                .filter(e -> e.ref().toString().equals(ref))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void probeSawANewVersion_fetchThrottled_theRetryFetchesWithoutProbingAgain() {
        // under a quota, a probe and a fetch back to back may never both find room: the probe's news is kept
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.policy(poll());
            Instant t0 = f.scheduler.clock().now();
            f.secrets.get("mem:k");
            f.source.put("k", "v2");
            f.source.failOnly(java.util.EnumSet.of(dev.rotor.secrets.test.InMemorySource.Operation.FETCH));
            f.source.failNext(1, () -> throttled(Duration.ofSeconds(30)));

            f.scheduler.advanceTo(poll(t0));
            assertThat(f.source.count(dev.rotor.secrets.test.InMemorySource.Operation.PROBE))
                    .isEqualTo(1);
            assertThat(f.source.count(dev.rotor.secrets.test.InMemorySource.Operation.FETCH))
                    .isEqualTo(2);
            assertThat(f.secrets.value("mem:k")).isEqualTo("v1");

            f.advance(Duration.ofSeconds(45));

            assertThat(f.secrets.value("mem:k")).isEqualTo("v2");
            assertThat(f.source.count(dev.rotor.secrets.test.InMemorySource.Operation.PROBE))
                    .as("no second probe")
                    .isEqualTo(1);
            assertThat(f.source.count(dev.rotor.secrets.test.InMemorySource.Operation.FETCH))
                    .isEqualTo(3);

            // once the new version is in, polls probe again
            f.advance(POLL);
            assertThat(f.source.count(dev.rotor.secrets.test.InMemorySource.Operation.PROBE))
                    .isEqualTo(2);
        }
    }
}
