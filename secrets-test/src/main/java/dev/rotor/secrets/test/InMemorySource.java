package dev.rotor.secrets.test;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.LeaseExpiredException;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.VersionIds;
import dev.rotor.secrets.spi.VersionProbe;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An in-memory {@link SecretSource} for tests: static secrets with versions, dynamic secrets that issue a new
 * credential and lease on every fetch, renewals capped by a maximum TTL, scripted failures, latency and call counters.
 *
 * <pre>{@code
 * InMemorySource source = new InMemorySource("mem", clock);
 * source.put("app/api-key", "k-1");                                      // version 1
 * source.dynamic("db/creds", n -> Map.of("username", "u" + n, "password", "p" + n),
 *         Duration.ofHours(1), Duration.ofHours(3), true);               // a new lease per fetch
 * source.failNext(2, () -> new SourceUnavailableException("down", null, "mem"));
 * }</pre>
 *
 * Thread-safe.
 */
public final class InMemorySource implements SecretSource {
    /** The operations counted and scripted. */
    public enum Operation {
        FETCH,
        RENEW,
        REVOKE,
        PROBE,
        FETCH_ALL,
        ROTATE,
        ALTERNATES
    }

    private final String scheme;
    private final TimeSource clock;
    private final Map<String, Stored> secrets = new ConcurrentHashMap<>();
    private final Map<String, Stored> pending = new ConcurrentHashMap<>();
    private final Map<String, Stored> previous = new ConcurrentHashMap<>();
    private final Map<String, LeaseState> leases = new ConcurrentHashMap<>();
    private final Map<Operation, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> fetchesByPath = new ConcurrentHashMap<>();
    private final Deque<Supplier<? extends RuntimeException>> scriptedFailures = new ArrayDeque<>();
    private final List<String> revoked = new CopyOnWriteArrayList<>();
    private final AtomicLong leaseIds = new AtomicLong();
    private volatile Supplier<? extends RuntimeException> persistentFailure;
    private volatile Set<Operation> failingOperations = EnumSet.allOf(Operation.class);
    private volatile Duration latency = Duration.ZERO;
    private volatile Runnable beforeCall = () -> {};
    private volatile Set<SourceCapability> capabilities = EnumSet.allOf(SourceCapability.class);
    private volatile Set<String> parameters = Set.of();
    private volatile int batchLimit = Integer.MAX_VALUE;
    private volatile Set<String> batchDenied = Set.of();
    private volatile Duration pendingProbeInterval = Duration.ofSeconds(10);

    public InMemorySource(String scheme, TimeSource clock) {
        this.scheme = scheme;
        this.clock = clock;
    }

    // ---- content ----

    /** Stores a new version of a static secret with a raw value; answers its version id. */
    public String put(String path, String value) {
        return store(path, Map.of(), value, null);
    }

    /** Stores a new version of a static secret with fields; answers its version id. */
    public String putFields(String path, Map<String, String> fields) {
        return store(path, fields, null, null);
    }

    /** Stores a new version of a static secret the store will rotate at {@code nextRotation}. */
    public String putRotating(String path, Map<String, String> fields, Instant nextRotation) {
        return store(path, fields, null, nextRotation);
    }

    private synchronized String store(String path, Map<String, String> fields, String raw, Instant nextRotation) {
        Stored prev = secrets.get(path);
        Stored staged = pending.remove(path);
        int version = Math.max(prev == null ? 0 : prev.version, staged == null ? 0 : staged.version) + 1;
        secrets.put(path, new Stored(version, new LinkedHashMap<>(fields), raw, nextRotation, null));
        if (prev != null && prev.dynamic == null) {
            previous.put(path, prev);
        }
        return VersionIds.of(version);
    }

    /**
     * Announces (or moves) the next rotation date of a stored static secret without a new version, as a store does
     * when rotation is turned on for a secret already read: later fetches carry the date, and probes tell it.
     */
    public synchronized void announceRotation(String path, Instant nextRotation) {
        Stored s = secrets.get(path);
        if (s == null || s.dynamic != null) {
            throw new IllegalArgumentException("no static secret at " + path);
        }
        Stored moved = new Stored(s.version, s.fields, s.raw, nextRotation, null);
        moved.issued = s.issued;
        secrets.put(path, moved);
    }

