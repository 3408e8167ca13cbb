package dev.rotor.benchmarks;

import com.amazonaws.secretsmanager.caching.SecretCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.SecretState;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.StalePolicy;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.test.InMemorySource;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hot read path, side by side: a secret that is already loaded, read through
 *
 * <ul>
 *   <li>{@code chmGet}: {@link ConcurrentHashMap#get} (the limit: a plain map lookup),
 *   <li>{@code caffeineGetIfPresent}: Caffeine {@code getIfPresent} on a cache with {@code maximumSize} and
 *       {@code expireAfterWrite},
 *   <li>{@code rotorGet}: Rotor {@link Secrets#get(String)} (alias map lookup, then one volatile read),
 *   <li>{@code rotorHandleCurrent}: Rotor {@link SecretHandle#current()} (one volatile read, no lookup),
 *   <li>{@code rotorValue}: Rotor {@link Secrets#value(String)}, the call that answers a {@code String} like the peer,
 *   <li>{@code rotorHandleValue}: Rotor {@link SecretHandle#value()},
 *   <li>{@code rotorValueField}, {@code rotorHandleValueField}: the same two for a ref naming one field of a secret
 *       with two ({@code mem:bench/key-0000#password}),
 *   <li>{@code awsGetSecretString}: the AWS Secrets Manager caching client's {@code SecretCache.getSecretString} over
 *       an in-memory {@link FakeSecretsManagerClient}.
 * </ul>
 *
 * <p><b>Keys.</b> {@code keys} secrets are loaded. Each operation reads the next key of a pre-built, per-thread
 * array of 4096 random key picks (walked by a cursor, so picking costs the same few instructions in every benchmark,
 * the baseline included); with {@code keys=1} every pick is the same key.
 *
 * <p><b>Threads.</b> {@link T1} runs every benchmark on one thread, {@link T2} on two threads reading the same keys,
 * so one run reports both side by side. Passing {@code -t} on the command line overrides both.
 *
 * <p><b>No refresh during the measurement.</b> The secrets are static (no lease) and the poll interval is one hour;
 * Caffeine and the AWS cache expire after one hour too.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 2,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public abstract class ReadPathBenchmark {
    static final int PICKS = 4096;
    static final String VALUE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /** How many secrets are loaded and read: the one parameter, shared by every state below. */
    @State(Scope.Benchmark)
    public static class Keys {
        @Param({"1", "1000"})
        public int keys;
    }

    /** Everything read: the same {@code keys} secrets in every cache, loaded before the measurement. */
    @State(Scope.Benchmark)
    public static class Caches {
        int keys;

        String[] refs; // "mem:bench/key-0000": Rotor refs, also the keys of the map and of Caffeine
        String[] fieldRefs; // "mem:fields/key-0000#password": a field of a secret with two
        String[] awsIds; // "bench/key-0000": the peer's secret ids
        ConcurrentHashMap<String, String> map;
        Cache<String, String> caffeine;
        InMemorySource source;
        Secrets secrets;
        SecretHandle[] handles;
        SecretHandle[] fieldHandles;
        FakeSecretsManagerClient awsClient;
        SecretCache awsCache;

        @Setup(Level.Trial)
        public void setUp(Keys k) {
            keys = k.keys;
            SplittableRandom random = new SplittableRandom(42);
            refs = new String[keys];
            awsIds = new String[keys];
            String[] values = new String[keys];
            for (int i = 0; i < keys; i++) {
                String path = String.format("bench/key-%04d", i);
                refs[i] = "mem:" + path;
                awsIds[i] = path;
                values[i] = randomValue(random, 32);
            }

            map = new ConcurrentHashMap<>();
            caffeine = Caffeine.newBuilder()
                    .maximumSize(10_000)
                    .expireAfterWrite(Duration.ofHours(1))
                    .build();
            for (int i = 0; i < keys; i++) {
                map.put(refs[i], values[i]);
                caffeine.put(refs[i], values[i]);
            }

            source = new InMemorySource("mem", TimeSource.system());
            fieldRefs = new String[keys];
            for (int i = 0; i < keys; i++) {
                source.put(awsIds[i], values[i]);
                String path = String.format("fields/key-%04d", i);
                source.putFields(path, Map.of("username", "app-" + i, "password", values[i]));
                fieldRefs[i] = "mem:" + path + "#password";
            }
            secrets = Secrets.builder()
                    .source(source)
                    .discoverSources(false)
                    .refreshPolicy(RefreshPolicy.builder()
                            .pollInterval(Duration.ofHours(1))
                            .build())
                    .build();
            secrets.preload(Arrays.asList(refs));
            handles = new SecretHandle[keys];
            fieldHandles = new SecretHandle[keys];
            for (int i = 0; i < keys; i++) {
                handles[i] = secrets.handle(refs[i]);
                check(values[i].equals(secrets.value(refs[i])), "rotor value");
                fieldHandles[i] = secrets.handle(fieldRefs[i]);
                check(values[i].equals(secrets.value(fieldRefs[i])), "rotor field value");
            }

            awsClient = new FakeSecretsManagerClient();
            for (int i = 0; i < keys; i++) {
                awsClient.put(awsIds[i], values[i]);
            }
            awsCache = new SecretCache(awsClient);
            for (int i = 0; i < keys; i++) {
                check(values[i].equals(awsCache.getSecretString(awsIds[i])), "aws value");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            long fetches = source.count(InMemorySource.Operation.FETCH)
                    + source.count(InMemorySource.Operation.FETCH_ALL)
                    + source.count(InMemorySource.Operation.PROBE);
            long awsCalls = awsClient.describeCalls() + awsClient.getCalls();
            // Every backend call belongs to the set-up: reads during the measurement must never reach a backend.
            check(fetches <= 4L * keys, "rotor backend calls during the measurement: " + fetches);
            check(awsCalls == 2L * keys, "aws backend calls during the measurement: " + awsCalls);
            secrets.close();
            awsCache.close();
        }

        static String randomValue(SplittableRandom random, int length) {
            char[] c = new char[length];
            for (int i = 0; i < length; i++) {
                c[i] = VALUE_CHARS.charAt(random.nextInt(VALUE_CHARS.length()));
            }
            return new String(c);
        }

        static void check(boolean ok, String what) {
            if (!ok) {
                throw new IllegalStateException("benchmark set-up check failed: " + what);
            }
        }
    }

    /** Per-thread key picks: a pre-built random sequence walked by a cursor. */
    @State(Scope.Thread)
    public static class Cursor {
        private static final AtomicInteger SEEDS = new AtomicInteger();
        int[] picks;
        int i;

        @Setup(Level.Trial)
        public void setUp(Keys b) {
            SplittableRandom random = new SplittableRandom(1000 + SEEDS.incrementAndGet());
            picks = new int[PICKS];
            for (int k = 0; k < PICKS; k++) {
                picks[k] = random.nextInt(b.keys);
            }
        }

        int next() {
            int n = (i + 1) & (PICKS - 1);
            i = n;
            return picks[n];
        }
    }

    /**
     * The same Rotor reads once every lease has ended while the backend is down, under {@link
     * StalePolicy#serveStale()}: the path every read takes during an outage that outlasts the lease.
     */
    @State(Scope.Benchmark)
    public static class StaleCaches {
        int keys;

        String[] refs;
        InMemorySource source;
        Secrets secrets;
        SecretHandle[] handles;

        @Setup(Level.Trial)
        public void setUp(Keys k) throws InterruptedException {
            keys = k.keys;
            refs = new String[keys];
            source = new InMemorySource("mem", TimeSource.system());
            for (int i = 0; i < keys; i++) {
                String path = String.format("stale/key-%04d", i);
                refs[i] = "mem:" + path;
                source.dynamic(
                        path, n -> Map.of("password", "pw-" + n), Duration.ofMillis(500), Duration.ofDays(1), false);
            }
            secrets = Secrets.builder()
                    .source(source)
                    .discoverSources(false)
                    .stalePolicy(StalePolicy.serveStale())
                    .refreshPolicy(RefreshPolicy.builder()
                            .initialBackoff(Duration.ofSeconds(30))
                            .maxBackoff(Duration.ofMinutes(10))
                            .build())
                    .build();
            secrets.preload(Arrays.asList(refs));
            handles = new SecretHandle[keys];
            for (int i = 0; i < keys; i++) {
                handles[i] = secrets.handle(refs[i]);
            }
            source.goDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (expired() < keys && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Caches.check(expired() == keys, "every lease expired: " + expired() + " of " + keys);
            for (int i = 0; i < keys; i++) {
                Caches.check(secrets.get(refs[i]) == handles[i].current(), "stale value served");
            }
        }

        private long expired() {
            return secrets.inventory().stream()
                    .filter(e -> e.state() == SecretState.EXPIRED)
                    .count();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            secrets.close();
        }
    }

    @Benchmark
    public Secret rotorGetStale(StaleCaches s, Cursor c) {
        return s.secrets.get(s.refs[c.next()]);
    }

    @Benchmark
    public Secret rotorHandleCurrentStale(StaleCaches s, Cursor c) {
        return s.handles[c.next()].current();
    }

    @Benchmark
    public String chmGet(Caches s, Cursor c) {
        return s.map.get(s.refs[c.next()]);
    }

    @Benchmark
    public String caffeineGetIfPresent(Caches s, Cursor c) {
        return s.caffeine.getIfPresent(s.refs[c.next()]);
    }

    @Benchmark
    public Secret rotorGet(Caches s, Cursor c) {
        return s.secrets.get(s.refs[c.next()]);
    }

    @Benchmark
    public Secret rotorHandleCurrent(Caches s, Cursor c) {
        return s.handles[c.next()].current();
    }

    @Benchmark
    public String rotorValue(Caches s, Cursor c) {
        return s.secrets.value(s.refs[c.next()]);
    }

    @Benchmark
    public String rotorHandleValue(Caches s, Cursor c) {
        return s.handles[c.next()].value();
    }

    @Benchmark
    public String rotorValueField(Caches s, Cursor c) {
        return s.secrets.value(s.fieldRefs[c.next()]);
    }

    @Benchmark
    public String rotorHandleValueField(Caches s, Cursor c) {
        return s.fieldHandles[c.next()].value();
    }

    @Benchmark
    public String awsGetSecretString(Caches s, Cursor c) {
        return s.awsCache.getSecretString(s.awsIds[c.next()]);
    }

    /** Every benchmark on one thread. */
    @Threads(1)
    public static class T1 extends ReadPathBenchmark {}

    /** Every benchmark on two threads sharing the same caches. */
    @Threads(2)
    public static class T2 extends ReadPathBenchmark {}
}
