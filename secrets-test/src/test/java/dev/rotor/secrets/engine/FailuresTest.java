package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretState;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.test.InMemorySource.Operation;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rule 6: failures keep the last good value; backoff with full jitter, capped before the hard deadline; breaker. */
class FailuresTest {

    private static RefreshPolicy backoff() {
        return RefreshPolicy.builder()
                .initialBackoff(Duration.ofSeconds(1))
                .maxBackoff(Duration.ofMinutes(1))
                .minBackoff(Duration.ZERO)
                .build();
    }

    /** The times at which the source was called. */
    private static List<Instant> recordCalls(Fixture f) {
        List<Instant> calls = new ArrayList<>();
        f.source.beforeCall(() -> calls.add(f.scheduler.clock().now()));
        return calls;
    }

    @Test
    void failingRefresh_keepsServingTheLastGoodVersion() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(1), false);
            f.policy(backoff());
            f.secrets.get("mem:db");
            f.source.goDown();
            f.advance(Duration.ofMinutes(50));
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("1");
            assertThat(f.events.ofType(SecretEventType.REFRESH_FAILED)).isNotEmpty();
            assertThat(f.secrets.inventory().get(0).state()).isEqualTo(SecretState.DEGRADED);
            assertThat(f.secrets.inventory().get(0).lastError())
                    .get()
                    .asString()
                    .contains("SourceUnavailable");
        }
    }

    @Test
    void backoff_growsExponentially_withFullJitter() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            // random draws 0.5: waits are half of 1s, 2s, 4s, 8s ... (a breaker that never opens, to see them all)
            f.start(f.builder()
                    .refreshPolicy(backoff()
                            .newBuilder()
                            .pollInterval(Duration.ofHours(1))
                            .build())
                    .circuitBreaker(CircuitBreakerConfig.custom()
                            .minimumNumberOfCalls(1000)
                            .slidingWindowSize(1000)
                            .build()));
            f.secrets.get("mem:api");
            f.source.goDown();
            List<Instant> calls = recordCalls(f);
            f.advance(Duration.ofHours(1));
            f.advance(Duration.ofSeconds(20));
            assertThat(calls).hasSizeGreaterThanOrEqualTo(5);
            List<Long> gaps = new ArrayList<>();
            for (int i = 1; i < 5; i++) {
                gaps.add(Duration.between(calls.get(i - 1), calls.get(i)).toMillis());
            }
            assertThat(gaps).containsExactly(500L, 1000L, 2000L, 4000L);
        }
    }

    @Test
    void backoff_isCappedSoThatSeveralAttemptsLandBeforeTheHardDeadline() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofMinutes(10), Duration.ofMinutes(10), false);
            // a huge backoff would wait past the lease; the cap is a quarter of the time left
            f.policy(RefreshPolicy.builder()
                    .initialBackoff(Duration.ofMinutes(30))
                    .maxBackoff(Duration.ofHours(1))
                    .build());
            f.secrets.get("mem:db");
            f.source.goDown();
            List<Instant> calls = recordCalls(f);
            Instant hard = f.scheduler.clock().now().plus(Duration.ofMinutes(10));
            f.advance(Duration.ofMinutes(10).minusMillis(1));
            assertThat(calls.stream().filter(c -> c.isBefore(hard)).count()).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void recovery_isPickedUpWithinOneBackoffStep() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            f.policy(backoff().newBuilder().pollInterval(Duration.ofMinutes(1)).build());
            f.secrets.get("mem:api");
            f.source.goDown();
            f.advance(Duration.ofMinutes(2));
            f.source.put("api", "k2");
            f.source.recover();
            f.advance(Duration.ofSeconds(60)); // the backoff is capped at one minute
            assertThat(f.secrets.get("mem:api").value()).isEqualTo("k2");
        }
    }

    @Test
    void nonRetryableFailure_waitsTheWholeCap_insteadOfRetryingSoon() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            f.policy(backoff().newBuilder().pollInterval(Duration.ofMinutes(5)).build());
            f.secrets.get("mem:api");
            f.source.failAlways(() -> new SecretAccessDeniedException("denied", null, "mem"));
            List<Instant> calls = recordCalls(f);
            f.advance(Duration.ofMinutes(5));
            assertThat(calls).hasSize(1);
            f.advance(Duration.ofMinutes(1));
            assertThat(calls).hasSize(2);
            // the whole cap (maxBackoff, one minute), not a jittered fraction of the initial backoff
            assertThat(Duration.between(calls.get(0), calls.get(1))).isEqualTo(Duration.ofMinutes(1));
            assertThat(f.secrets.get("mem:api").value()).isEqualTo("k1");
        }
    }

    @Test
    void coldRead_failsWithATypedError_remembersItBriefly_andNoValueIsCached() {
        try (Fixture f = new Fixture()) {
            f.start();
            assertThatThrownBy(() -> f.secrets.get("mem:nope"))
                    .isInstanceOf(SecretNotFoundException.class)
                    .hasMessageContaining("mem:nope")
                    .hasMessageContaining("source=mem");
            f.source.put("nope", "now-here");
            // until the retry falls due (expiredMaxBackoff, 1 s, for a failure retrying cannot cure) the answer is
            // remembered: no call, no event
            assertThatThrownBy(() -> f.secrets.get("mem:nope")).isInstanceOf(SecretNotFoundException.class);
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(1);
            f.advance(Duration.ofSeconds(1));
            assertThat(f.secrets.get("mem:nope").value()).isEqualTo("now-here");
        }
    }

    @Test
    void circuitBreaker_opensAfterRepeatedSourceFailures_andFailsColdReadsFast() {
        try (Fixture f = new Fixture()) {
            f.start(f.builder()
                    .circuitBreaker(CircuitBreakerConfig.custom()
                            .slidingWindowSize(4)
                            .minimumNumberOfCalls(4)
                            .failureRateThreshold(50)
                            .waitDurationInOpenState(Duration.ofSeconds(30))
                            .permittedNumberOfCallsInHalfOpenState(1)
                            .build()));
            f.source.goDown();
            for (int i = 0; i < 4; i++) {
                String ref = "mem:a" + i; // four secrets: one cold read of one secret is one call until its retry
                assertThatThrownBy(() -> f.secrets.get(ref)).isInstanceOf(SourceUnavailableException.class);
            }
            assertThat(f.events.types()).contains(SecretEventType.CIRCUIT_OPENED);
            int calls = f.source.count(Operation.FETCH);
            assertThatThrownBy(() -> f.secrets.get("mem:b"))
                    .isInstanceOf(SourceUnavailableException.class)
                    .hasMessageContaining("circuit breaker open");
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(calls);

            f.source.recover();
            f.source.put("b", "vb");
            f.advance(Duration.ofSeconds(31));
            assertThat(f.secrets.get("mem:b").value()).isEqualTo("vb");
            assertThat(f.events.types()).contains(SecretEventType.CIRCUIT_CLOSED);
            SecretEvent opened = f.events.ofType(SecretEventType.CIRCUIT_OPENED).get(0);
            assertThat(opened.source()).contains("mem");
        }
    }

    @Test
    void defaultBreaker_staysOpenNoLongerThanTheMaximumBackoff() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            f.policy(RefreshPolicy.builder()
                    .initialBackoff(Duration.ofMillis(200))
                    .maxBackoff(Duration.ofSeconds(1))
                    .minBackoff(Duration.ofMillis(50))
                    .pollInterval(Duration.ofSeconds(1))
                    .build());
            f.secrets.get("mem:api");
            f.source.goDown();
            f.advance(Duration.ofSeconds(10));
            assertThat(f.events.types()).contains(SecretEventType.CIRCUIT_OPENED);
            f.source.put("api", "k2");
            f.source.recover();
            // open at most 1 s, then a retry within one backoff step (at most 1 s)
            f.advance(Duration.ofSeconds(2));
            assertThat(f.secrets.get("mem:api").value()).isEqualTo("k2");
        }
    }

    @Test
    void whileTheBreakerIsOpen_retriesWaitForItsTrialCall_soNoneIsRefused() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            f.start(f.builder()
                    .refreshPolicy(RefreshPolicy.builder()
                            .initialBackoff(Duration.ofSeconds(1))
                            .maxBackoff(Duration.ofSeconds(10))
                            .pollInterval(Duration.ofMinutes(1))
                            .build())
                    .circuitBreaker(CircuitBreakerConfig.custom()
                            .slidingWindowSize(2)
                            .minimumNumberOfCalls(2)
                            .failureRateThreshold(50)
                            .waitDurationInOpenState(Duration.ofSeconds(7))
                            .permittedNumberOfCallsInHalfOpenState(1)
                            .build()));
            f.secrets.get("mem:api");
            f.source.goDown();
            f.advance(Duration.ofMinutes(2));
            assertThat(f.events.types()).contains(SecretEventType.CIRCUIT_OPENED);
            assertThat(f.events.ofType(SecretEventType.REFRESH_FAILED))
                    .as("every retry reached the source")
                    .noneMatch(e -> e.errorMessage().orElse("").contains("circuit breaker open"));

            f.source.put("api", "k2");
            f.source.recover();
            f.advance(Duration.ofSeconds(8));
            assertThat(f.secrets.get("mem:api").value())
                    .as("the trial call after the open window")
                    .isEqualTo("k2");
        }
    }

    @Test
    void notFoundAndAccessDenied_doNotOpenTheCircuit() {
        try (Fixture f = new Fixture()) {
            f.start(f.builder()
                    .circuitBreaker(CircuitBreakerConfig.custom()
                            .slidingWindowSize(2)
                            .minimumNumberOfCalls(2)
                            .build()));
            for (int i = 0; i < 5; i++) {
                assertThatThrownBy(() -> f.secrets.get("mem:missing")).isInstanceOf(SecretNotFoundException.class);
            }
            assertThat(f.events.types()).doesNotContain(SecretEventType.CIRCUIT_OPENED);
        }
    }
}
