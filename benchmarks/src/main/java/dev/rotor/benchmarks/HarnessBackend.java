package dev.rotor.benchmarks;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.test.InMemorySource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The backend of {@link RefreshHarness}: an {@link InMemorySource} with real latency, three behaviours (normal, down
 * and failing fast, hanging for a second then failing) and a log of every call that reached it (operation, path,
 * start time). Thread-safe.
 */
final class HarnessBackend implements SecretSource {
    enum Mode {
        NORMAL,
        /** Every call fails at once ({@link InMemorySource#goDown()}). */
        DOWN,
        /** Every call blocks for {@link #HANG} and then fails, as a call that runs into its timeout. */
        HANG
    }

    /** How long a call blocks in {@link Mode#HANG}. */
    static final Duration HANG = Duration.ofSeconds(1);

    /** One call that reached the backend. */
    static final class Call {
        final InMemorySource.Operation op;
        final String path;
        final long startNanos;
        final Instant startWall;

        Call(InMemorySource.Operation op, String path, long startNanos, Instant startWall) {
            this.op = op;
            this.path = path;
            this.startNanos = startNanos;
            this.startWall = startWall;
        }
    }

    final InMemorySource memory;
    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
    private volatile Mode mode = Mode.NORMAL;
    private volatile long minLatencyNanos;
    private volatile long maxLatencyNanos;

    HarnessBackend(TimeSource clock, Duration minLatency, Duration maxLatency) {
        this.memory = new InMemorySource("mem", clock);
        latency(minLatency, maxLatency);
        memory.beforeCall(this::behave);
    }

    /** Each call sleeps a uniformly random time in [min, max] (real time). */
    void latency(Duration min, Duration max) {
        minLatencyNanos = min.toNanos();
        maxLatencyNanos = max.toNanos();
    }

    void goDown() {
        mode = Mode.DOWN;
        memory.goDown();
    }

    void hang() {
        mode = Mode.HANG;
    }

    void recover() {
        mode = Mode.NORMAL;
        memory.recover();
    }

    void clearCalls() {
        calls.clear();
    }

    List<Call> calls() {
        return new ArrayList<>(calls);
    }

    /** Runs at the start of every call that reaches the in-memory source, on the engine's thread. */
    private void behave() {
        Mode m = mode;
        if (m == Mode.NORMAL) {
            long min = minLatencyNanos;
            long max = maxLatencyNanos;
            sleepNanos(max > min ? ThreadLocalRandom.current().nextLong(min, max + 1) : min);
        } else if (m == Mode.HANG) {
            sleepNanos(HANG.toNanos());
            throw new SourceUnavailableException("timed out after " + HANG, null, "mem");
        }
        // DOWN: InMemorySource fails the call right after this hook.
    }

    /** Sleeps with sub-millisecond precision (Thread.sleep(ms, ns) rounds to milliseconds). */
    static void sleepNanos(long nanos) {
        long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new SourceUnavailableException("interrupted", null, "mem");
            }
        }
    }

    private void record(InMemorySource.Operation op, String path) {
        calls.add(new Call(op, path, System.nanoTime(), Instant.now()));
    }

    // ---- SecretSource: log, then delegate ----

    @Override
    public String scheme() {
        return memory.scheme();
    }

    @Override
    public Set<SourceCapability> capabilities() {
        return memory.capabilities();
    }

    @Override
    public Set<String> parameters() {
        return memory.parameters();
    }

    @Override
    public Secret fetch(FetchRequest request) {
        record(InMemorySource.Operation.FETCH, request.ref().path());
        return memory.fetch(request);
    }

    @Override
    public Lease renew(SecretRef ref, Lease lease, Duration increment) {
        record(InMemorySource.Operation.RENEW, ref.path());
        return memory.renew(ref, lease, increment);
    }

    @Override
    public void revoke(SecretRef ref, Lease lease) {
        record(InMemorySource.Operation.REVOKE, ref.path());
        memory.revoke(ref, lease);
    }

    @Override
    public Optional<String> probeVersion(SecretRef ref) {
        record(InMemorySource.Operation.PROBE, ref.path());
        return memory.probeVersion(ref);
    }

    @Override
    public Map<SecretRef, Secret> fetchAll(Collection<SecretRef> refs) {
        record(InMemorySource.Operation.FETCH_ALL, refs.size() + " refs");
        return memory.fetchAll(refs);
    }

    @Override
    public Secret rotate(SecretRef ref) {
        record(InMemorySource.Operation.ROTATE, ref.path());
        return memory.rotate(ref);
    }

    static double millis(long nanos) {
        return nanos / (double) TimeUnit.MILLISECONDS.toNanos(1);
    }
}
