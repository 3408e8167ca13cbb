package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.InMemorySource.Operation;
import dev.rotor.secrets.test.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Rules 1 and 5 under real threads: reads never wait for the source once a value is loaded, every refresh makes
 * exactly one backend call however many threads read, no reader sees a torn version, and calls in flight per source
 * stay within the bound. Time is still manual: only the threads are real. Every wait is bounded.
 */
class ConcurrencyStressTest {
    private static final int READERS = 64;

    @Test
    void sixtyFourReaders_seeNoTornVersion_andEachRefreshCallsTheBackendOnce() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        InMemorySource source = new InMemorySource("mem", scheduler.clock());
        // user-n and pass-n always change together; a torn read would pair different n
        source.dynamic(
                "db",
                n -> Map.of("username", "user-" + n, "password", "pass-" + n),
                Duration.ofMinutes(10),
                Duration.ofMinutes(10),
                false);
        TrackingExecutor workers = new TrackingExecutor(4);
        ExecutorService readers = Executors.newFixedThreadPool(READERS);
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(workers)
                // each step jumps the manual clock by minutes while readers still hold the version they just read:
                // keep retired versions unwiped for the run (wiping has its own test)
                .refreshPolicy(
                        RefreshPolicy.builder().wipeDelay(Duration.ofDays(1)).build())
                .auditLog(false)
                .build()) {
            SecretHandle handle = secrets.handle("mem:db");
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            AtomicInteger torn = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(READERS);
            List<Future<?>> futures = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                boolean viaGet = r % 2 == 0;
                futures.add(readers.submit(() -> {
                    started.countDown();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (!stop.get() && System.nanoTime() < deadline) {
                        Secret s = viaGet ? secrets.get("mem:db") : handle.current();
                        String u = s.field("username").orElseThrow().substring(5);
                        String p = s.field("password").orElseThrow().substring(5);
                        if (!u.equals(p) || !u.equals(s.version())) {
                            torn.incrementAndGet();
                        }
                        reads.incrementAndGet();
                    }
                }));
            }
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            int refreshes = 20;
            for (int i = 0; i < refreshes; i++) {
                String before = handle.current().version();
                // exactly to the soft deadline: one refresh per step, never near the hard deadline
                scheduler.advanceTo(secrets.inventory().get(0).nextRefresh().orElseThrow());
                // the refresh runs on the workers: wait until it has swapped and scheduled the next one
                assertThat(workers.awaitIdle(Duration.ofSeconds(30))).isTrue();
                assertThat(handle.current().version()).isNotEqualTo(before);
                assertThat(secrets.inventory().get(0).nextRefresh()).hasValueSatisfying(t -> assertThat(t)
                        .isAfter(scheduler.clock().now()));
            }
            stop.set(true);
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(torn.get()).isZero();
            assertThat(reads.get()).isGreaterThan(READERS);
            assertThat(source.count(Operation.FETCH)).isEqualTo(1 + refreshes);
        } finally {
            readers.shutdownNow();
            workers.close();
        }
    }

    @Test
    void coldReadsFromManyThreads_makeOneBackendCall() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        InMemorySource source = new InMemorySource("mem", scheduler.clock());
        source.put("k", "v");
        CountDownLatch release = new CountDownLatch(1);
        source.beforeCall(() -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ExecutorService workers = Executors.newFixedThreadPool(2);
        ExecutorService readers = Executors.newFixedThreadPool(READERS);
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(workers)
                .auditLog(false)
                .build()) {
            CountDownLatch started = new CountDownLatch(READERS);
            List<Future<String>> futures = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                futures.add(readers.submit(() -> {
                    started.countDown();
                    return secrets.get("mem:k").value();
                }));
            }
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            release.countDown();
            for (Future<String> f : futures) {
                assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("v");
            }
            assertThat(source.count(Operation.FETCH)).isEqualTo(1);
        } finally {
            readers.shutdownNow();
            workers.shutdownNow();
        }
    }

    /**
     * A first load that ends while another thread is between its look at the entry (nothing loaded) and its look at
     * the flight (none under way) must not start a second load. Many short rounds, each on a new secret with readers
     * released together, so the load often ends just as the last readers arrive.
     */
    @Test
    void coldReadsRacingTheEndOfTheFirstLoad_neverLoadTwice() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        InMemorySource source = new InMemorySource("mem", scheduler.clock());
        int rounds = 2_000;
        int threads = 4;
        for (int i = 0; i < rounds; i++) {
            source.put("k" + i, "v" + i);
        }
        ExecutorService readers = Executors.newFixedThreadPool(threads);
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(Runnable::run)
                .auditLog(false)
                .build()) {
            for (int i = 0; i < rounds; i++) {
                String ref = "mem:k" + i;
                CountDownLatch go = new CountDownLatch(1);
                List<Future<String>> futures = new ArrayList<>();
                for (int r = 0; r < threads; r++) {
                    futures.add(readers.submit(() -> {
                        go.await(30, TimeUnit.SECONDS);
                        return secrets.get(ref).value();
                    }));
                }
                go.countDown();
                for (Future<String> f : futures) {
                    assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo("v" + i);
                }
            }
            assertThat(source.count(Operation.FETCH)).isEqualTo(rounds);
        } finally {
            readers.shutdownNow();
        }
    }

    /** The same race when the first load fails: the failure stands for every reader until its retry falls due. */
    @Test
    void coldReadsRacingTheEndOfAFailedFirstLoad_neverCallTwice() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        InMemorySource source = new InMemorySource("mem", scheduler.clock());
        int rounds = 2_000;
        int threads = 4;
        ExecutorService readers = Executors.newFixedThreadPool(threads);
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(Runnable::run)
                .auditLog(false)
                .build()) {
            for (int i = 0; i < rounds; i++) {
                String ref = "mem:missing" + i;
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Class<?>>> futures = new ArrayList<>();
                for (int r = 0; r < threads; r++) {
                    futures.add(readers.submit(() -> {
                        go.await(30, TimeUnit.SECONDS);
                        try {
                            secrets.get(ref);
                            return null;
                        } catch (SecretNotFoundException expected) {
                            return expected.getClass();
                        }
                    }));
                }
                go.countDown();
                for (Future<Class<?>> f : futures) {
                    assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(SecretNotFoundException.class);
                }
            }
            assertThat(source.count(Operation.FETCH)).isEqualTo(rounds);
        } finally {
            readers.shutdownNow();
        }
    }

    @Test
    void readsDoNotWaitForARefreshThatIsBlockedOnTheBackend() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        InMemorySource source = new InMemorySource("mem", scheduler.clock());
        source.put("k", "v1");
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(workers)
                .refreshPolicy(RefreshPolicy.builder()
                        .pollInterval(Duration.ofMinutes(1))
                        .build())
                .auditLog(false)
                .build()) {
            secrets.get("mem:k");
            CountDownLatch inCall = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            source.beforeCall(() -> {
                inCall.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            scheduler.advance(Duration.ofMinutes(1));
            assertThat(inCall.await(30, TimeUnit.SECONDS)).isTrue();
            // the refresh is stuck in the backend: this thread reads on regardless
            for (int i = 0; i < 100_000; i++) {
                assertThat(secrets.get("mem:k").value()).isEqualTo("v1");
            }
            assertThat(release.getCount()).isEqualTo(1);
            release.countDown();
        } finally {
            workers.shutdownNow();
        }
    }

    @Test
    void callsInFlightPerSource_stayWithinTheBound() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        InMemorySource source = new InMemorySource("mem", scheduler.clock());
        int secretsCount = 40;
        for (int i = 0; i < secretsCount; i++) {
            source.put("s" + i, "v" + i);
        }
        source.capabilities(java.util.Set.of());
        PileUp pileUp = new PileUp();
        TrackingExecutor workers = new TrackingExecutor(16);
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(workers)
                .refreshPolicy(RefreshPolicy.builder()
                        .maxInFlightPerSource(3)
                        .pollInterval(Duration.ofMinutes(1))
                        .pollJitter(0)
                        .build())
                .auditLog(false)
                .build()) {
            List<String> refs = new ArrayList<>();
            for (int i = 0; i < secretsCount; i++) {
                refs.add("mem:s" + i);
            }
            secrets.preload(refs);
            assertThat(source.count(Operation.FETCH)).isEqualTo(secretsCount);
            // preload returns once every load has completed, which can be a moment before the worker tasks that ran
            // them have returned: count only the refreshes below as pending
            assertThat(workers.awaitIdle(Duration.ofSeconds(60))).isTrue();
            for (int i = 0; i < secretsCount; i++) {
                source.put("s" + i, "w" + i);
            }
            source.beforeCall(pileUp::enter);
            // all 40 refreshes fall due at once; the gate hands the executor only as many as the bound allows
            scheduler.advance(Duration.ofMinutes(1));
            assertThat(pileUp.awaitInFlight(3)).isTrue();
            assertThat(workers.pending()).isEqualTo(3);
            pileUp.releaseAll();
            assertThat(workers.awaitIdle(Duration.ofSeconds(60))).isTrue();
            assertThat(source.count(Operation.FETCH)).isEqualTo(2 * secretsCount);
            assertThat(secrets.get("mem:s" + (secretsCount - 1)).value()).isEqualTo("w" + (secretsCount - 1));
            assertThat(pileUp.maxInFlight()).isEqualTo(3);
            assertThat(pileUp.timedOut()).isFalse();
        } finally {
            workers.close();
        }
    }

    /** Holds every backend call until the test releases them, and records how many were in the source at once. */
    private static final class PileUp {
        private final java.util.concurrent.Semaphore release = new java.util.concurrent.Semaphore(0);
        private int inFlight;
        private int maxInFlight;
        private boolean timedOut;

        void enter() {
            synchronized (this) {
                inFlight++;
                maxInFlight = Math.max(maxInFlight, inFlight);
                notifyAll();
            }
            try {
                if (!release.tryAcquire(30, TimeUnit.SECONDS)) {
                    synchronized (this) {
                        timedOut = true;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                synchronized (this) {
                    inFlight--;
                }
            }
        }

        /** Waits, at most 30 s, until {@code n} calls are held at once. */
        synchronized boolean awaitInFlight(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (inFlight < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }

        void releaseAll() {
            release.release(1_000_000);
        }

        synchronized int maxInFlight() {
            return maxInFlight;
        }

        synchronized boolean timedOut() {
            return timedOut;
        }
    }
}
