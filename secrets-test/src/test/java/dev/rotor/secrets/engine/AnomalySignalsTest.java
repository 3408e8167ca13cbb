package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretDeclaration;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.SignalThresholds;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.SourceContext;
import dev.rotor.secrets.spi.VersionProbe;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.LeakCheck;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The anomaly signals, each on the manual clock, each next to the case that must stay quiet. */
class AnomalySignalsTest {
    private static final RefreshPolicy POLL_1M =
            RefreshPolicy.builder().pollInterval(Duration.ofMinutes(1)).build();
    private static final Duration TICK = Duration.ofSeconds(30);

    private static List<SecretEvent> of(Fixture f, SecretEventType type) {
        return f.events.ofType(type);
    }

    // ---- rotating more often than declared ----

    @Test
    void moreThanThreeVersionsWithinTheCadence_reportedOnce() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v0");
            f.start(f.builder()
                    .refreshPolicy(POLL_1M)
                    .declare(SecretDeclaration.of("mem:db").rotationCadence(Duration.ofHours(1))));
            f.secrets.get("mem:db");
            for (int i = 1; i <= 3; i++) {
                f.source.put("db", "v" + i);
                f.advance(Duration.ofMinutes(2));
            }
            assertThat(of(f, SecretEventType.ROTATED)).hasSize(3);
            assertThat(of(f, SecretEventType.ROTATION_TOO_FREQUENT)).isEmpty();

