package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretExpiredException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.test.InMemorySource.Operation;
import dev.rotor.secrets.test.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The engine under a dead store, on its default policy: no storms of calls or events, and a prompt recovery. */
class DeadStoreTest {

    @Test
    void coldReads_whileTheStoreFails_makeOneCallAndOneEventPerAttempt_notOnePerRead() {
        try (Fixture f = new Fixture()) {
            f.start();
            f.source.goDown();
            for (int i = 0; i < 5_000; i++) {
                assertThatThrownBy(() -> f.secrets.get("mem:cold")).isInstanceOf(SourceUnavailableException.class);
            }
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(1);
            assertThat(f.events.ofType(SecretEventType.REFRESH_FAILED)).hasSize(1);

            // the next attempt falls due at most expiredMaxBackoff (1 s) later; the reads after it make one more call
            f.advance(Duration.ofSeconds(1));
            for (int i = 0; i < 5_000; i++) {
                assertThatThrownBy(() -> f.secrets.get("mem:cold")).isInstanceOf(SourceUnavailableException.class);
            }
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(2);
            assertThat(f.events.ofType(SecretEventType.REFRESH_FAILED)).hasSize(2);

            f.source.recover();
            f.source.put("cold", "v1");
            f.advance(Duration.ofSeconds(1));
            assertThat(f.secrets.get("mem:cold").value()).isEqualTo("v1");
        }
    }

    @Test
    void missingSecret_readFiveThousandTimes_costsOneCallAndOneEvent() {
        try (Fixture f = new Fixture()) {
            f.start();
            for (int i = 0; i < 5_000; i++) {
                assertThatThrownBy(() -> f.secrets.get("mem:missing")).isInstanceOf(SecretNotFoundException.class);
            }
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(1);
            assertThat(f.events.ofType(SecretEventType.REFRESH_FAILED)).hasSize(1);
        }
    }