    /**
     * Starts a rotation window: stores a pending version of a static secret that {@link #alternates} offers (before
     * the previous version) but fetches do not answer until {@link #promotePending} makes it current.
     */
    public synchronized String stagePending(String path, Map<String, String> fields) {
        Stored cur = secrets.get(path);
        int version = (cur == null ? 0 : cur.version) + 1;
        pending.put(path, new Stored(version, new LinkedHashMap<>(fields), null, null, null));
        return VersionIds.of(version);
    }

    /** Ends a rotation window: the pending version becomes current and the current one previous. */
    public synchronized String promotePending(String path) {
        Stored staged = pending.remove(path);
        if (staged == null) {
            throw new IllegalStateException("no pending version for " + path);
        }
        Stored cur = secrets.put(path, staged);
        if (cur != null && cur.dynamic == null) {
            previous.put(path, cur);
        }
        return VersionIds.of(staged.version);
    }

    /**
     * Declares a dynamic secret: every fetch issues credentials {@code generator.apply(n)} (n counts from 1) under
     * a new lease of {@code ttl}; renewals extend it by the requested increment but never past {@code maxTtl} from
     * the first issue.
     */
    public void dynamic(
            String path,
            Function<Integer, Map<String, String>> generator,
            Duration ttl,
            Duration maxTtl,
            boolean renewable) {
        secrets.put(path, new Stored(0, Map.of(), null, null, new Dynamic(generator, ttl, maxTtl, renewable)));
    }

    /** Removes a secret: later fetches fail with {@link SecretNotFoundException}. */
    public void delete(String path) {
        secrets.remove(path);
    }

    // ---- behaviour ----

    /** The next {@code n} calls (of the failing operations) throw what {@code failure} supplies. */
    public synchronized void failNext(int n, Supplier<? extends RuntimeException> failure) {
        for (int i = 0; i < n; i++) {
            scriptedFailures.add(failure);
        }
    }

    /** Every call (of the failing operations) throws until {@link #recover()}. */
    public void failAlways(Supplier<? extends RuntimeException> failure) {
        persistentFailure = failure;
    }

    /** A transient outage: every call fails with {@link SourceUnavailableException} until {@link #recover()}. */
    public void goDown() {
        failAlways(() -> new SourceUnavailableException("in-memory source is down", null, scheme));
    }

    /** Ends {@link #failAlways} and drops scripted failures. */
    public synchronized void recover() {
        persistentFailure = null;
        scriptedFailures.clear();
    }

    /** Which operations the scripted failures apply to (default: all). */
    public void failOnly(Set<Operation> operations) {
        failingOperations = EnumSet.copyOf(operations);
    }

    /** Real (wall-clock) latency added to every call; for benchmarks and stress tests, not for timing tests. */
    public void latency(Duration latency) {
        this.latency = latency;
    }

    /** A hook run at the start of every call, on the calling thread (to block, count or observe). */
    public void beforeCall(Runnable hook) {
        this.beforeCall = hook;
    }

    /** The capabilities this source declares (default: all). */
    public void capabilities(Set<SourceCapability> capabilities) {
        this.capabilities = capabilities.isEmpty() ? Set.of() : EnumSet.copyOf(capabilities);
    }

    /** The ref parameters this source accepts (default: none). */
    public void parameters(Set<String> parameters) {
        this.parameters = Set.copyOf(parameters);
    }

    /**
     * The refresh policy this source asks for as its own defaults (see {@link SecretSource#defaultRefreshPolicy()}):
     * to test how an application's policies layer over a source's. Default: none of its own. Set it before the client
     * is built.
     */
    public void defaultRefreshPolicy(dev.rotor.secrets.RefreshPolicy policy) {
        this.defaultPolicy = java.util.Objects.requireNonNull(policy, "policy");
    }

    @Override
    public dev.rotor.secrets.RefreshPolicy defaultRefreshPolicy() {
        return defaultPolicy;
    }

    private volatile dev.rotor.secrets.RefreshPolicy defaultPolicy = dev.rotor.secrets.RefreshPolicy.defaults();

    /** Paths a batch fetch leaves out of its answer, as a store does for secrets the caller may not batch-read. */
    public void denyInBatch(Set<String> paths) {
        this.batchDenied = Set.copyOf(paths);
    }