            f.source.put("db", "v4");
            f.advance(Duration.ofMinutes(2));
            assertThat(of(f, SecretEventType.ROTATION_TOO_FREQUENT))
                    .singleElement()
                    .satisfies(ev -> {
                        assertThat(ev.ref().orElseThrow().toString()).isEqualTo("mem:db");
                        assertThat(ev.detail().orElseThrow()).contains("declared cadence PT1H");
                    });
            f.source.put("db", "v5");
            f.advance(Duration.ofMinutes(2));
            assertThat(of(f, SecretEventType.ROTATION_TOO_FREQUENT)).hasSize(1);
        }
    }

    @Test
    void versionsSpreadOverMoreThanTheCadence_stayQuiet() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v0");
            f.start(f.builder()
                    .refreshPolicy(POLL_1M)
                    .declare(SecretDeclaration.of("mem:db").rotationCadence(Duration.ofMinutes(30))));
            f.secrets.get("mem:db");
            for (int i = 1; i <= 8; i++) {
                f.source.put("db", "v" + i);
                f.advance(Duration.ofMinutes(11));
            }
            assertThat(of(f, SecretEventType.ROTATED)).hasSize(8);
            assertThat(of(f, SecretEventType.ROTATION_TOO_FREQUENT)).isEmpty();
        }
    }

    // ---- a version change nobody planned ----

    @Test
    void pollFindsANewVersionOfAStaticSecretWithoutRotationDate_unexpected() {
        try (Fixture f = new Fixture()) {
            String v1 = f.source.put("db", "v1");
            f.start(f.builder().refreshPolicy(POLL_1M).declare(SecretDeclaration.of("mem:db")));
            f.secrets.get("mem:db");
            String v2 = f.source.put("db", "v2");
            f.advance(Duration.ofMinutes(1));
            assertThat(of(f, SecretEventType.UNEXPECTED_VERSION))
                    .singleElement()
                    .satisfies(ev -> {
                        assertThat(ev.version()).contains(v2);
                        assertThat(ev.previousVersion()).contains(v1);
                        assertThat(ev.detail().orElseThrow()).contains("without a known rotation date");
                    });
        }
    }

    @Test
    void scheduledRotationAndManualRefresh_areExpected() {
        try (Fixture f = new Fixture()) {
            java.time.Instant rotation = f.scheduler.clock().now().plus(Duration.ofMinutes(10));
            f.source.putRotating("db", Map.of("password", "p1"), rotation);
            f.source.put("api", "a1");
            f.start(f.builder().refreshPolicy(POLL_1M).declare(SecretDeclaration.of("mem:db")));
            f.secrets.get("mem:db");
            f.secrets.get("mem:api");
            f.advance(Duration.ofMinutes(9));
            f.source.putRotating("db", Map.of("password", "p2"), rotation.plus(Duration.ofDays(1)));
            f.advance(Duration.ofMinutes(2));
            f.source.put("api", "a2");
            f.secrets.refresh("mem:api");
            assertThat(of(f, SecretEventType.ROTATED)).hasSize(2);
            assertThat(of(f, SecretEventType.UNEXPECTED_VERSION)).isEmpty();
        }
    }

    @Test
    void leasedSecretReplacedBeforeItsRenewalPoint_unexpected_butNotAtItsPlannedRefresh() {
        try (Fixture f = new Fixture()) {
            InMemorySource store = new InMemorySource("notify", f.scheduler.clock());
            store.dynamic("db", n -> Map.of("password", "pass-" + n), Duration.ofHours(1), Duration.ofDays(1), false);
            NotifyingSource notifying = new NotifyingSource(store);
            f.start(f.builder().source(notifying).declare(SecretDeclaration.of("notify:db")));
            f.secrets.get("notify:db");
            f.advance(Duration.ofMinutes(5));
            // the store tells the client its credentials changed (a watch, a push): a refresh the client did not plan
            notifying.context.get().refresh(ref -> true);
            f.scheduler.runDue();
            assertThat(of(f, SecretEventType.ROTATED)).hasSize(1);
            assertThat(of(f, SecretEventType.UNEXPECTED_VERSION))
                    .singleElement()
                    .satisfies(ev -> assertThat(ev.detail().orElseThrow()).contains("before its renewal point"));

            // the planned refresh at about two thirds of the new lease replaces it as scheduled
            f.advance(Duration.ofMinutes(45));
            assertThat(of(f, SecretEventType.ROTATED)).hasSize(2);
            assertThat(of(f, SecretEventType.UNEXPECTED_VERSION)).hasSize(1);
        }
    }

    // ---- access denied bursts ----

    @Test
    void fiveAccessDeniedWithinAMinuteFromOneSource_oneBurst_andAnotherAfterAQuietMinute() {
        try (Fixture f = new Fixture()) {
            f.source.failAlways(() -> new SecretAccessDeniedException("permission denied", null, "mem"));
            f.start(f.builder().monitorInterval(TICK));
            for (int i = 0; i < 4; i++) {
                String ref = "mem:a" + i;
                catchThrowable(() -> f.secrets.get(ref));
                f.advance(Duration.ofSeconds(5));
            }
            assertThat(of(f, SecretEventType.REFRESH_FAILED)).hasSize(4);
            assertThat(of(f, SecretEventType.ACCESS_DENIED_BURST)).isEmpty();

            catchThrowable(() -> f.secrets.get("mem:a4"));
            catchThrowable(() -> f.secrets.get("mem:a5"));
            assertThat(of(f, SecretEventType.ACCESS_DENIED_BURST))
                    .singleElement()
                    .satisfies(ev -> {
                        assertThat(ev.source()).contains("mem");
                        assertThat(ev.detail().orElseThrow()).contains("5 access denied");
                    });

            f.advance(Duration.ofMinutes(2));
            for (int i = 10; i < 15; i++) {
                String ref = "mem:a" + i;
                catchThrowable(() -> f.secrets.get(ref));
            }
            assertThat(of(f, SecretEventType.ACCESS_DENIED_BURST)).hasSize(2);
        }
    }

    @Test
    void accessDeniedSpreadOverMinutes_isNoBurst() {
        try (Fixture f = new Fixture()) {
            f.source.failAlways(() -> new SecretAccessDeniedException("permission denied", null, "mem"));
            f.start(f.builder().monitorInterval(TICK));
            for (int i = 0; i < 10; i++) {
                String ref = "mem:a" + i;
                catchThrowable(() -> f.secrets.get(ref));
                f.advance(Duration.ofSeconds(20));
            }
            assertThat(of(f, SecretEventType.REFRESH_FAILED)).hasSize(10);
            assertThat(of(f, SecretEventType.ACCESS_DENIED_BURST)).isEmpty();
        }
    }

    // ---- consumers refusing versions ----

    @Test
    void validatorVetoingThreeVersionsInARow_reportedOnce_andAgainAfterAnAcceptedOne() {
        try (Fixture f = new Fixture()) {
            AtomicBoolean veto = new AtomicBoolean(true);
            f.source.put("db", "v1");
            f.start(f.builder()
                    .refreshPolicy(POLL_1M)
                    .declare(SecretDeclaration.of("mem:db"))
                    .validator("mem:db", (candidate, current) -> {
                        if (current.isPresent() && veto.get()) {
                            throw new SecretRejectedException("does not open a connection");
                        }
                    }));
            f.secrets.get("mem:db");
            f.source.put("db", "v2");
            // the poll falls at 57 s (a minute less half its jitter), its retries after 0.5 s, 1 s, 2 s...
            f.advance(Duration.ofSeconds(57));
            assertThat(of(f, SecretEventType.REJECTED)).hasSize(1);
            f.advance(Duration.ofMillis(500));
            assertThat(of(f, SecretEventType.REJECTED)).hasSize(2);
            assertThat(of(f, SecretEventType.CONSUMER_REFUSING)).isEmpty();

            f.advance(Duration.ofMinutes(5));
            assertThat(of(f, SecretEventType.REJECTED).size()).isGreaterThan(3);
            assertThat(of(f, SecretEventType.CONSUMER_REFUSING)).singleElement().satisfies(ev -> {
                assertThat(ev.ref().orElseThrow().toString()).isEqualTo("mem:db");
                assertThat(ev.detail().orElseThrow()).contains("validators vetoed 3 versions in a row");
            });

            veto.set(false);
            f.advance(Duration.ofMinutes(10));
            assertThat(of(f, SecretEventType.ROTATED)).hasSize(1);
            veto.set(true);
            f.source.put("db", "v3");
            f.advance(Duration.ofMinutes(10));
            assertThat(of(f, SecretEventType.CONSUMER_REFUSING)).hasSize(2);
        }
    }

    @Test
    void consumerRefusingThreeHandOversInARow_reportedOnce_resetByASuccess() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.start(f.builder().declare(SecretDeclaration.of("mem:db")));
            f.secrets.get("mem:db");
            SecretRef ref = SecretRef.parse("mem:db");
            // what a consumer binding publishes for each hand-over it refused or took
            Runnable refused = () -> f.secrets.publish(SecretEvent.builder(
                            SecretEventType.HANDED_OVER, f.scheduler.clock().now())
                    .ref(ref)
                    .source("pool-orders")
                    .failure(new SecretRejectedException("pool refused", ref, "pool-orders"))
                    .build());
            Runnable took = () -> f.secrets.publish(SecretEvent.builder(
                            SecretEventType.HANDED_OVER, f.scheduler.clock().now())
                    .ref(ref)
                    .source("pool-orders")
                    .build());
            refused.run();
            refused.run();
            took.run();
            refused.run();
            refused.run();
            assertThat(of(f, SecretEventType.CONSUMER_REFUSING)).isEmpty();
            refused.run();
            refused.run();
            assertThat(of(f, SecretEventType.CONSUMER_REFUSING)).singleElement().satisfies(ev -> {
                assertThat(ev.source()).contains("pool-orders");
                assertThat(ev.detail().orElseThrow()).contains("pool-orders refused 3 versions in a row");
            });
        }
    }

    // ---- reads of undeclared refs ----

    @Test
    void undeclaredRef_reportedOncePerRef_whenTheApplicationDeclaresSecrets() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.source.put("other", "o1");
            f.start(f.builder().declare(SecretDeclaration.of("mem:db")));
            f.secrets.get("mem:db");
            f.secrets.get("mem:other");
            f.advance(TICK);
            assertThat(of(f, SecretEventType.UNDECLARED_READ)).singleElement().satisfies(ev -> assertThat(
                            ev.ref().orElseThrow().toString())
                    .isEqualTo("mem:other"));
            f.secrets.get("mem:other");
            f.secrets.value("mem:other");
            f.advance(Duration.ofMinutes(5));
            assertThat(of(f, SecretEventType.UNDECLARED_READ)).hasSize(1);
        }
    }

    @Test
    void undeclaredRefs_rememberedUpToABound() {
        try (Fixture f = new Fixture()) {
            for (int i = 0; i < 1_100; i++) {
                f.source.put("s" + i, "v");
            }
            f.start(f.builder().declare(SecretDeclaration.of("mem:db")));
            for (int i = 0; i < 1_100; i++) {
                f.secrets.get("mem:s" + i);
            }
            f.advance(TICK);
            f.advance(TICK);
            assertThat(of(f, SecretEventType.UNDECLARED_READ)).hasSize(1_000);
        }
    }

    @Test
    void withoutDeclarations_noRefIsUndeclared() {
        try (Fixture f = new Fixture()) {
            f.source.put("other", "o1");
            f.start(f.builder().monitorInterval(TICK));
            f.secrets.get("mem:other");
            f.advance(Duration.ofMinutes(5));
            assertThat(of(f, SecretEventType.UNDECLARED_READ)).isEmpty();
        }
    }

    // ---- read-rate spikes ----

    @Test
    void readsTenTimesAboveTheSecretsOwnBaseline_oneSpike() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.start(f.builder().monitorInterval(TICK).readRateSignal(true));
            SecretHandle handle = f.secrets.handle("mem:db");
            f.advance(TICK);
            for (int interval = 0; interval < 7; interval++) {
                for (int i = 0; i < 50; i++) {
                    f.secrets.get("mem:db");
                }
                f.advance(TICK);
            }
            assertThat(of(f, SecretEventType.READ_RATE_SPIKE)).isEmpty();

            for (int i = 0; i < 2_000; i++) {
                handle.current();
            }
            f.advance(TICK);
            assertThat(of(f, SecretEventType.READ_RATE_SPIKE)).singleElement().satisfies(ev -> assertThat(
                            ev.detail().orElseThrow())
                    .contains("reads/s against a baseline of 1.7 reads/s"));

            // the same high rate again is no new spike: the baseline has moved towards it
            for (int i = 0; i < 2_000; i++) {
                f.secrets.get("mem:db");
            }
            f.advance(TICK);
            assertThat(of(f, SecretEventType.READ_RATE_SPIKE)).hasSize(1);
        }
    }

    @Test
    void readRateSignalOff_theDefault_readsAreNotCounted_noSpike() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.start(f.builder().monitorInterval(TICK));
            f.advance(TICK);
            for (int interval = 0; interval < 7; interval++) {
                for (int i = 0; i < 50; i++) {
                    f.secrets.get("mem:db");
                }
                f.advance(TICK);
            }
            for (int i = 0; i < 2_000; i++) {
                f.secrets.get("mem:db");
            }
            f.advance(TICK);
            assertThat(of(f, SecretEventType.READ_RATE_SPIKE)).isEmpty();
        }
    }

    @Test
    void steadyHighReadRate_isNoSpike() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.start(f.builder().monitorInterval(TICK).readRateSignal(true));
            f.secrets.get("mem:db");
            f.advance(TICK);
            for (int interval = 0; interval < 12; interval++) {
                for (int i = 0; i < 1_000; i++) {
                    f.secrets.get("mem:db");
                }
                f.advance(TICK);
            }
            assertThat(of(f, SecretEventType.READ_RATE_SPIKE)).isEmpty();
        }
    }

    // ---- thresholds the application sets ----

    @Test
    void deniedBurstSetToThreeWithinThirtySeconds_firesAtTheThirdDenial_notAtTheDefaultFifth() {
        try (Fixture f = new Fixture()) {
            f.source.failAlways(() -> new SecretAccessDeniedException("permission denied", null, "mem"));
            f.start(f.builder()
                    .monitorInterval(TICK)
                    .signalThresholds(SignalThresholds.builder()
                            .deniedBurst(3)
                            .deniedWindow(Duration.ofSeconds(30))
                            .build()));
            catchThrowable(() -> f.secrets.get("mem:a0"));
            f.advance(Duration.ofSeconds(5));
            catchThrowable(() -> f.secrets.get("mem:a1"));
            assertThat(of(f, SecretEventType.ACCESS_DENIED_BURST)).isEmpty();
            catchThrowable(() -> f.secrets.get("mem:a2"));
            assertThat(of(f, SecretEventType.ACCESS_DENIED_BURST))
                    .singleElement()
                    .satisfies(ev ->
                            assertThat(ev.detail().orElseThrow()).contains("3 access denied answers within PT30S"));

            // three denials spread over more than the 30 s window are no burst, though they are within the default's
            // minute
            f.advance(Duration.ofMinutes(2));
            for (int i = 10; i < 13; i++) {
                String ref = "mem:a" + i;
                catchThrowable(() -> f.secrets.get(ref));
                f.advance(Duration.ofSeconds(20));
            }
            assertThat(of(f, SecretEventType.ACCESS_DENIED_BURST)).hasSize(1);
        }
    }

    @Test
    void versionsPerCadenceSetToOne_theSecondVersionWithinTheCadenceIsTooFrequent() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v0");
            f.start(f.builder()
                    .refreshPolicy(POLL_1M)
                    .signalThresholds(
                            SignalThresholds.builder().versionsPerCadence(1).build())
                    .declare(SecretDeclaration.of("mem:db").rotationCadence(Duration.ofHours(1))));
            f.secrets.get("mem:db");
            f.source.put("db", "v1");
            f.advance(Duration.ofMinutes(2));
            assertThat(of(f, SecretEventType.ROTATION_TOO_FREQUENT)).isEmpty();
            f.source.put("db", "v2");
            f.advance(Duration.ofMinutes(2));
            assertThat(of(f, SecretEventType.ROTATED)).hasSize(2);
            assertThat(of(f, SecretEventType.ROTATION_TOO_FREQUENT))
                    .singleElement()
                    .satisfies(ev -> assertThat(ev.detail().orElseThrow()).startsWith("2 versions within"));
        }
    }

    @Test
    void refusalsSetToTwo_theSecondRefusedHandOverInARowIsReported() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.start(f.builder()
                    .declare(SecretDeclaration.of("mem:db"))
                    .signalThresholds(SignalThresholds.builder().refusals(2).build()));
            f.secrets.get("mem:db");
            SecretRef ref = SecretRef.parse("mem:db");
            Runnable refused = () -> f.secrets.publish(SecretEvent.builder(
                            SecretEventType.HANDED_OVER, f.scheduler.clock().now())
                    .ref(ref)
                    .source("pool-orders")
                    .failure(new SecretRejectedException("pool refused", ref, "pool-orders"))
                    .build());
            refused.run();
            assertThat(of(f, SecretEventType.CONSUMER_REFUSING)).isEmpty();
            refused.run();
            assertThat(of(f, SecretEventType.CONSUMER_REFUSING)).singleElement().satisfies(ev -> assertThat(
                            ev.detail().orElseThrow())
                    .contains("pool-orders refused 2 versions in a row"));
        }
    }

    @Test
    void maxUndeclaredSetToTwo_remembersAndReportsTwoRefs() {
        try (Fixture f = new Fixture()) {
            for (int i = 0; i < 5; i++) {
                f.source.put("s" + i, "v");
            }
            f.start(f.builder()
                    .declare(SecretDeclaration.of("mem:db"))
                    .signalThresholds(
                            SignalThresholds.builder().maxUndeclared(2).build()));
            for (int i = 0; i < 5; i++) {
                f.secrets.get("mem:s" + i);
            }
            f.advance(TICK);
            f.advance(TICK);
            assertThat(of(f, SecretEventType.UNDECLARED_READ)).hasSize(2);
        }
    }

    @Test
    void spikeThresholdsLowered_aSmallerJumpAfterAShorterWarmUpIsASpike() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.start(f.builder()
                    .monitorInterval(TICK)
                    .readRateSignal(true)
                    .signalThresholds(SignalThresholds.builder()
                            .spikeFactor(3)
                            .spikeMinReads(20)
                            .spikeWarmup(2)
                            .build()));
            f.secrets.handle("mem:db");
            f.advance(TICK);
            for (int interval = 0; interval < 2; interval++) {
                for (int i = 0; i < 10; i++) {
                    f.secrets.get("mem:db");
                }
                f.advance(TICK);
            }
            assertThat(of(f, SecretEventType.READ_RATE_SPIKE)).isEmpty();
            // 50 reads against a baseline of 10 an interval: five times it, below the default's ten and 100 reads
            for (int i = 0; i < 50; i++) {
                f.secrets.get("mem:db");
            }
            f.advance(TICK);
            assertThat(of(f, SecretEventType.READ_RATE_SPIKE)).hasSize(1);
        }
    }

    @Test
    void theSameFiveFoldJump_onTheDefaults_isNoSpike() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.start(f.builder().monitorInterval(TICK).readRateSignal(true));
            f.secrets.handle("mem:db");
            f.advance(TICK);
            for (int interval = 0; interval < 6; interval++) {
                for (int i = 0; i < 30; i++) {
                    f.secrets.get("mem:db");
                }
                f.advance(TICK);
            }
            for (int i = 0; i < 150; i++) {
                f.secrets.get("mem:db");
            }
            f.advance(TICK);
            assertThat(of(f, SecretEventType.READ_RATE_SPIKE)).isEmpty();
        }
    }

    @Test
    void badThresholds_areRefused_namingTheSetting() {
        assertThatThrownBy(() -> SignalThresholds.builder().deniedBurst(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SignalThresholds.deniedBurst")
                .hasMessageContaining("was 0");
        assertThatThrownBy(() ->
                        SignalThresholds.builder().deniedWindow(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SignalThresholds.deniedWindow");
        assertThatThrownBy(() -> SignalThresholds.builder().spikeFactor(1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SignalThresholds.spikeFactor");
        assertThatThrownBy(() -> SignalThresholds.builder()
                        .versionsPerCadence(SignalThresholds.MAX_COUNT + 1)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SignalThresholds.versionsPerCadence");
        assertThatThrownBy(() -> SignalThresholds.builder().refusals(0).build())
                .hasMessageContaining("SignalThresholds.refusals");
        assertThatThrownBy(() -> SignalThresholds.builder().maxUndeclared(-1).build())
                .hasMessageContaining("SignalThresholds.maxUndeclared");
        assertThatThrownBy(() -> SignalThresholds.builder().spikeMinReads(0).build())
                .hasMessageContaining("SignalThresholds.spikeMinReads");
        assertThatThrownBy(() -> SignalThresholds.builder().spikeWarmup(0).build())
                .hasMessageContaining("SignalThresholds.spikeWarmup");
        SignalThresholds changed = SignalThresholds.builder().deniedBurst(3).build();
        assertThat(changed.newBuilder().build()).isEqualTo(changed).isNotEqualTo(SignalThresholds.defaults());
        assertThat(SignalThresholds.defaults().deniedBurst()).isEqualTo(5);
        assertThat(SignalThresholds.defaults().deniedWindow()).isEqualTo(Duration.ofMinutes(1));
    }

    // ---- under real threads ----

    @Test
    void readersRotationsAndEvaluations_onRealThreads_signalOnceAndNeverStall() throws Exception {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v0");
            f.source.put("other", "o");
            f.start(f.builder().declare(SecretDeclaration.of("mem:db").rotationCadence(Duration.ofDays(1))));
            SecretHandle handle = f.secrets.handle("mem:db");
            f.secrets.get("mem:other");
            int readers = 4;
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(readers + 1);
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(readers + 1);
            java.util.concurrent.ConcurrentLinkedQueue<Throwable> errors =
                    new java.util.concurrent.ConcurrentLinkedQueue<>();
            try {
                for (int r = 0; r < readers; r++) {
                    pool.execute(() -> {
                        try {
                            for (int i = 0; i < 200_000; i++) {
                                assertThat(i % 2 == 0 ? handle.current() : f.secrets.get("mem:other"))
                                        .isNotNull();
                            }
                        } catch (Throwable t) {
                            errors.add(t);
                        } finally {
                            done.countDown();
                        }
                    });
                }
                pool.execute(() -> {
                    try {
                        for (int i = 1; i <= 20; i++) {
                            f.source.put("db", "v" + i);
                            f.secrets.refresh("mem:db");
                        }
                    } catch (Throwable t) {
                        errors.add(t);
                    } finally {
                        done.countDown();
                    }
                });
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!done.await(1, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    f.advance(TICK);
                    assertThat(System.nanoTime() - deadline).as("bounded wait").isNegative();
                }
            } finally {
                pool.shutdownNow();
            }
            f.advance(TICK);
            assertThat(errors).isEmpty();
            assertThat(of(f, SecretEventType.ROTATED)).hasSize(20);
            assertThat(of(f, SecretEventType.ROTATION_TOO_FREQUENT)).hasSize(1);
            assertThat(of(f, SecretEventType.UNDECLARED_READ)).singleElement().satisfies(ev -> assertThat(
                            ev.ref().orElseThrow().toString())
                    .isEqualTo("mem:other"));
        }
    }

    // ---- no values anywhere ----

    @Test
    void signalsAndInventory_neverCarryAValue() {
        try (LeakCheck leaks = LeakCheck.builder()
                        .plant("pass-1", "pass-2", "pass-3", "static-s3cr3t-1", "static-s3cr3t-2")
                        .start();
                Fixture f = new Fixture()) {
            f.dynamic("lease", Duration.ofHours(1), Duration.ofDays(1), false);
            f.source.put("db", "static-s3cr3t-1");
            f.start(f.builder()
                    .eventListener(leaks)
                    .refreshPolicy(POLL_1M)
                    .declare(SecretDeclaration.of("mem:db")
                            .maxAge(Duration.ofMinutes(2))
                            .rotationCadence(Duration.ofMinutes(1)))
                    .declare(SecretDeclaration.of("mem:lease")));
            f.secrets.get("mem:db");
            f.secrets.get("mem:lease");
            f.source.put("undeclared", "static-s3cr3t-2");
            f.secrets.get("mem:undeclared");
            f.advance(Duration.ofMinutes(3));
            f.source.put("db", "static-s3cr3t-2");
            f.source.goDown();
            f.advance(Duration.ofMinutes(59));
            assertThat(f.events.types()).contains(SecretEventType.SLO_BREACHED, SecretEventType.UNDECLARED_READ);
            leaks.check(f.secrets.inventory(), f.secrets.health(), f.events.events());
            f.secrets.inventory().forEach(e -> leaks.check(e.slo()));
        }
    }

    /** A source that delegates to an in-memory store and keeps the context the client lends it. */
    private static final class NotifyingSource implements SecretSource {
        final AtomicReference<SourceContext> context = new AtomicReference<>();
        private final InMemorySource delegate;

        NotifyingSource(InMemorySource delegate) {
            this.delegate = delegate;
        }

        @Override
        public String scheme() {
            return delegate.scheme();
        }

        @Override
        public Set<SourceCapability> capabilities() {
            return delegate.capabilities();
        }

        @Override
        public RefreshPolicy defaultRefreshPolicy() {
            return Fixture.STEADY;
        }

        @Override
        public void start(SourceContext context) {
            this.context.set(context);
        }

        @Override
        public Secret fetch(FetchRequest request) {
            return delegate.fetch(request);
        }

        @Override
        public Lease renew(SecretRef ref, Lease lease, Duration increment) {
            return delegate.renew(ref, lease, increment);
        }

        @Override
        public void revoke(SecretRef ref, Lease lease) {
            delegate.revoke(ref, lease);
        }

        @Override
        public Optional<VersionProbe> probe(SecretRef ref) {
            return delegate.probe(ref);
        }
    }
}