    @Test
    void coldReadsFromManyThreads_whileTheStoreFails_makeOneCall() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        dev.rotor.secrets.test.InMemorySource source =
                new dev.rotor.secrets.test.InMemorySource("mem", scheduler.clock());
        dev.rotor.secrets.test.RecordingListener events = new dev.rotor.secrets.test.RecordingListener();
        ExecutorService engine = Executors.newFixedThreadPool(4);
        ExecutorService readers = Executors.newFixedThreadPool(8);
        source.goDown();
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(engine)
                .eventListener(events)
                .build()) {
            CountDownLatch go = new CountDownLatch(1);
            AtomicInteger failures = new AtomicInteger();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(readers.submit(() -> {
                    go.await();
                    for (int i = 0; i < 2_000; i++) {
                        try {
                            secrets.get("mem:cold");
                        } catch (SourceUnavailableException e) {
                            failures.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> d : done) {
                d.get(60, TimeUnit.SECONDS);
            }
            assertThat(failures.get()).isEqualTo(16_000);
            assertThat(source.count(Operation.FETCH)).isEqualTo(1);
            assertThat(events.ofType(SecretEventType.REFRESH_FAILED)).hasSize(1);
        } finally {
            readers.shutdownNow();
            engine.shutdownNow();
        }
    }

    /**
     * A 200 ms lease ends during a 6 s outage of a store that fails fast; on the default policy the secret must be back
     * within about a second of the store's return, and the outage must cost at most 10 calls. Run over many random
     * draws, since the waits are full-jitter.
     */
    @Test
    void leaseEndedDuringAnOutage_recoversWithinASecondOfTheStoresReturn_onDefaults() {
        List<Long> recoveries = new ArrayList<>();
        List<Integer> outageCalls = new ArrayList<>();
        for (long seed = 1; seed <= 50; seed++) {
            try (Fixture f = new Fixture()) {
                f.dynamic("db", Duration.ofMillis(200), Duration.ofMillis(200), false);
                f.start(f.builder().random(new SplittableRandom(seed)));
                List<Instant> calls = Collections.synchronizedList(new ArrayList<>());
                f.source.beforeCall(() -> calls.add(f.scheduler.clock().now()));
                f.secrets.get("mem:db");
                f.advance(Duration.ofSeconds(1));
                Instant down = f.scheduler.clock().now();
                f.source.goDown();
                step(f, Duration.ofSeconds(6));
                assertThatThrownBy(() -> f.secrets.get("mem:db")).isInstanceOf(SecretExpiredException.class);
                Instant up = f.scheduler.clock().now();
                f.source.recover();
                int before = f.source.count(Operation.FETCH);
                Duration waited = Duration.ZERO;
                while (f.source.count(Operation.FETCH) == before && waited.compareTo(Duration.ofSeconds(10)) < 0) {
                    step(f, Duration.ofMillis(10));
                    waited = waited.plusMillis(10);
                }
                assertThat(f.secrets.get("mem:db").version()).isNotEqualTo("1");
                Instant recovered =
                        calls.stream().filter(t -> !t.isBefore(up)).findFirst().orElseThrow();
                recoveries.add(Duration.between(up, recovered).toMillis());
                outageCalls.add((int) calls.stream()
                        .filter(t -> !t.isBefore(down) && t.isBefore(up))
                        .count());
            }
        }
        System.out.println("dead store on defaults, 50 draws: recovery after the store's return "
                + recoveries.stream().mapToLong(Long::longValue).summaryStatistics() + " ms; calls in the outage "
                + outageCalls.stream().mapToInt(Integer::intValue).summaryStatistics());
        assertThat(recoveries)
                .as("ms from the store's return to the first call")
                .allMatch(ms -> ms <= 1_100);
        assertThat(outageCalls)
                .as("calls reaching the store during the 6 s outage")
                .allMatch(n -> n <= 10);
    }

    private static void step(Fixture f, Duration d) {
        for (Duration left = d; !left.isZero(); left = left.minusMillis(10)) {
            f.advance(Duration.ofMillis(10));
        }
    }

    /**
     * After a ten-minute outage every secret is waiting out a backoff of up to 2.5 min (half of maxBackoff on the
     * fixed draw). Once a trial call closes the breaker, every one of them looks again within a minute (a fifth of
     * the 5 min poll interval), instead of serving what it holds until its own backoff ends.
     */
    @Test
    void storeBackAfterAnOutage_secretsWaitingOutABackoff_lookAgainWithinAMinuteOfTheBreakerClosing() {
        try (Fixture f = new Fixture()) {
            f.start();
            for (int i = 0; i < 20; i++) {
                f.source.put("s" + i, "v1");
                f.secrets.get("mem:s" + i);
                f.advance(Duration.ofSeconds(13)); // staggered, so that their polls and retries fall apart
            }
            f.source.goDown();
            f.advance(Duration.ofMinutes(10));
            assertThat(f.events.ofType(SecretEventType.CIRCUIT_OPENED)).isNotEmpty();
            Instant latestRetry = f.scheduler.clock().now();
            for (dev.rotor.secrets.InventoryEntry e : f.secrets.inventory()) {
                Instant next = e.nextRefresh().orElseThrow();
                latestRetry = next.isAfter(latestRetry) ? next : latestRetry;
            }
            Instant up = f.scheduler.clock().now();
            assertThat(latestRetry).as("some wait well over a minute").isAfter(up.plusSeconds(90));
            f.source.recover();
            for (int i = 0; i < 20; i++) {
                f.source.put("s" + i, "v2");
            }
            int closedBefore = f.events.ofType(SecretEventType.CIRCUIT_CLOSED).size();
            for (int i = 0;
                    i < 600 && f.events.ofType(SecretEventType.CIRCUIT_CLOSED).size() == closedBefore;
                    i++) {
                f.advance(Duration.ofSeconds(1));
            }
            assertThat(f.events.ofType(SecretEventType.CIRCUIT_CLOSED)).hasSizeGreaterThan(closedBefore);
            Instant closed = f.scheduler.clock().now();

            f.advance(Duration.ofSeconds(61));

            for (int i = 0; i < 20; i++) {
                assertThat(f.secrets.value("mem:s" + i)).as("s" + i).isEqualTo("v2");
            }
            assertThat(closed).isBefore(latestRetry.minusSeconds(30));
        }
    }
}
