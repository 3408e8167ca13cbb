package dev.rotor.benchmarks.fleet;

import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * The secret store the whole fleet shares, on the virtual clock: secrets with versions that change over time, a
 * request quota per operation counted in 1 s windows (calls over it are throttled), an outage switch, and a latency
 * drawn for every call.
 *
 * <p><b>Quotas.</b> Each operation has a quota counted in 1 s windows of virtual time (the documented AWS quotas by
 * default); a quota on both together, for the squeeze, is a token bucket. A call over either is throttled with {@link
 * dev.rotor.secrets.SourceThrottledException}, whose Retry-After says when the call would have been admitted.
 *
 * <p>Three kinds of secret, as a Secrets Manager style store holds them:
 *
 * <ul>
 *   <li>{@link Kind#STATIC}: a version that changes only when {@link #change(String)} is called;
 *   <li>{@link Kind#ROTATING}: changes on a schedule the store announces (the next rotation date, as {@code
 *       DescribeSecret} tells it);
 *   <li>{@link Kind#LEASED}: every {@code GET} issues a new credential under a new lease of a fixed TTL (a database
 *       engine's dynamic credentials); a {@code DESCRIBE} of it answers a fixed version.
 * </ul>
 *
 * <p><b>Latency.</b> Every call draws a latency (log-normal, median 20 ms, about 60 ms at p99) into {@link
 * #latency()}, but the call completes at the instant it was made: the clients run on a direct executor on one virtual
 * clock, so a call cannot take virtual time without blocking the whole fleet. The figures record the distribution;
 * the timing does not include it.
 *
 * <p>Not thread-safe: the simulation is single-threaded.
 */
final class SimulatedStore {
    /** The two calls the store answers, with a quota each (AWS: GetSecretValue and DescribeSecret). */
    enum Op {
        GET,
        DESCRIBE
    }

    enum Kind {
        STATIC,
        ROTATING,
        LEASED
    }

    /** What a {@code GET} answers. */
    static final class Answer {
        final String version;
        final String value;
        /** For a leased secret: when the lease was issued (ns after the epoch) and how long it runs; else 0. */
        final long leaseIssuedNanos;

        final long leaseTtlNanos;
        /** For a rotating secret, when it rotates next (ns after the epoch); else -1. */
        final long nextRotationNanos;

        Answer(String version, String value, long leaseIssuedNanos, long leaseTtlNanos, long nextRotationNanos) {
            this.version = version;
            this.value = value;
            this.leaseIssuedNanos = leaseIssuedNanos;
            this.leaseTtlNanos = leaseTtlNanos;
            this.nextRotationNanos = nextRotationNanos;
        }
    }

    /** What a {@code DESCRIBE} answers. */
    static final class Description {
        final String version;
        final long nextRotationNanos;

        Description(String version, long nextRotationNanos) {
            this.version = version;
            this.nextRotationNanos = nextRotationNanos;
        }
    }

    private static final class Stored {
        final Kind kind;
        final long leaseTtlNanos;
        int version = 1;
        /** When each version became current, ns after the epoch: index 0 is version 1. */
        final List<Long> createdAt = new ArrayList<>();

        long nextRotationNanos = -1;
        long issued;

        Stored(Kind kind, long leaseTtlNanos) {
            this.kind = kind;
            this.leaseTtlNanos = leaseTtlNanos;
            createdAt.add(0L);
        }
    }

    static final long SECOND = 1_000_000_000L;

    private final VirtualScheduler clock;
    private final Map<String, Stored> secrets = new HashMap<>();
    private final List<Long> rotations = new ArrayList<>();
    private final SplittableRandom random;
    private final Histogram latency = new Histogram(3_600_000_000L, 3);
    private final double[] quota = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY};
    private final long[] windowStart = {-1, -1};
    private final int[] inWindow = new int[2];
    private double quotaAll = Double.POSITIVE_INFINITY;
    /** The token bucket of {@link #quotaAll}: tokens held, and when it was last filled (ns after the epoch). */
    private double tokens;

    private long filledAt;
    private boolean retryAfterHint = true;
    private boolean down;

    // what the store saw
    private final long[] requests = new long[2];
    private final long[] served = new long[2];
    private final long[] throttled = new long[2];
    private final long[] unavailable = new long[2];
    /** Calls that reached the store in each 1 s window of virtual time, both operations. */
    private final int[] perSecond;

    private final int[] throttledPerSecond;

    SimulatedStore(VirtualScheduler clock, long durationSeconds, long seed) {
        this.clock = clock;
        this.random = new SplittableRandom(seed);
        this.perSecond = new int[(int) durationSeconds + 2];
        this.throttledPerSecond = new int[(int) durationSeconds + 2];
    }

    // ---- content ----

    void add(String path, Kind kind, Duration leaseTtl) {
        secrets.put(path, new Stored(kind, leaseTtl == null ? 0 : leaseTtl.toNanos()));
    }

    /** A new version of a static or rotating secret becomes current now. */
    void change(String path) {
        Stored s = secrets.get(path);
        s.version++;
        s.createdAt.add(clock.nowNanos());
    }

    /**
     * Rotates {@code path} at {@code firstNanos} and every {@code periodNanos} after it (0: once), announcing the next
     * rotation date in every answer.
     */
    void rotateOnSchedule(String path, long firstNanos, long periodNanos) {
        Stored s = secrets.get(path);
        s.nextRotationNanos = firstNanos;
        clock.scheduleAt(firstNanos, () -> rotationDue(path, periodNanos));
    }

    private void rotationDue(String path, long periodNanos) {
        Stored s = secrets.get(path);
        change(path);
        rotations.add(clock.nowNanos());
        if (periodNanos > 0) {
            s.nextRotationNanos = clock.nowNanos() + periodNanos;
            clock.scheduleAt(s.nextRotationNanos, () -> rotationDue(path, periodNanos));
        } else {
            s.nextRotationNanos = -1;
        }
    }

    /** The current version number of a static or rotating secret. */
    int currentVersion(String path) {
        return secrets.get(path).version;
    }

    /** When version {@code version} of {@code path} became current (ns after the epoch), or -1 if it has not. */
    long createdAt(String path, int version) {
        List<Long> c = secrets.get(path).createdAt;
        return version >= 1 && version <= c.size() ? c.get(version - 1) : -1;
    }

    Kind kind(String path) {
        return secrets.get(path).kind;
    }

    // ---- behaviour ----

    /** The quota of {@code op}, in calls per 1 s window; {@link Double#POSITIVE_INFINITY} for none. */
    void quota(Op op, double perSecond) {
        quota[op.ordinal()] = perSecond;
    }

    double quota(Op op) {
        return quota[op.ordinal()];
    }

    /**
     * A quota on both operations together (on top of each operation's own): a token bucket that fills at {@code
     * perSecond} and holds at most one second's worth (at least one call), so that a fractional rate is honoured
     * exactly. It starts full.
     */
    void quotaAll(double perSecond) {
        quotaAll = perSecond;
        tokens = Math.max(1, perSecond);
        filledAt = clock.nowNanos();
    }

    double quotaAll() {
        return quotaAll;
    }

    /** Whether a throttled call says how long to wait (until the next 1 s window); default true. */
    void retryAfterHint(boolean on) {
        retryAfterHint = on;
    }

    /** While down, every call fails with {@link SourceUnavailableException}. */
    void down(boolean isDown) {
        down = isDown;
    }

    // ---- the calls ----

    Answer get(SecretRef ref, String source) {
        String path = ref.path();
        admit(Op.GET, ref, source);
        Stored s = secrets.get(path);
        long now = clock.nowNanos();
        if (s.kind == Kind.LEASED) {
            s.issued++;
            return new Answer("c" + s.issued, "cred-" + s.issued, now, s.leaseTtlNanos, -1);
        }
        return new Answer(Integer.toString(s.version), "v" + s.version, 0, 0, s.nextRotationNanos);
    }

    Description describe(SecretRef ref, String source) {
        admit(Op.DESCRIBE, ref, source);
        Stored s = secrets.get(ref.path());
        return new Description(s.kind == Kind.LEASED ? "1" : Integer.toString(s.version), s.nextRotationNanos);
    }

    private void admit(Op op, SecretRef ref, String source) {
        int o = op.ordinal();
        long now = clock.nowNanos();
        int second = (int) Math.min(perSecond.length - 1, now / SECOND);
        requests[o]++;
        perSecond[second]++;
        latency.recordValue(drawLatencyMicros());
        if (down) {
            unavailable[o]++;
            throw new Unavailable(ref, source);
        }
        long window = now / SECOND;
        if (windowStart[o] != window) {
            windowStart[o] = window;
            inWindow[o] = 0;
        }
        boolean overAll = false;
        if (quotaAll != Double.POSITIVE_INFINITY) {
            tokens = Math.min(Math.max(1, quotaAll), tokens + (now - filledAt) / (double) SECOND * quotaAll);
            filledAt = now;
            overAll = tokens < 1;
        }
        if (inWindow[o] + 1 > quota[o] || overAll) {
            throttled[o]++;
            throttledPerSecond[second]++;
            long waitNanos = overAll ? (long) Math.ceil((1 - tokens) / quotaAll * SECOND) : (window + 1) * SECOND - now;
            Duration retryAfter = retryAfterHint ? Duration.ofNanos(waitNanos) : null;
            throw new Throttled(op, ref, source, retryAfter);
        }
        inWindow[o]++;
        if (quotaAll != Double.POSITIVE_INFINITY) {
            tokens -= 1;
        }
        served[o]++;
    }

    private long drawLatencyMicros() {
        // log-normal: median 20 ms, sigma 0.45 (p99 about 57 ms)
        double g = gaussian();
        return Math.max(1, Math.round(20_000 * Math.exp(0.45 * g)));
    }

    private double gaussian() {
        // Box-Muller on the store's own generator, so the run is repeatable
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    // ---- what it saw ----

    long requests(Op op) {
        return requests[op.ordinal()];
    }

    long served(Op op) {
        return served[op.ordinal()];
    }

    long throttled(Op op) {
        return throttled[op.ordinal()];
    }

    long unavailable(Op op) {
        return unavailable[op.ordinal()];
    }

    long totalRequests() {
        return requests[0] + requests[1];
    }

    long totalServed() {
        return served[0] + served[1];
    }

    long totalThrottled() {
        return throttled[0] + throttled[1];
    }

    long totalUnavailable() {
        return unavailable[0] + unavailable[1];
    }

    /** When announced rotations happened (ns after the epoch), in order. */
    List<Long> rotations() {
        return rotations;
    }

    int[] perSecond() {
        return perSecond;
    }

    int[] throttledPerSecond() {
        return throttledPerSecond;
    }

    Histogram latency() {
        return latency;
    }

    /** A throttled call; no stack trace (the store raises a great many of these, and nothing reads them). */
    static final class Throttled extends SourceThrottledException {
        private static final long serialVersionUID = 1L;

        Throttled(Op op, SecretRef ref, String source, Duration retryAfter) {
            super(op + " throttled (over the store's quota)", ref, source, retryAfter, null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** A call during an outage; no stack trace. */
    static final class Unavailable extends SourceUnavailableException {
        private static final long serialVersionUID = 1L;

        Unavailable(SecretRef ref, String source) {
            super("store unavailable", ref, source);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
