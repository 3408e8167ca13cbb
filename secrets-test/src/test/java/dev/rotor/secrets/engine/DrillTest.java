package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.DrillReport;
import dev.rotor.secrets.DrillReport.ConsumerResult;
import dev.rotor.secrets.DrillReport.Outcome;
import dev.rotor.secrets.DrillReport.SecretResult;
import dev.rotor.secrets.InvalidSecretRefException;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.SecretConsumer;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.test.InMemorySource.Operation;
import dev.rotor.secrets.test.LeakCheck;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Rotation drills on the engine: re-issue or rotate, then every bound consumer's hand-over, reported and audited. */
class DrillTest {
    private static final Duration HOUR = Duration.ofHours(1);

    /** A consumer that records what it takes, refuses when told to, and can be made to block in accept. */
    static final class Recorder implements SecretConsumer {
        private final String name;
        volatile String refuse;
        volatile CountDownLatch blockUntil;
        volatile String version;

        Recorder(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String kind() {
            return "client";
        }

        @Override
        public void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {
            if (refuse != null) {
                throw new SecretRejectedException(refuse);
            }
        }

        @Override
        public void accept(SecretChange change) {
            CountDownLatch b = blockUntil;
            if (b != null) {
                try {
                    b.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            version = change.current().version();
        }
    }

    @Test
    void leasedSecret_isReissued_andEveryConsumerReportsTheNewVersion() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db/creds", HOUR, Duration.ofHours(24), true);
            f.start();
            Recorder a = new Recorder("orders-pool");
            Recorder b = new Recorder("reports-pool");
            ConsumerBinding.bind(f.secrets, a, "mem:db/creds");
            ConsumerBinding.bind(f.secrets, b, "mem:db/creds");
            String before = f.secrets.get("mem:db/creds").version();
            f.events.clear();

            DrillReport report = f.secrets.drill(List.of("mem:db/creds"));

            assertThat(report.succeeded()).isTrue();
            SecretResult r = report.secrets().get(0);
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(r.action()).contains("reissue");
            assertThat(r.source()).contains("mem");
            assertThat(r.previousVersion()).contains(before);
            assertThat(r.version()).isNotEqualTo(Optional.of(before));
            assertThat(r.consumers())
                    .extracting(ConsumerResult::name)
                    .containsExactlyInAnyOrder("orders-pool", "reports-pool");
            assertThat(r.consumers()).allMatch(ConsumerResult::succeeded);
            assertThat(r.consumers()).allMatch(c -> c.duration().isPresent());
            assertThat(a.version).isEqualTo(r.version().orElseThrow());
            assertThat(b.version).isEqualTo(r.version().orElseThrow());
            assertThat(f.secrets.get("mem:db/creds").field("username")).contains("user-2");

            assertThat(f.events.types()).contains(SecretEventType.DRILL_STARTED, SecretEventType.DRILL_RESULT);
            SecretEvent result = f.events.ofType(SecretEventType.DRILL_RESULT).get(0);
            assertThat(result.outcome()).isEqualTo(SecretEvent.Outcome.SUCCESS);
            assertThat(result.version()).isEqualTo(r.version());
            assertThat(result.previousVersion()).contains(before);
            assertThat(result.detail()).get().asString().contains("2 of 2 consumers");
        }
    }

    @Test
    void staticSecretOfARotatingSource_isRotated() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            f.start();
            Recorder c = new Recorder("api-client");
            ConsumerBinding.bind(f.secrets, c, "mem:api");

            SecretResult r = f.secrets.drill(List.of("mem:api")).secrets().get(0);

            assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(r.action()).contains("rotate");
            assertThat(f.source.count(Operation.ROTATE)).isEqualTo(1);
            assertThat(f.secrets.get("mem:api").value()).startsWith("k1-rotated");
            assertThat(c.version).isEqualTo(r.version().orElseThrow());
        }
    }

    @Test
    void staticSecretOfASourceThatCannotRotate_isNotSupported_andNothingIsCalled() {
        try (Fixture f = new Fixture()) {
            EnumSet<SourceCapability> caps = EnumSet.allOf(SourceCapability.class);
            caps.remove(SourceCapability.ROTATE);
            f.source.capabilities(caps);
            f.source.put("api", "k1");
            f.start();
            f.secrets.get("mem:api");
            f.source.resetCounts();

            DrillReport report = f.secrets.drill(List.of("mem:api"));

            assertThat(report.succeeded()).isTrue(); // not supported is not a failure
            SecretResult r = report.secrets().get(0);
            assertThat(r.outcome()).isEqualTo(Outcome.NOT_SUPPORTED);
            assertThat(r.reason()).get().asString().contains("cannot rotate");
            assertThat(f.source.count(Operation.FETCH) + f.source.count(Operation.ROTATE))
                    .isZero();
        }
    }

    @Test
    void consumerThatRefusesTheNewVersion_failsTheDrill_namingItAndWhy() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db/creds", HOUR, Duration.ofHours(24), true);
            f.start();
            Recorder ok = new Recorder("ok-pool");
            Recorder bad = new Recorder("bad-pool");
            ConsumerBinding.bind(f.secrets, ok, "mem:db/creds");
            ConsumerBinding.bind(f.secrets, bad, "mem:db/creds");
            bad.refuse = "login refused: SQLState 28000";

            DrillReport report = f.secrets.drill(List.of("mem:db/creds"));

            assertThat(report.succeeded()).isFalse();
            SecretResult r = report.secrets().get(0);
            assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(r.reason()).get().asString().contains("not every consumer");
            ConsumerResult refused = r.consumers().stream()
                    .filter(c -> c.name().equals("bad-pool"))
                    .findFirst()
                    .orElseThrow();
            assertThat(refused.succeeded()).isFalse();
            assertThat(refused.reason()).get().asString().contains("SQLState 28000");
            SecretEvent ev = f.events.ofType(SecretEventType.DRILL_RESULT).get(0);
            assertThat(ev.outcome()).isEqualTo(SecretEvent.Outcome.FAILURE);
            assertThat(ev.detail()).get().asString().contains("1 of 2 consumers");
        }
    }

    @Test
    void consumerThatDoesNotReportInTime_failsTheDrill_whenTheTimeoutPassesOnTheEnginesClock() throws Exception {
        ExecutorService engineThreads = Executors.newCachedThreadPool();
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try (Fixture f = new Fixture()) {
            f.dynamic("db/creds", HOUR, Duration.ofHours(24), true);
            f.start(f.builder().executor(engineThreads));
            Recorder slow = new Recorder("slow-pool");
            ConsumerBinding.bind(f.secrets, slow, "mem:db/creds");
            CountDownLatch release = new CountDownLatch(1);
            slow.blockUntil = release;
            try {
                CompletableFuture<DrillReport> drill = CompletableFuture.supplyAsync(
                        () -> f.secrets.drill(List.of("mem:db/creds"), Duration.ofSeconds(20)), caller);
                DrillReport report = null;
                for (int i = 0; i < 200 && report == null; i++) {
                    f.advance(Duration.ofSeconds(20)); // the drill's wait ends on the manual clock
                    try {
                        report = drill.get(50, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException notYet) {
                        // the drill has not reached its wait yet; move the clock again
                    }
                }
                assertThat(report).as("the drill ended within its bounded wait").isNotNull();
                SecretResult r = report.secrets().get(0);
                assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
                assertThat(r.consumers().get(0).succeeded()).isFalse();
                assertThat(r.consumers().get(0).reason()).get().asString().contains("did not report", "PT20S");
            } finally {
                release.countDown();
            }
        } finally {
            caller.shutdownNow();
            engineThreads.shutdownNow();
        }
    }

    @Test
    void closedBinding_isNotWaitedFor() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db/creds", HOUR, Duration.ofHours(24), true);
            f.start();
            Recorder gone = new Recorder("gone");
            ConsumerBinding.bind(f.secrets, gone, "mem:db/creds").close();

            SecretResult r = f.secrets.drill(List.of("mem:db/creds")).secrets().get(0);

            assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(r.consumers()).isEmpty();
        }
    }

    @Test
    void failedReissue_isReported_andTheVersionInServiceStays() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db/creds", HOUR, Duration.ofHours(24), true);
            f.start();
            String before = f.secrets.get("mem:db/creds").version();
            f.source.failNext(1, () -> new dev.rotor.secrets.SourceUnavailableException("down", null, "mem"));

            SecretResult r = f.secrets.drill(List.of("mem:db/creds")).secrets().get(0);

            assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(r.reason()).get().asString().contains("SourceUnavailableException");
            assertThat(f.secrets.get("mem:db/creds").version()).isEqualTo(before);
        }
    }

    @Test
    void invalidRef_failsBeforeAnythingIsDone() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db/creds", HOUR, Duration.ofHours(24), true);
            f.start();
            assertThatThrownBy(() -> f.secrets.drill(List.of("mem:db/creds", "not a ref")))
                    .isInstanceOf(InvalidSecretRefException.class);
            assertThat(f.source.count(Operation.FETCH)).isZero();
            assertThat(f.events.types()).doesNotContain(SecretEventType.DRILL_STARTED);
        }
    }

    @Test
    void reportsAndEvents_neverCarryAValue() {
        try (LeakCheck leaks = LeakCheck.start("pass-1", "pass-2", "pass-3")) {
            try (Fixture f = new Fixture()) {
                f.dynamic("db/creds", HOUR, Duration.ofHours(24), true);
                f.start(f.builder().eventListener(leaks));
                Recorder bad = new Recorder("bad-pool");
                bad.refuse = "login refused: SQLState 28000";
                ConsumerBinding.bind(f.secrets, bad, "mem:db/creds");
                DrillReport first = f.secrets.drill(List.of("mem:db/creds"));
                DrillReport second = f.secrets.drill(List.of("mem:db/creds"));
                leaks.check(first, second, first.secrets(), second.secrets(), f.events.events());
            }
            leaks.assertNoLeaks();
        }
    }
}