    // ---- counters ----

    public int count(Operation op) {
        AtomicInteger c = counts.get(op);
        return c == null ? 0 : c.get();
    }

    public int fetches(String path) {
        AtomicInteger c = fetchesByPath.get(path);
        return c == null ? 0 : c.get();
    }

    /** Lease ids revoked so far, in order. */
    public List<String> revokedLeases() {
        return List.copyOf(revoked);
    }

    /** Whether the lease is still valid at the source (issued, not revoked, not expired). */
    public boolean isLeaseValid(String leaseId) {
        LeaseState s = leases.get(leaseId);
        return s != null && !s.revoked && clock.now().isBefore(s.expiresAt);
    }

    public void resetCounts() {
        counts.clear();
        fetchesByPath.clear();
    }

    // ---- SecretSource ----

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public Set<SourceCapability> capabilities() {
        return capabilities;
    }

    @Override
    public Set<String> parameters() {
        return parameters;
    }

    @Override
    public Secret fetch(FetchRequest request) {
        enter(Operation.FETCH);
        fetchesByPath
                .computeIfAbsent(request.ref().path(), k -> new AtomicInteger())
                .incrementAndGet();
        return build(request.ref());
    }

    private Secret build(SecretRef ref) {
        Stored s = secrets.get(ref.path());
        if (s == null) {
            throw new SecretNotFoundException("no such secret", ref, scheme);
        }
        return build(ref, s);
    }

    private Secret build(SecretRef ref, Stored s) {
        Instant now = clock.now();
        if (s.dynamic != null) {
            int n;
            synchronized (s) {
                n = ++s.issued;
            }
            Dynamic d = s.dynamic;
            String id = scheme + "/" + ref.path() + "/lease-" + leaseIds.incrementAndGet();
            leases.put(id, new LeaseState(now, now.plus(d.ttl), d));
            return Secret.builder(ref)
                    .version(VersionIds.of(n))
                    .fields(d.generator.apply(n))
                    .lease(Lease.of(id, d.ttl, d.renewable, now))
                    .fetchedAt(now)
                    .build();
        }
        Secret.Builder b = Secret.builder(ref).version(VersionIds.of(s.version)).fetchedAt(now);
        if (s.raw != null) {
            b.value(s.raw);
        }
        b.fields(s.fields);
        if (s.nextRotation != null) {
            b.nextRotation(s.nextRotation);
        }
        return b.build();
    }

    @Override
    public Lease renew(SecretRef ref, Lease lease, Duration increment) {
        enter(Operation.RENEW);
        String id = lease.id().orElseThrow();
        LeaseState s = leases.get(id);
        Instant now = clock.now();
        if (s == null || s.revoked || !now.isBefore(s.expiresAt)) {
            throw new LeaseExpiredException("lease not found", ref, scheme);
        }
        Instant maxEnd = s.issuedAt.plus(s.dynamic.maxTtl);
        Duration granted = increment;
        if (now.plus(granted).isAfter(maxEnd)) {
            granted = Duration.between(now, maxEnd);
        }
        if (granted.isNegative() || granted.isZero()) {
            throw new LeaseExpiredException("lease reached its maximum TTL", ref, scheme);
        }
        s.expiresAt = now.plus(granted);
        return lease.renewed(granted, now);
    }

    @Override
    public void revoke(SecretRef ref, Lease lease) {
        enter(Operation.REVOKE);
        String id = lease.id().orElseThrow();
        LeaseState s = leases.get(id);
        if (s != null) {
            s.revoked = true;
        }
        revoked.add(id);
    }

    @Override
    public Optional<String> probeVersion(SecretRef ref) {
        enter(Operation.PROBE);
        Stored s = secrets.get(ref.path());
        if (s == null) {
            throw new SecretNotFoundException("no such secret", ref, scheme);
        }
        return s.dynamic == null ? Optional.of(VersionIds.of(s.version)) : Optional.empty();
    }

