package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Under load, a due refresh is neither lost nor starved: 50 leased secrets renew every second while 16 threads flood
 * the same source with first loads (batches of 20 distinct secrets each), on the real scheduler and a real pool, with
 * at most 4 calls in flight and 20 ms per call. Every renewal must start within a bound of the moment it fell due; a
 * first-in-first-out line of calls made renewals wait behind hundreds of first loads.
 */
class ScheduledRefreshSoakTest {
    private static final Duration TTL = Duration.ofMillis(1500);
    private static final Duration CALL = Duration.ofMillis(20);
    private static final Duration RUN = Duration.ofSeconds(6);

    /** A leased store with a fixed latency per call; renewals record how late they started. */
    private static final class SlowLeasingSource implements SecretSource {
        final List<Long> latenessMillis = Collections.synchronizedList(new ArrayList<>());
        final Map<String, AtomicInteger> renewals = new ConcurrentHashMap<>();
        final AtomicInteger ids = new AtomicInteger();

        @Override
        public String scheme() {
            return "soak";
        }

        @Override
        public Set<SourceCapability> capabilities() {
            return Set.of(SourceCapability.RENEW);
        }

        @Override
        public Secret fetch(FetchRequest request) {
            call();
            SecretRef ref = request.ref();
            Secret.Builder b = Secret.builder(ref).version("v1").value("x").fetchedAt(Instant.now());
            if (ref.path().startsWith("lease-")) {
                b.lease(Lease.of("l-" + ids.incrementAndGet(), TTL, true, Instant.now()));
            }
            return b.build();
        }

        @Override
        public Lease renew(SecretRef ref, Lease lease, Duration increment) {
            Instant due = lease.issuedAt().plusNanos((long) (lease.duration().toNanos() * (2.0 / 3.0)));
            latenessMillis.add(Duration.between(due, Instant.now()).toMillis());
            renewals.computeIfAbsent(ref.path(), k -> new AtomicInteger()).incrementAndGet();
            call();
            return lease.renewed(TTL, Instant.now());
        }

        private static void call() {
            try {
                Thread.sleep(CALL.toMillis()); // the store's latency, not a wait of the test
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SourceUnavailableException("interrupted", null, "soak");
            }
        }
    }

    @Test
    void everyDueRenewal_startsWithinABound_whileFirstLoadsFloodTheSource() throws Exception {
        SlowLeasingSource source = new SlowLeasingSource();
        ExecutorService readers = Executors.newFixedThreadPool(16);
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .auditLog(false)
                .maximumEntries(100_000)
                .refreshPolicy(RefreshPolicy.builder()
                        .leaseJitter(0)
                        .maxInFlightPerSource(4)
                        .build())
                .build()) {
            List<SecretHandle> held = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                held.add(secrets.handle("soak:lease-" + i));
            }
            long end = System.nanoTime() + RUN.toNanos();
            List<Future<Integer>> flood = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                flood.add(readers.submit(() -> {
                    int loaded = 0;
                    for (int round = 0; round < 1_000 && System.nanoTime() < end; round++) {
                        List<String> batch = new ArrayList<>();
                        for (int i = 0; i < 20; i++) {
                            batch.add("soak:cold-" + thread + "-" + round + "-" + i);
                        }
                        loaded += secrets.preload(batch).size();
                    }
                    return loaded;
                }));
            }
            int firstLoads = 0;
            for (Future<Integer> f : flood) {
                firstLoads += f.get(RUN.toSeconds() + 60, TimeUnit.SECONDS);
            }

            List<Long> lateness = new ArrayList<>(source.latenessMillis);
            Collections.sort(lateness);
            long max = lateness.get(lateness.size() - 1);
            System.out.printf(
                    "scheduled refresh soak: %d first loads, %d renewals; lateness p50 %d ms, p99 %d ms, max %d ms%n",
                    firstLoads,
                    lateness.size(),
                    lateness.get(lateness.size() / 2),
                    lateness.get(lateness.size() * 99 / 100),
                    max);
            assertThat(firstLoads).as("the flood really loaded the source").isGreaterThan(500);
            // every secret kept renewing: none lost, none starved
            assertThat(source.renewals).hasSize(50);
            assertThat(source.renewals.values())
                    .allSatisfy(n -> assertThat(n.get()).isGreaterThanOrEqualTo(4));
            // the bound: a third of the lease (500 ms) is what is left between the soft deadline and the lease end
            assertThat(max).as("latest renewal start after its due time, ms").isLessThan(500);
            for (SecretHandle h : held) {
                assertThat(h.current().value()).isEqualTo("x");
            }
        } finally {
            readers.shutdownNow();
        }
    }
}
