package dev.rotor.benchmarks;

import com.amazonaws.secretsmanager.caching.SecretCache;
import com.amazonaws.secretsmanager.caching.SecretCacheConfiguration;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.StalePolicy;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.test.InMemorySource;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * The refresh engine under real time: reader threads read secrets with 200 ms leases from a backend with 2-5 ms
 * latency, every read's latency recorded with HdrHistogram, then outages, a cold read against a dead backend, a burst
 * of 200 leases due at once, and the retained heap per cached secret against Caffeine and the AWS caching client.
 * Default {@link Secrets} builder: system clock, {@code SystemScheduler}, owned worker pool.
 *
 * <pre>
 * java -cp benchmarks.jar dev.rotor.benchmarks.RefreshHarness [--scenarios steady,outage,hang,cold,burst,heap]
 *     [--readers 1,2,4,8] [--secrets 4] [--seconds 5] [--outage-seconds 6] [--outage-readers 2]
 * </pre>
 *
 * Prints every number and a PASS/MISS line per target; the exit code is 0 either way (it measures, it does not gate).
 */
public final class RefreshHarness {
    static final Duration LEASE = Duration.ofMillis(200);
    static final Duration MIN_LATENCY = Duration.ofMillis(2);
    static final Duration MAX_LATENCY = Duration.ofMillis(5);
    static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);

    /**
     * The policy of every run but the burst. A 200 ms lease is refreshed at 2/3 of it, less up to 1/10 jitter (113-133
     * ms after issue), so about 70 ms are left for retries before the lease ends: minBackoff 50 ms and
     * attemptsBeforeExpiry 2 give a failed refresh one or two retries before expiry. Past expiry, retries back off from
     * 200 ms up to 1 s, so a 6 s outage costs a handful of backend calls (the per-source circuit breaker, 5 failures of
     * at least 5 calls, open 5 s, adds its own cap), and recovery is picked up within about 1 s of the circuit letting
     * calls through. A cold read waits at most 2 s.
     */
    static final RefreshPolicy TUNED = RefreshPolicy.builder()
            .initialBackoff(Duration.ofMillis(200))
            .maxBackoff(Duration.ofSeconds(1))
            .minBackoff(Duration.ofMillis(50))
            .attemptsBeforeExpiry(2)
            .maxInFlightPerSource(16)
            .loadTimeout(Duration.ofSeconds(2))
            .build();

    /** The policy of the runs: {@link #TUNED} unless {@code --policy defaults} asks for what a user gets untouched. */
    static RefreshPolicy POLICY = TUNED;

    private final Options options;
    private final List<String> verdicts = new ArrayList<>();

    private RefreshHarness(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        POLICY = o.defaults ? RefreshPolicy.defaults() : TUNED;
        RefreshHarness h = new RefreshHarness(o);
        System.out.printf(
                "Rotor refresh harness  %s  java %s  %d cores  max heap %d MB%n",
                Instant.now().truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC),
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        System.out.println("options: " + o);
        System.out.println("policy:  " + POLICY);
        System.out.println("backend: InMemorySource, latency uniform 2-5 ms per call; leases 200 ms, not renewable,"
                + " so every refresh is a fetch (and the old lease is revoked after the hand-over)");
        if (o.scenarios.contains("steady")) {
            for (int readers : o.readers) {
                h.steady(readers);
            }
        }
        if (o.scenarios.contains("outage")) {
            h.outage(HarnessBackend.Mode.DOWN);
        }
        if (o.scenarios.contains("hang")) {
            h.outage(HarnessBackend.Mode.HANG);
        }
        if (o.scenarios.contains("cold")) {
            h.cold();
        }
        if (o.scenarios.contains("burst")) {
            h.burst();
        }
        if (o.scenarios.contains("heap")) {
            h.heap();
        }
        System.out.println();
        System.out.println("== targets");
        h.verdicts.forEach(System.out::println);
        System.exit(0);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // steady state

    private void steady(int readerCount) throws InterruptedException {
        int n = options.secrets;
        header("steady: " + readerCount + " reader thread(s), " + n + " secrets, 200 ms leases, " + options.seconds
                + " s");
        HarnessBackend backend = new HarnessBackend(TimeSource.system(), MIN_LATENCY, MAX_LATENCY);
        String[] refs = dynamicSecrets(backend, "steady/db-", n, LEASE);
        Events events = new Events();
        try (Secrets secrets = Secrets.builder()
                .source(backend)
                .refreshPolicy(POLICY)
                .eventListener(events)
                .build()) {
            secrets.preload(Arrays.asList(refs));
            try (Readers readers = new Readers(secrets, refs, readerCount, 1)) {
                Thread.sleep(1000); // JIT warm-up, and the first refreshes
                backend.clearCalls();
                events.clear();
                long t0 = System.nanoTime();
                readers.phase(0);
                Thread.sleep(TimeUnit.SECONDS.toMillis(options.seconds));
                readers.phase(-1);
                long t1 = System.nanoTime();
                readers.stop();
                double seconds = (t1 - t0) / 1e9;
                Histogram hist = readers.histogram(0);
                printLatency("reads", hist, seconds);
                long errors = readers.errorCount();
                System.out.printf("  read exceptions: %d %s%n", errors, readers.errorClasses());

                List<HarnessBackend.Call> calls = within(backend.calls(), t0, t1);
                Map<InMemorySource.Operation, Integer> byOp = countByOp(calls);
                System.out.printf("  backend calls: %s%n", byOp);
                long rotated = events.count(SecretEventType.ROTATED);
                long renewed = events.count(SecretEventType.RENEWED);
                long failed = events.count(SecretEventType.REFRESH_FAILED);
                long expired = events.count(SecretEventType.EXPIRED);
                int fetches = byOp.getOrDefault(InMemorySource.Operation.FETCH, 0);
                double leasePeriods = seconds / (LEASE.toMillis() / 1000.0);
                System.out.printf(
                        "  new versions served: %d; refresh failures: %d; expiries: %d; renewals: %d%n",
                        rotated, failed, expired, renewed);
                int[] windows = fetchesPerRefreshWindow(calls, events);
                System.out.printf(
                        "  backend fetches per refresh window (between two hand-overs of one secret): min %d, max %d"
                                + " over %d windows  (expected exactly 1: one fetch per lease, no duplicate)%n",
                        windows[0], windows[1], windows[2]);
                System.out.printf(
                        "  fetches per secret per 200 ms of wall time: %.2f  (expected about 1.6: the refresh starts at"
                                + " 2/3 of the lease less up to 1/10 jitter, every ~123 ms)%n",
                        fetches / (double) n / leasePeriods);
                printFetchIntervals(calls);
                printHiccups(readers, 0);
                verdict(
                        errors == 0,
                        "steady r=" + readerCount + ": no read threw",
                        errors + " exceptions in " + hist.getTotalCount() + " reads");
                verdict(
                        windows[2] > 0 && windows[0] == 1 && windows[1] == 1 && failed == 0,
                        "steady r=" + readerCount + ": exactly 1 backend fetch per refresh window per secret",
                        String.format(
                                Locale.ROOT,
                                "min %d, max %d over %d windows, %d failed refreshes",
                                windows[0],
                                windows[1],
                                windows[2],
                                failed));
            }
        }
    }

    /**
     * For every secret, the fetches that started between two consecutive hand-overs (ROTATED events): answers {min,
     * max, number of windows}.
     */
    private static int[] fetchesPerRefreshWindow(List<HarnessBackend.Call> calls, Events events) {
        int min = Integer.MAX_VALUE;
        int max = 0;
        int windows = 0;
        for (Map.Entry<String, List<Long>> e : events.rotations().entrySet()) {
            List<Long> swaps = e.getValue();
            swaps.sort(null);
            for (int i = 1; i < swaps.size(); i++) {
                long from = swaps.get(i - 1);
                long to = swaps.get(i);
                int count = 0;
                for (HarnessBackend.Call c : calls) {
                    if (c.op == InMemorySource.Operation.FETCH
                            && c.path.equals(e.getKey())
                            && c.startNanos > from
                            && c.startNanos <= to) {
                        count++;
                    }
                }
                min = Math.min(min, count);
                max = Math.max(max, count);
                windows++;
            }
        }
        return new int[] {windows == 0 ? 0 : min, max, windows};
    }

    private static void printFetchIntervals(List<HarnessBackend.Call> calls) {
        Map<String, List<Long>> byPath = new TreeMap<>();
        for (HarnessBackend.Call c : calls) {
            if (c.op == InMemorySource.Operation.FETCH) {
                byPath.computeIfAbsent(c.path, k -> new ArrayList<>()).add(c.startNanos);
            }
        }
        long min = Long.MAX_VALUE;
        long max = 0;
        long sum = 0;
        int count = 0;
        for (List<Long> starts : byPath.values()) {
            starts.sort(null);
            for (int i = 1; i < starts.size(); i++) {
                long d = starts.get(i) - starts.get(i - 1);
                min = Math.min(min, d);
                max = Math.max(max, d);
                sum += d;
                count++;
            }
        }
        if (count > 0) {
            System.out.printf(
                    "  time between two fetches of one secret: min %.1f ms, mean %.1f ms, max %.1f ms"
                            + " (expected 113-133 ms plus the 2-5 ms fetch)%n",
                    HarnessBackend.millis(min), HarnessBackend.millis(sum / count), HarnessBackend.millis(max));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // outages

    private void outage(HarnessBackend.Mode mode) throws InterruptedException {
        boolean hang = mode == HarnessBackend.Mode.HANG;
        String name = hang ? "hang" : "outage";
        int n = options.outageSecrets;
        int readerCount = options.outageReaders;
        header(name + ": backend " + (hang ? "blocking 1 s per call, then failing," : "failing fast") + " for "
                + options.outageSeconds + " s; " + n + " secret(s), " + readerCount
                + " readers, StalePolicy.serveStale()");
        HarnessBackend backend = new HarnessBackend(TimeSource.system(), MIN_LATENCY, MAX_LATENCY);
        String[] refs = dynamicSecrets(backend, name + "/db-", n, LEASE);
        Events events = new Events();
        try (Secrets secrets = Secrets.builder()
                .source(backend)
                .refreshPolicy(POLICY)
                .stalePolicy(StalePolicy.serveStale())
                .eventListener(events)
                .build()) {
            secrets.preload(Arrays.asList(refs));
            try (Readers readers = new Readers(secrets, refs, readerCount, 3)) {
                Thread.sleep(2000); // warm-up with a healthy backend
                backend.clearCalls();
                events.clear();
                readers.phase(0);
                Thread.sleep(1000);
                // the outage
                readers.phase(1);
                long down = System.nanoTime();
                if (hang) {
                    backend.hang();
                } else {
                    backend.goDown();
                }
                Thread.sleep(TimeUnit.SECONDS.toMillis(options.outageSeconds));
                String[] before = new String[n];
                for (int i = 0; i < n; i++) {
                    before[i] = secrets.get(refs[i]).version();
                }
                long eventsAtRecovery = events.count(SecretEventType.REFRESH_FAILED);
                readers.watchForNewVersions(before);
                backend.recover();
                long up = System.nanoTime();
                readers.phase(2);
                long deadline = up + TimeUnit.SECONDS.toNanos(15);
                while (!readers.allNewVersionsSeen() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                Thread.sleep(1000);
                readers.phase(-1);
                readers.stop();

                Histogram healthy = readers.histogram(0);
                Histogram during = readers.histogram(1);
                Histogram after = readers.histogram(2);
                printLatency("reads before (1 s)", healthy, 1);
                printLatency("reads during outage", during, options.outageSeconds);
                printHiccups(readers, 1);
                printLatency("reads after recovery", after, Double.NaN);
                printHiccups(readers, 2);
                long errors = readers.errorCount();
                System.out.printf("  read exceptions (whole run): %d %s%n", errors, readers.errorClasses());

                List<HarnessBackend.Call> outageCalls = within(backend.calls(), down, up);
                System.out.printf(
                        "  backend calls during the %d s outage: %d %s  (engine attempts, counting those the circuit"
                                + " breaker refused: %d)%n",
                        options.outageSeconds, outageCalls.size(), countByOp(outageCalls), eventsAtRecovery);
                System.out.printf(
                        "  events: %s%n",
                        events.summary(
                                SecretEventType.REFRESH_FAILED,
                                SecretEventType.EXPIRED,
                                SecretEventType.STALE_SERVED,
                                SecretEventType.CIRCUIT_OPENED,
                                SecretEventType.CIRCUIT_CLOSED,
                                SecretEventType.ROTATED));
                System.out.printf(
                        "  circuit breaker, ms relative to the recovery: opened %s, closed %s%n",
                        events.timesFrom(SecretEventType.CIRCUIT_OPENED, up),
                        events.timesFrom(SecretEventType.CIRCUIT_CLOSED, up));
                long[] recovery = readers.newVersionDelays(up);
                long worst = Arrays.stream(recovery).max().orElse(-1);
                System.out.printf(
                        "  recovery -> new value served: %s ms (per secret)%n",
                        Arrays.toString(Arrays.stream(recovery)
                                .mapToObj(d -> d < 0 ? "never" : String.format(Locale.ROOT, "%.0f", d / 1e6))
                                .toArray()));
                double perSecret = outageCalls.size() / (double) n;
                verdict(
                        errors == 0,
                        name + ": a warm secret is served through the whole outage, no read threw",
                        errors + " exceptions");
                verdict(
                        during.getMaxValue() < TimeUnit.MILLISECONDS.toNanos(100),
                        name + ": no read blocked (max read latency during the outage < 100 ms)",
                        String.format(
                                Locale.ROOT,
                                "max %.2f ms (control: max %.2f ms between two reads, in the harness's own code);"
                                        + " reads as long as a backend call (>= 2 ms): %d of %,d",
                                during.getMaxValue() / 1e6,
                                readers.gaps(1).getMaxValue() / 1e6,
                                during.getCountBetweenValues(TimeUnit.MILLISECONDS.toNanos(2), HIGHEST_NANOS),
                                during.getTotalCount()));
                verdict(
                        perSecret >= 3 && perSecret <= 10,
                        name + ": 3-10 backend calls per secret during the outage",
                        String.format(Locale.ROOT, "%.1f", perSecret));
                verdict(
                        worst >= 0,
                        name + ": new value served after recovery",
                        worst < 0 ? "not within 15 s" : String.format(Locale.ROOT, "%.0f ms", worst / 1e6));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // cold reads against a dead backend

    private void cold() {
        header("cold read: no value loaded yet, backend down");
        for (HarnessBackend.Mode mode : List.of(HarnessBackend.Mode.DOWN, HarnessBackend.Mode.HANG)) {
            HarnessBackend backend = new HarnessBackend(TimeSource.system(), MIN_LATENCY, MAX_LATENCY);
            backend.memory.put("cold/api-key", "k-1");
            if (mode == HarnessBackend.Mode.DOWN) {
                backend.goDown();
            } else {
                backend.hang();
            }
            try (Secrets secrets =
                    Secrets.builder().source(backend).refreshPolicy(POLICY).build()) {
                long t0 = System.nanoTime();
                String outcome;
                boolean typed = false;
                try {
                    secrets.get("mem:cold/api-key");
                    outcome = "returned a value (unexpected)";
                } catch (SecretException e) {
                    typed = true;
                    outcome = e.getClass().getName() + " (retryable=" + e.isRetryable() + "): " + e.getMessage();
                } catch (RuntimeException e) {
                    outcome = "untyped " + e.getClass().getName();
                }
                long took = System.nanoTime() - t0;
                String label = mode == HarnessBackend.Mode.DOWN ? "failing fast" : "hanging 1 s per call";
                System.out.printf("  backend %s: %.1f ms, %s%n", label, took / 1e6, outcome);
                if (mode == HarnessBackend.Mode.DOWN) {
                    verdict(
                            typed && took < TimeUnit.MILLISECONDS.toNanos(100),
                            "cold read, backend down: fails fast (< 100 ms) with a typed error",
                            String.format(Locale.ROOT, "%.1f ms", took / 1e6));
                } else {
                    verdict(
                            typed && took < POLICY.loadTimeout().toNanos() + TimeUnit.MILLISECONDS.toNanos(200),
                            "cold read, backend hanging: bounded by loadTimeout (" + POLICY.loadTimeout() + ")",
                            String.format(Locale.ROOT, "%.1f ms", took / 1e6));
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 200 leases due at the same moment

    private void burst() throws InterruptedException {
        int n = 200;
        Duration ttl = Duration.ofSeconds(3);
        RefreshPolicy policy = POLICY.newBuilder().leaseJitter(0).build();
        header("burst: " + n + " leases issued at the same instant, due at the same moment (leaseJitter 0), 5 ms"
                + " backend, maxInFlightPerSource " + policy.maxInFlightPerSource());
        System.out.println("  policy: " + policy);
        PinnedClock clock = new PinnedClock();
        HarnessBackend backend = new HarnessBackend(clock, Duration.ofMillis(5), Duration.ofMillis(5));
        String[] refs = dynamicSecrets(backend, "burst/db-", n, ttl);
        Events events = new Events();
        try (Secrets secrets = Secrets.builder()
                .source(backend)
                .refreshPolicy(policy)
                .eventListener(events)
                .build()) {
            Instant issued = Instant.now();
            clock.pin(issued);
            secrets.preload(Arrays.asList(refs)); // one batch call: every lease issued at `issued`
            clock.unpin();
            Instant due = issued.plusNanos((long) (ttl.toNanos() * policy.leaseFraction()));
            backend.clearCalls();
            events.clear();
            try (Readers readers = new Readers(secrets, refs, 2, 1)) {
                readers.phase(0);
                sleepUntil(due.plus(Duration.ofMillis(1500)));
                readers.phase(-1);
                readers.stop();
                List<Double> lateness = new ArrayList<>();
                for (HarnessBackend.Call c : backend.calls()) {
                    if (c.op == InMemorySource.Operation.FETCH) {
                        lateness.add(Duration.between(due, c.startWall).toNanos() / 1e6);
                    }
                }
                lateness.sort(null);
                Histogram reads = readers.histogram(0);
                System.out.printf(
                        "  refresh fetches: %d; start relative to the due moment: first %+.1f ms, median %+.1f ms,"
                                + " last %+.1f ms%n",
                        lateness.size(),
                        lateness.isEmpty() ? Double.NaN : lateness.get(0),
                        lateness.isEmpty() ? Double.NaN : lateness.get(lateness.size() / 2),
                        lateness.isEmpty() ? Double.NaN : lateness.get(lateness.size() - 1));
                System.out.printf(
                        "  (bound with %d calls in flight: ceil(%d/%d) x 5 ms = %d ms)%n",
                        policy.maxInFlightPerSource(),
                        n,
                        policy.maxInFlightPerSource(),
                        (n + policy.maxInFlightPerSource() - 1) / policy.maxInFlightPerSource() * 5);
                System.out.printf(
                        "  new versions served: %d; refresh failures: %d; revokes: %d%n",
                        events.count(SecretEventType.ROTATED),
                        events.count(SecretEventType.REFRESH_FAILED),
                        countByOp(backend.calls()).getOrDefault(InMemorySource.Operation.REVOKE, 0));
                printLatency("reads (2 readers) during the burst", reads, Double.NaN);
                printHiccups(readers, 0);
                System.out.printf("  read exceptions: %d %s%n", readers.errorCount(), readers.errorClasses());
                double last = lateness.isEmpty() ? Double.NaN : lateness.get(lateness.size() - 1);
                verdict(
                        lateness.size() == n && last <= 100,
                        "burst: the last of " + n + " refreshes starts <= 100 ms after the due moment",
                        String.format(Locale.ROOT, "%d fetches, last %+.1f ms", lateness.size(), last));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // retained heap per cached secret

    private void heap() {
        int n = 10_000;
        header("heap: retained heap per cached secret, " + n + " secrets with 32-char values (used heap after"
                + " System.gc(), minus the same before)");
        SplittableRandom random = new SplittableRandom(7);
        List<String> refs = new ArrayList<>(n);
        List<String> ids = new ArrayList<>(n);
        List<String> values = new ArrayList<>(n);
        HarnessBackend backend = new HarnessBackend(TimeSource.system(), Duration.ZERO, Duration.ZERO);
        FakeSecretsManagerClient aws = new FakeSecretsManagerClient();
        for (int i = 0; i < n; i++) {
            String id = String.format("heap/key-%05d", i);
            String value = ReadPathBenchmark.Caches.randomValue(random, 32);
            ids.add(id);
            refs.add("mem:" + id);
            values.add(value);
            backend.memory.put(id, value);
            aws.put(id, value);
        }

        // The in-memory backend keeps a call counter per path: create those before measuring, so that what the
        // backend holds is not counted against Rotor.
        List<dev.rotor.secrets.SecretRef> parsed = new ArrayList<>(n);
        for (String ref : refs) {
            parsed.add(dev.rotor.secrets.SecretRef.parse(ref));
        }
        backend.memory.fetchAll(parsed).values().forEach(dev.rotor.secrets.Secret::wipe);

        // Each container is created holding its first secret before the baseline, so that what is counted is the
        // cost of each further secret, not the container's fixed cost (a client's threads, gates and buffers).
        long chm = measure(
                () -> {
                    ConcurrentHashMap<String, String> m = new ConcurrentHashMap<>(2 * n);
                    m.put(refs.get(0), copy(values.get(0)));
                    return m;
                },
                m -> {
                    for (int i = 1; i < n; i++) {
                        m.put(refs.get(i), copy(values.get(i)));
                    }
                });
        long caffeine = measure(
                () -> {
                    Cache<String, String> c = Caffeine.newBuilder()
                            .maximumSize(20_000)
                            .expireAfterWrite(Duration.ofHours(1))
                            .build();
                    c.put(refs.get(0), copy(values.get(0)));
                    return c;
                },
                c -> {
                    for (int i = 1; i < n; i++) {
                        c.put(refs.get(i), copy(values.get(i)));
                    }
                    c.cleanUp();
                });
        long rotor = measure(
                () -> {
                    Secrets s = Secrets.builder()
                            .source(backend)
                            .refreshPolicy(POLICY.newBuilder()
                                    .pollInterval(Duration.ofHours(1))
                                    .build())
                            .maximumEntries(20_000)
                            .build();
                    s.get(refs.get(0));
                    return s;
                },
                s -> {
                    s.preload(refs.subList(1, n));
                    check(s.value(refs.get(n - 1)).equals(values.get(n - 1)));
                });
        long awsCache = measure(
                () -> {
                    SecretCache c = new SecretCache(
                            new SecretCacheConfiguration().withClient(aws).withMaxCacheSize(20_000));
                    c.getSecretString(ids.get(0));
                    return c;
                },
                c -> {
                    for (int i = 1; i < n; i++) {
                        c.getSecretString(ids.get(i));
                    }
                });
        long adapterStatic = measureAdapterShaped(refs, ids, values, false);
        long adapterLeased = measureAdapterShaped(refs, ids, values, true);
        int added = n - 1;
        System.out.println("  (keys and ref strings exist before each measurement; values are copied into each cache;"
                + " each container already holds one secret at the baseline)");
        System.out.printf("  ConcurrentHashMap<String,String>: %6d bytes per secret%n", chm / added);
        System.out.printf("  Caffeine (maximumSize, expireAfterWrite): %6d bytes per secret%n", caffeine / added);
        System.out.printf(
                "  Rotor Secrets (preloaded, static secrets, one scheduled poll each): %6d bytes per secret%n",
                rotor / added);
        System.out.printf(
                "  Rotor Secrets, versions built as an adapter builds them, static: %6d bytes per secret%n",
                adapterStatic / added);
        System.out.printf(
                "  Rotor Secrets, versions built as an adapter builds them, 1 h lease: %6d bytes per secret%n",
                adapterLeased / added);
        System.out.printf("  AWS SecretCache (caching client 2.2.0): %6d bytes per secret%n", awsCache / added);
        System.out.printf(
                Locale.ROOT,
                "  Rotor / Caffeine: %.1fx (adapter-built: static %.1fx, leased %.1fx)%n",
                rotor / (double) caffeine,
                adapterStatic / (double) caffeine,
                adapterLeased / (double) caffeine);
        verdicts.add(String.format(
                Locale.ROOT,
                "INFO  heap per cached secret: Rotor %d B, Caffeine %d B, AWS SecretCache %d B, ConcurrentHashMap %d B",
                rotor / added,
                caffeine / added,
                awsCache / added,
                chm / added));
        verdict(
                adapterStatic <= 2 * caffeine && adapterLeased <= 2 * caffeine,
                "heap per cached secret, versions built as an adapter builds them, at most 2x Caffeine's",
                String.format(
                        Locale.ROOT,
                        "static %d B (%.1fx), leased %d B (%.1fx), Caffeine %d B",
                        adapterStatic / added,
                        adapterStatic / (double) caffeine,
                        adapterLeased / added,
                        adapterLeased / (double) caffeine,
                        caffeine / added));
        Reference.reachabilityFence(backend);
        Reference.reachabilityFence(aws);
    }

    /**
     * Rotor's heap per secret when each version is built the way a store adapter builds one from a parsed answer (see
     * {@link AdapterShapedSource}), static or with a one-hour lease; the same secrets and values as the other lines.
     */
    private static long measureAdapterShaped(List<String> refs, List<String> ids, List<String> values, boolean leased) {
        int n = refs.size();
        String scheme = leased ? "adl" : "ads";
        AdapterShapedSource source = new AdapterShapedSource(scheme, leased);
        List<String> own = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            source.put(ids.get(i), values.get(i));
            own.add(scheme + ":" + ids.get(i));
        }
        return measure(
                () -> {
                    Secrets s = Secrets.builder()
                            .source(source)
                            .discoverSources(false)
                            .refreshPolicy(POLICY.newBuilder()
                                    .pollInterval(Duration.ofHours(1))
                                    .build())
                            .maximumEntries(20_000)
                            .build();
                    s.get(own.get(0));
                    return s;
                },
                s -> {
                    s.preload(own.subList(1, n));
                    check(s.value(own.get(n - 1)).equals(values.get(n - 1)));
                    check(s.get(own.get(n - 1)).lease().isPresent() == leased);
                });
    }

    /**
     * A source that builds every version as a store adapter builds one from the store's parsed answer: the 32-character
     * value, a version id string of its own (16 hex digits, as the Vault adapter derives for a dynamic secret), the
     * fetch time read from the clock, and with {@code leased} a renewable one-hour lease with a lease id of its own and
     * a duration parsed from the answer (a new {@link Duration} each time). Thread-safe.
     */
    static final class AdapterShapedSource implements dev.rotor.secrets.spi.SecretSource {
        private final String scheme;
        private final boolean leased;
        private final Map<String, String> values = new ConcurrentHashMap<>();
        private final AtomicLong versions = new AtomicLong();

        AdapterShapedSource(String scheme, boolean leased) {
            this.scheme = scheme;
            this.leased = leased;
        }

        void put(String path, String value) {
            values.put(path, value);
        }

        @Override
        public String scheme() {
            return scheme;
        }

        @Override
        public Set<dev.rotor.secrets.spi.SourceCapability> capabilities() {
            return leased
                    ? Set.of(
                            dev.rotor.secrets.spi.SourceCapability.FETCH_ALL,
                            dev.rotor.secrets.spi.SourceCapability.RENEW,
                            dev.rotor.secrets.spi.SourceCapability.REVOKE)
                    : Set.of(dev.rotor.secrets.spi.SourceCapability.FETCH_ALL);
        }

        @Override
        public Secret fetch(dev.rotor.secrets.spi.FetchRequest request) {
            return build(request.ref());
        }

        @Override
        public Map<dev.rotor.secrets.SecretRef, Secret> fetchAll(Collection<dev.rotor.secrets.SecretRef> refs) {
            Map<dev.rotor.secrets.SecretRef, Secret> answer = new java.util.HashMap<>();
            for (dev.rotor.secrets.SecretRef ref : refs) {
                answer.put(ref, build(ref));
            }
            return answer;
        }

        @Override
        public dev.rotor.secrets.Lease renew(
                dev.rotor.secrets.SecretRef ref, dev.rotor.secrets.Lease lease, Duration d) {
            return lease.renewed(Duration.ofSeconds(d.getSeconds()), Instant.now());
        }

        @Override
        public void revoke(dev.rotor.secrets.SecretRef ref, dev.rotor.secrets.Lease lease) {}

        private Secret build(dev.rotor.secrets.SecretRef ref) {
            String value = values.get(ref.path());
            if (value == null) {
                throw new dev.rotor.secrets.SecretNotFoundException("no such secret", ref, scheme);
            }
            Instant now = Instant.now();
            // a version id string of the version's own, as parsed from an answer
            String version = String.format("%016x", versions.incrementAndGet() * 0x9E3779B97F4A7C15L);
            Secret.Builder b = Secret.builder(ref).version(version).value(value).fetchedAt(now);
            if (leased) {
                // a lease id of its own and a duration parsed from the answer, as a dynamic secret's lease has
                b.lease(dev.rotor.secrets.Lease.of(
                        "creds/" + ref.path() + "/" + version, Duration.ofSeconds(3600), true, now));
            }
            return b.build();
        }
    }

    /** A string with its own copy of the characters ({@code new String(String)} would share the array). */
    private static String copy(String s) {
        return new String(s.toCharArray());
    }

    /** Heap retained by what {@code fill} adds to the container {@code create} made (measured after it). */
    private static <T> long measure(java.util.function.Supplier<T> create, java.util.function.Consumer<T> fill) {
        T kept = create.get();
        long before = usedHeapAfterGc();
        fill.accept(kept);
        long after = usedHeapAfterGc();
        Reference.reachabilityFence(kept);
        if (kept instanceof AutoCloseable) {
            try {
                ((AutoCloseable) kept).close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return after - before;
    }

    private static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            used = Math.min(
                    used,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // helpers

    private static String[] dynamicSecrets(HarnessBackend backend, String prefix, int n, Duration ttl) {
        String[] refs = new String[n];
        for (int i = 0; i < n; i++) {
            String path = prefix + i;
            Function<Integer, Map<String, String>> creds = k -> Map.of("username", "app-" + k, "password", "pw-" + k);
            backend.memory.dynamic(path, creds, ttl, Duration.ofDays(1), false);
            refs[i] = "mem:" + path;
        }
        return refs;
    }

    private static List<HarnessBackend.Call> within(List<HarnessBackend.Call> calls, long from, long to) {
        List<HarnessBackend.Call> out = new ArrayList<>();
        for (HarnessBackend.Call c : calls) {
            if (c.startNanos >= from && c.startNanos < to) {
                out.add(c);
            }
        }
        return out;
    }

    private static Map<InMemorySource.Operation, Integer> countByOp(List<HarnessBackend.Call> calls) {
        Map<InMemorySource.Operation, Integer> out = new EnumMap<>(InMemorySource.Operation.class);
        for (HarnessBackend.Call c : calls) {
            out.merge(c.op, 1, Integer::sum);
        }
        return out;
    }

    private static void printLatency(String what, Histogram h, double seconds) {
        System.out.printf(
                Locale.ROOT,
                "  %s: %,d reads%s; latency p50 %s, p99 %s, p99.9 %s, max %s; reads over 1 ms: %d%n",
                what,
                h.getTotalCount(),
                Double.isNaN(seconds) ? "" : String.format(Locale.ROOT, " (%,.0f/s)", h.getTotalCount() / seconds),
                micros(h.getValueAtPercentile(50)),
                micros(h.getValueAtPercentile(99)),
                micros(h.getValueAtPercentile(99.9)),
                micros(h.getMaxValue()),
                h.getTotalCount() - h.getCountBetweenValues(0, TimeUnit.MILLISECONDS.toNanos(1)));
    }

    private static void printHiccups(Readers readers, int phase) {
        Histogram g = readers.gaps(phase);
        System.out.printf(
                Locale.ROOT,
                "  control, the readers' own loop code between two reads: p99.9 %s, max %s; gaps over 1 ms: %d%n",
                micros(g.getValueAtPercentile(99.9)),
                micros(g.getMaxValue()),
                g.getTotalCount() - g.getCountBetweenValues(0, TimeUnit.MILLISECONDS.toNanos(1)));
        Histogram h = readers.hiccups(phase);
        System.out.printf(
                Locale.ROOT,
                "  platform hiccups in the same period (a thread sleeping 1 ms, how late it woke): p99 %s, p99.9 %s,"
                        + " max %s%n",
                micros(h.getValueAtPercentile(99)),
                micros(h.getValueAtPercentile(99.9)),
                micros(h.getMaxValue()));
    }

    private static String micros(long nanos) {
        return nanos < 10_000
                ? String.format(Locale.ROOT, "%.3f us", nanos / 1e3)
                : String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
    }

    private static void header(String title) {
        System.out.println();
        System.out.println("== " + title);
    }

    private void verdict(boolean ok, String target, String measured) {
        verdicts.add((ok ? "PASS  " : "MISS  ") + target + ": " + measured);
    }

    private static void check(boolean ok) {
        if (!ok) {
            throw new IllegalStateException("harness self-check failed");
        }
    }

    private static void sleepUntil(Instant t) throws InterruptedException {
        long ms = Duration.between(Instant.now(), t).toMillis();
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Reader threads reading every secret in turn as fast as they can; every read timed into a per-phase histogram. */
    @SuppressWarnings("try") // close() may be interrupted; the harness is a main program and lets that propagate
    static final class Readers implements AutoCloseable {
        private final Secrets secrets;
        private final String[] refs;
        private final Thread[] threads;
        private final Histogram[][] histograms; // [thread][phase]
        private final Histogram[] hiccups; // [phase]
        private final Histogram[][] gaps; // [thread][phase]: the harness's own code between two reads
        private final Thread hiccupMeter;
        private final AtomicLong errors = new AtomicLong();
        private final Map<String, AtomicLong> errorClasses = new ConcurrentHashMap<>();
        private final AtomicLongArray firstNewVersionAt;
        private volatile String[] oldVersions;
        private volatile int phase = -1;
        private volatile boolean stop;

        Readers(Secrets secrets, String[] refs, int count, int phases) {
            this.secrets = secrets;
            this.refs = refs;
            this.threads = new Thread[count];
            this.histograms = new Histogram[count][phases];
            this.gaps = new Histogram[count][phases];
            this.firstNewVersionAt = new AtomicLongArray(refs.length);
            for (int t = 0; t < count; t++) {
                for (int p = 0; p < phases; p++) {
                    histograms[t][p] = new Histogram(HIGHEST_NANOS, 3);
                    gaps[t][p] = new Histogram(HIGHEST_NANOS, 3);
                }
                int id = t;
                threads[t] = new Thread(() -> run(id), "reader-" + t);
                threads[t].setDaemon(true);
                threads[t].start();
            }
            hiccups = new Histogram[phases];
            for (int p = 0; p < phases; p++) {
                hiccups[p] = new Histogram(HIGHEST_NANOS, 3);
            }
            hiccupMeter = new Thread(this::meterHiccups, "hiccup-meter");
            hiccupMeter.setDaemon(true);
            hiccupMeter.start();
        }

        /**
         * Measures the platform, not Rotor: a thread that asks to sleep 1 ms and records how much later it woke up.
         * A read that takes as long as the worst hiccup was most likely descheduled (or stopped at a safepoint), not
         * blocked by Rotor.
         */
        private void meterHiccups() {
            long nap = TimeUnit.MILLISECONDS.toNanos(1);
            while (!stop) {
                long t0 = System.nanoTime();
                java.util.concurrent.locks.LockSupport.parkNanos(nap);
                long late = System.nanoTime() - t0 - nap;
                int p = phase;
                if (p >= 0) {
                    hiccups[p].recordValue(Math.max(0, Math.min(late, HIGHEST_NANOS)));
                }
            }
        }

        Histogram hiccups(int p) {
            return hiccups[p];
        }

        /** The control: how long the readers spent in their own loop code between two reads. */
        Histogram gaps(int p) {
            Histogram all = new Histogram(HIGHEST_NANOS, 3);
            for (Histogram[] h : gaps) {
                all.add(h[p]);
            }
            return all;
        }

        void phase(int p) {
            phase = p;
        }

        private void run(int id) {
            Histogram[] mine = histograms[id];
            Histogram[] myGaps = gaps[id];
            int k = id % refs.length;
            long previousEnd = System.nanoTime();
            while (!stop) {
                if (++k == refs.length) {
                    k = 0;
                }
                long t0 = System.nanoTime();
                Secret s = null;
                try {
                    s = secrets.get(refs[k]);
                } catch (Throwable e) {
                    errors.incrementAndGet();
                    errorClasses
                            .computeIfAbsent(e.getClass().getSimpleName(), c -> new AtomicLong())
                            .incrementAndGet();
                }
                long t1 = System.nanoTime();
                int p = phase;
                if (p >= 0) {
                    mine[p].recordValue(Math.min(t1 - t0, HIGHEST_NANOS));
                    myGaps[p].recordValue(Math.max(0, Math.min(t0 - previousEnd, HIGHEST_NANOS)));
                }
                String[] old = oldVersions;
                if (old != null
                        && s != null
                        && firstNewVersionAt.get(k) == 0
                        && !s.version().equals(old[k])) {
                    firstNewVersionAt.compareAndSet(k, 0, t1);
                }
                previousEnd = System.nanoTime();
            }
        }

        void watchForNewVersions(String[] versionsNow) {
            oldVersions = versionsNow.clone();
        }

        boolean allNewVersionsSeen() {
            for (int i = 0; i < refs.length; i++) {
                if (firstNewVersionAt.get(i) == 0) {
                    return false;
                }
            }
            return true;
        }

        /** Per secret: nanoseconds from {@code from} to the first read of a new version; -1 when none was seen. */
        long[] newVersionDelays(long from) {
            long[] out = new long[refs.length];
            for (int i = 0; i < refs.length; i++) {
                long at = firstNewVersionAt.get(i);
                out[i] = at == 0 ? -1 : at - from;
            }
            return out;
        }

        void stop() throws InterruptedException {
            stop = true;
            for (Thread t : threads) {
                t.join();
            }
            hiccupMeter.join();
        }

        Histogram histogram(int p) {
            Histogram all = new Histogram(HIGHEST_NANOS, 3);
            for (Histogram[] h : histograms) {
                all.add(h[p]);
            }
            return all;
        }

        long errorCount() {
            return errors.get();
        }

        Map<String, Long> errorClasses() {
            Map<String, Long> out = new TreeMap<>();
            errorClasses.forEach((k, v) -> out.put(k, v.get()));
            return out;
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }

    /** Counts events by type. */
    static final class Events implements SecretEventListener {
        private final Map<SecretEventType, AtomicLong> counts = new ConcurrentHashMap<>();
        private final Map<String, ConcurrentLinkedQueue<Long>> rotations = new ConcurrentHashMap<>();
        private final Map<SecretEventType, ConcurrentLinkedQueue<Long>> times = new ConcurrentHashMap<>();

        @Override
        public void onEvent(SecretEvent event) {
            counts.computeIfAbsent(event.type(), t -> new AtomicLong()).incrementAndGet();
            if (event.type() == SecretEventType.CIRCUIT_OPENED || event.type() == SecretEventType.CIRCUIT_CLOSED) {
                times.computeIfAbsent(event.type(), t -> new ConcurrentLinkedQueue<>())
                        .add(System.nanoTime());
            }
            if (event.type() == SecretEventType.ROTATED && event.ref().isPresent()) {
                long now = System.nanoTime();
                rotations
                        .computeIfAbsent(event.ref().get().path(), k -> new ConcurrentLinkedQueue<>())
                        .add(now);
            }
        }

        /** Per secret path, when each hand-over to a new version was announced (System.nanoTime()). */
        Map<String, List<Long>> rotations() {
            Map<String, List<Long>> out = new TreeMap<>();
            rotations.forEach((k, v) -> out.put(k, new ArrayList<>(v)));
            return out;
        }

        long count(SecretEventType type) {
            AtomicLong c = counts.get(type);
            return c == null ? 0 : c.get();
        }

        void clear() {
            counts.clear();
            rotations.clear();
            times.clear();
        }

        /** When events of {@code type} happened, in ms relative to {@code origin} (System.nanoTime()). */
        String timesFrom(SecretEventType type, long origin) {
            ConcurrentLinkedQueue<Long> q = times.get(type);
            if (q == null) {
                return "[]";
            }
            List<String> out = new ArrayList<>();
            for (long t : q) {
                out.add(String.format(Locale.ROOT, "%+.0f", (t - origin) / 1e6));
            }
            return out.toString();
        }

        String summary(SecretEventType... types) {
            StringBuilder sb = new StringBuilder();
            for (SecretEventType t : types) {
                sb.append(sb.length() == 0 ? "" : ", ").append(t).append('=').append(count(t));
            }
            return sb.toString();
        }
    }

    /** The backend's clock: pinned to one instant while the burst's leases are issued, the system clock otherwise. */
    static final class PinnedClock implements TimeSource {
        private volatile Instant pinned;

        void pin(Instant at) {
            pinned = at;
        }

        void unpin() {
            pinned = null;
        }

        @Override
        public Instant now() {
            Instant p = pinned;
            return p != null ? p : Instant.now();
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }
    }

    /** Command-line options. */
    static final class Options {
        Set<String> scenarios = new LinkedHashSet<>(List.of("steady", "outage", "hang", "cold", "burst", "heap"));
        int[] readers = {1, 2, 4, 8};
        int secrets = 4;
        int seconds = 5;
        int outageSeconds = 6;
        int outageSecrets = 1;
        int outageReaders = 2;
        boolean defaults;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) {
                    System.out.println("options: --scenarios steady,outage,hang,cold,burst,heap --readers 1,2,4,8"
                            + " --secrets 4 --seconds 5 --outage-seconds 6 --outage-secrets 1 --outage-readers 2"
                            + " --policy tuned|defaults");
                    System.exit(0);
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + a);
                }
                String v = args[++i];
                switch (a) {
                    case "--scenarios":
                        o.scenarios = new LinkedHashSet<>(Arrays.asList(v.split(",")));
                        break;
                    case "--readers":
                        o.readers = Arrays.stream(v.split(","))
                                .mapToInt(Integer::parseInt)
                                .toArray();
                        break;
                    case "--secrets":
                        o.secrets = Integer.parseInt(v);
                        break;
                    case "--seconds":
                        o.seconds = Integer.parseInt(v);
                        break;
                    case "--outage-seconds":
                        o.outageSeconds = Integer.parseInt(v);
                        break;
                    case "--outage-secrets":
                        o.outageSecrets = Integer.parseInt(v);
                        break;
                    case "--policy":
                        if (!v.equals("defaults") && !v.equals("tuned")) {
                            throw new IllegalArgumentException("--policy takes defaults or tuned, was " + v);
                        }
                        o.defaults = v.equals("defaults");
                        break;
                    case "--outage-readers":
                        o.outageReaders = Integer.parseInt(v);
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option " + a);
                }
            }
            return o;
        }

        @Override
        public String toString() {
            return "scenarios=" + scenarios + " readers=" + Arrays.toString(readers) + " secrets=" + secrets
                    + " seconds=" + seconds + " outageSeconds=" + outageSeconds + " outageSecrets=" + outageSecrets
                    + " outageReaders=" + outageReaders + " policy=" + (defaults ? "defaults" : "tuned");
        }
    }
}
