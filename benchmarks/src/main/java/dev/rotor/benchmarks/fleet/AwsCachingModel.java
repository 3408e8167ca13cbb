package dev.rotor.benchmarks.fleet;

import dev.rotor.secrets.SecretRef;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A model of one application's {@code SecretCache} from {@code aws-secretsmanager-caching-java} 2.2.0 (the version
 * {@code benchmarks} depends on), as its behaviour reads in that release, on the virtual clock. The real cache cannot
 * run here: it reads {@code System.currentTimeMillis()}.
 *
 * <ul>
 *   <li>Nothing happens between reads: all work is done by the read that finds it due, synchronously.
 *   <li>Per secret, an item holding the last {@code DescribeSecret} answer. A read when none is held, or at or past
 *       the item's refresh time, calls {@code DescribeSecret}; on success the next refresh time is now plus a uniform
 *       draw in [TTL/2, TTL] (TTL one hour by default).
 *   <li>Per version named AWSCURRENT by that answer, a version object that calls {@code GetSecretValue} once, on the
 *       first read that needs it, and never again while the version stays current.
 *   <li>A failed call keeps what the object held (the previous answer stays in service), records the failure, and
 *       is retried by the first read after a back-off: {@code d = min(1 s + 2^p s, 128 s)} (with {@code 2^0} read as 1
 *       s), {@code p} growing by one per failure while {@code d} is under 128 s, and the wait a uniform draw in [d/2, d].
 *   <li>A read fails (throws the recorded failure) when the object it needs holds nothing: a cold secret whose first
 *       {@code DescribeSecret} failed, or a new version whose {@code GetSecretValue} failed. A warm secret whose
 *       {@code DescribeSecret} refresh fails keeps being served.
 * </ul>
 *
 * Not thread-safe.
 */
final class AwsCachingModel {
    static final long DEFAULT_TTL_NANOS = 3_600L * SimulatedStore.SECOND;

    private final SimulatedStore store;
    private final VirtualScheduler clock;
    private final SplittableRandom random;
    private final long ttlNanos;
    private final long[] calls;
    private final Item[] items;

    AwsCachingModel(
            SimulatedStore store, VirtualScheduler clock, SecretRef[] refs, long ttlNanos, long seed, long[] calls) {
        this.store = store;
        this.clock = clock;
        this.random = new SplittableRandom(seed);
        this.ttlNanos = ttlNanos;
        this.calls = calls;
        this.items = new Item[refs.length];
        for (int i = 0; i < refs.length; i++) {
            items[i] = new Item(refs[i]);
        }
    }

    /**
     * Reads secret {@code i} as {@code getSecretString} would; answers the version served.
     *
     * @throws RuntimeException what the store threw, as the real cache rethrows it
     */
    String read(int i) {
        return items[i].read();
    }

    /** The version of secret {@code i} held now (null when none), without any call. */
    String held(int i) {
        Item it = items[i];
        if (it.described == null) {
            return null;
        }
        Version v = it.versions.get(it.described);
        return v == null || !v.loaded ? null : v.id;
    }

    /** The refresh-on-failure rule shared by both object kinds. */
    private abstract class CachedObject {
        boolean refreshNeeded = true;
        RuntimeException failure;
        long nextRetryNanos;
        long power;

        boolean due() {
            if (refreshNeeded) {
                return true;
            }
            return failure != null && clock.nowNanos() >= nextRetryNanos;
        }

        void refresh() {
            if (!due()) {
                return;
            }
            refreshNeeded = false;
            try {
                call();
                failure = null;
                power = 0;
            } catch (RuntimeException e) {
                failure = e;
                long base = power > 0 ? (long) Math.pow(2, power) : 1;
                long delayMillis = Math.min(1_000 + base * 1_000, 128_000);
                if (delayMillis < 128_000) {
                    power++;
                }
                long wait = random.nextLong(delayMillis / 2, delayMillis + 1);
                nextRetryNanos = clock.nowNanos() + wait * 1_000_000L;
            }
        }

        abstract void call();
    }

    private final class Item extends CachedObject {
        final SecretRef ref;
        String described;
        long nextRefreshNanos;
        // the real cache keeps the last 10 versions in an LRU map
        final Map<String, Version> versions = new LinkedHashMap<>(4, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Version> eldest) {
                return size() > 10;
            }
        };

        Item(SecretRef ref) {
            this.ref = ref;
        }

        @Override
        boolean due() {
            if (super.due()) {
                return true;
            }
            if (failure != null) {
                return false;
            }
            return clock.nowNanos() >= nextRefreshNanos;
        }

        @Override
        void call() {
            calls[SimulatedStore.Op.DESCRIBE.ordinal()]++;
            SimulatedStore.Description d = store.describe(ref, "aws-cache");
            nextRefreshNanos = clock.nowNanos() + random.nextLong(ttlNanos / 2, ttlNanos + 1);
            described = d.version;
        }

        String read() {
            refresh();
            if (described == null) {
                throw failure;
            }
            Version v = versions.computeIfAbsent(described, id -> new Version(ref, id));
            v.refresh();
            if (!v.loaded) {
                throw v.failure;
            }
            return v.id;
        }
    }

    private final class Version extends CachedObject {
        final SecretRef ref;
        final String id;
        boolean loaded;

        Version(SecretRef ref, String id) {
            this.ref = ref;
            this.id = id;
        }

        @Override
        void call() {
            calls[SimulatedStore.Op.GET.ordinal()]++;
            store.get(ref, "aws-cache");
            loaded = true;
        }
    }
}