    /**
     * As {@link #probeVersion}, with the next rotation date the secret announces; while a pending version is staged
     * (see {@link #stagePending}) it asks the engine to probe again after {@link #pendingProbeInterval(Duration)}, as a
     * store with a rotation under way would.
     */
    @Override
    public Optional<VersionProbe> probe(SecretRef ref) {
        Optional<String> version = probeVersion(ref);
        if (version.isEmpty()) {
            return version.map(VersionProbe::of);
        }
        Stored s = secrets.get(ref.path());
        VersionProbe answer = pending.containsKey(ref.path())
                ? VersionProbe.of(version.get(), clock.now().plus(pendingProbeInterval))
                : VersionProbe.of(version.get());
        return Optional.of(answer.withNextRotation(s == null ? null : s.nextRotation));
    }

    /** How soon the probe asks to look again while a pending version is staged (10 s unless set). */
    public void pendingProbeInterval(Duration interval) {
        this.pendingProbeInterval = interval;
    }

    @Override
    public Map<SecretRef, Secret> fetchAll(Collection<SecretRef> refs) {
        enter(Operation.FETCH_ALL);
        Map<SecretRef, Secret> out = new LinkedHashMap<>();
        List<SecretRef> list = new ArrayList<>(refs);
        for (SecretRef ref : list.subList(0, Math.min(list.size(), batchLimit))) {
            if (!batchDenied.contains(ref.path()) && secrets.containsKey(ref.path())) {
                fetchesByPath
                        .computeIfAbsent(ref.path(), k -> new AtomicInteger())
                        .incrementAndGet();
                out.put(ref, build(ref));
            }
        }
        return out;
    }

    @Override
    public Secret rotate(SecretRef ref) {
        enter(Operation.ROTATE);
        Stored s = secrets.get(ref.path());
        if (s == null) {
            throw new SecretNotFoundException("no such secret", ref, scheme);
        }
        if (s.dynamic == null) {
            Map<String, String> fields = new LinkedHashMap<>(s.fields);
            fields.replaceAll((k, v) -> v + "-rotated" + (s.version + 1));
            store(ref.path(), fields, s.raw == null ? null : s.raw + "-rotated" + (s.version + 1), s.nextRotation);
        }
        return build(ref);
    }

    /** The pending version (see {@link #stagePending}), then the previous one, as far as they exist. */
    @Override
    public List<Secret> alternates(SecretRef ref) {
        enter(Operation.ALTERNATES);
        List<Secret> out = new ArrayList<>();
        for (Map<String, Stored> m : List.of(pending, previous)) {
            Stored s = m.get(ref.path());
            if (s != null) {
                out.add(build(ref, s));
            }
        }
        return out;
    }

    private void enter(Operation op) {
        counts.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
        beforeCall.run();
        Duration l = latency;
        if (!l.isZero()) {
            try {
                Thread.sleep(l.toMillis(), (int) (l.toNanos() % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SourceUnavailableException("interrupted", null, scheme);
            }
        }
        if (!failingOperations.contains(op)) {
            return;
        }
        Supplier<? extends RuntimeException> f;
        synchronized (this) {
            f = scriptedFailures.poll();
        }
        if (f == null) {
            f = persistentFailure;
        }
        if (f != null) {
            throw f.get();
        }
    }

    @Override
    public String toString() {
        return "InMemorySource{" + scheme + ", " + secrets.size() + " secrets}";
    }

    private static final class Stored {
        final int version;
        final Map<String, String> fields;
        final String raw;
        final Instant nextRotation;
        final Dynamic dynamic;
        int issued;

        Stored(int version, Map<String, String> fields, String raw, Instant nextRotation, Dynamic dynamic) {
            this.version = version;
            this.fields = fields;
            this.raw = raw;
            this.nextRotation = nextRotation;
            this.dynamic = dynamic;
        }
    }

    private static final class Dynamic {
        final Function<Integer, Map<String, String>> generator;
        final Duration ttl;
        final Duration maxTtl;
        final boolean renewable;

        Dynamic(Function<Integer, Map<String, String>> generator, Duration ttl, Duration maxTtl, boolean renewable) {
            this.generator = generator;
            this.ttl = ttl;
            this.maxTtl = maxTtl;
            this.renewable = renewable;
        }
    }

    private static final class LeaseState {
        final Instant issuedAt;
        final Dynamic dynamic;
        volatile Instant expiresAt;
        volatile boolean revoked;

        LeaseState(Instant issuedAt, Instant expiresAt, Dynamic dynamic) {
            this.issuedAt = issuedAt;
            this.expiresAt = expiresAt;
            this.dynamic = dynamic;
        }
    }
}
