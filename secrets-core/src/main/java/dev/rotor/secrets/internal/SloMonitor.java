package dev.rotor.secrets.internal;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.Lease;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Scheduler.Cancellable;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretDeclaration;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretSlo;
import dev.rotor.secrets.SignalThresholds;
import dev.rotor.secrets.spi.FetchReason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's freshness objectives and anomaly signals. Every {@code interval} it evaluates, on the engine's
 * scheduler (never on the read path, never with a call to the store), each held secret's {@link SecretSlo} and read
 * rate; between evaluations it follows the engine's own events and swaps. What it finds it publishes as events:
 *
 * <ul>
 *   <li>{@link SecretEventType#SLO_BREACHED} and {@link SecretEventType#SLO_RECOVERED}, once per transition, for
 *       declared secrets;
 *   <li>{@link SecretEventType#ROTATION_TOO_FREQUENT}: more than {@link SignalThresholds#versionsPerCadence()} new
 *       versions within one declared rotation cadence;
 *   <li>{@link SecretEventType#UNEXPECTED_VERSION}: a new version found by a poll or probe (or a refresh the source
 *       asked for) of a static secret without a known rotation date, or replacing a leased secret before its renewal
 *       point (the earliest its planned refresh can fall: {@code leaseFraction - leaseJitter} of the lease);
 *   <li>{@link SecretEventType#ACCESS_DENIED_BURST}: {@link SignalThresholds#deniedBurst()} or more access denied
 *       failures from one source within {@link SignalThresholds#deniedWindow()};
 *   <li>{@link SecretEventType#CONSUMER_REFUSING}: {@link SignalThresholds#refusals()} refusals in a row of a secret's
 *       new versions, by its validators or by one consumer;
 *   <li>{@link SecretEventType#UNDECLARED_READ}: a held secret no declaration names, when at least one is declared;
 *       once per ref, at most {@link SignalThresholds#maxUndeclared()} refs remembered;
 *   <li>{@link SecretEventType#READ_RATE_SPIKE}: after {@link SignalThresholds#spikeWarmup()} evaluations, an interval
 *       with at least {@link SignalThresholds#spikeMinReads()} reads and more than {@link
 *       SignalThresholds#spikeFactor()} times the secret's exponentially weighted moving average read rate (weight
 *       {@value #EWMA_ALPHA} for the newest interval). Reads are counted by a plain, racy per-entry counter that the
 *       read path bumps without a lock, an allocation or a clock read, only while this monitor runs; the evaluation
 *       samples it, so a lost increment only blurs the count.
 * </ul>
 *
 * The thresholds are the client's {@link SignalThresholds}, set once before the monitor starts. Every per-secret
 * state lives as long as its entry is held, so the memory is bounded by the engine's cache.
 * Thread-safe: evaluations, swaps and events arrive on engine threads and meet under this object's lock; events are
 * published after it is released.
 */
final class SloMonitor implements SecretEventListener, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SloMonitor.class);

    /** The evaluation interval when the application declares secrets and sets none. */
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);

    static final double EWMA_ALPHA = 0.2;
    /** The most refusal runs followed at once (they are cleared for secrets no longer held). */
    private static final int MAX_REFUSAL_KEYS = 10_000;

    private final Engine engine;
    private final Map<SecretRef, SecretDeclaration> declarations;
    private volatile Duration interval; // null while off
    private volatile SignalThresholds thresholds = SignalThresholds.defaults();
    // guarded by this
    private final Map<Entry, Watch> watches = new IdentityHashMap<>();
    private final Set<SecretRef> undeclared = new HashSet<>();
    private final Map<String, long[]> denials = new HashMap<>();
    private final Set<String> inBurst = new HashSet<>();
    private final Map<String, Integer> refusals = new HashMap<>();
    private Cancellable task;
    private volatile boolean countReads;

    SloMonitor(Engine engine, Map<SecretRef, SecretDeclaration> declarations) {
        this.engine = engine;
        this.declarations = declarations;
    }

    /** Sets the signals' thresholds; called once, before the client is published. */
    void thresholds(SignalThresholds t) {
        this.thresholds = java.util.Objects.requireNonNull(t, "signalThresholds");
    }

    /** Starts the periodic evaluation every {@code every}. */
    synchronized void start(Duration every) {
        if (interval != null || engine.isClosed()) {
            return;
        }
        interval = every;
        task = engine.scheduler.schedule(this, every);
    }

    synchronized void stop() {
        if (task != null) {
            task.cancel();
            task = null;
        }
    }

    boolean enabled() {
        return interval != null;
    }

    /**
     * Whether entries count their reads for the read-rate signal: only when asked for, because every read then writes
     * to its entry, and readers of one secret on several cores contend for that line (several times slower reads).
     */
    synchronized void countReads(boolean count) {
        this.countReads = count;
    }

    boolean countsReads() {
        return countReads && interval != null;
    }

    @Override
    public void run() {
        if (engine.isClosed()) {
            return;
        }
        try {
            publishAll(evaluate());
        } catch (RuntimeException e) {
            LOG.warn(
                    "Rotor freshness evaluation failed with {}; it runs again next interval",
                    e.getClass().getName());
        } finally {
            synchronized (this) {
                if (!engine.isClosed() && task != null) {
                    task = engine.scheduler.schedule(this, interval);
                }
            }
        }
    }

    // ---- the periodic evaluation ----

    private List<SecretEvent> evaluate() {
        Instant now = engine.time.now();
        long nanos = engine.time.nanoTime();
        // the entries' own state first, outside this lock: an entry's lock is never taken while this one is held
        Map<Entry, InventoryEntry> declared = new IdentityHashMap<>();
        List<Entry> held = new ArrayList<>(engine.held());
        for (Entry e : held) {
            SecretDeclaration d = declarations.get(e.ref);
            if (d != null) {
                declared.put(e, e.inventory(d, now));
            }
        }
        List<SecretEvent> out = new ArrayList<>();
        SignalThresholds t = thresholds;
        synchronized (this) {
            Set<Entry> present = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Entry e : held) {
                present.add(e);
                Watch w = watch(e);
                SecretDeclaration d = declarations.get(e.ref);
                if (d == null && !declarations.isEmpty() && !w.undeclaredReported) {
                    w.undeclaredReported = true;
                    if (undeclared.size() < t.maxUndeclared() && undeclared.add(e.ref)) {
                        out.add(event(SecretEventType.UNDECLARED_READ, e, now)
                                .detail("no declaration names this secret")
                                .build());
                    }
                }
                if (d != null) {
                    sloTransition(e, declared.get(e), w, now, out);
                }
                readRate(e, w, nanos, now, t, out);
            }
            watches.keySet().retainAll(present);
            if (refusals.size() > MAX_REFUSAL_KEYS) {
                refusals.clear();
            }
            for (String source : new ArrayList<>(inBurst)) {
                long[] ring = denials.get(source);
                if (ring == null || nanos - newest(ring) > t.deniedWindow().toNanos()) {
                    inBurst.remove(source);
                }
            }
        }
        return out;
    }

    private void sloTransition(Entry e, InventoryEntry inv, Watch w, Instant now, List<SecretEvent> out) {
        SecretSlo.Breach breach = inv.slo().breach().orElse(null);
        if (breach != null && w.breach == null) {
            out.add(event(SecretEventType.SLO_BREACHED, e, now)
                    .version(inv.version().orElse(null))
                    .detail(breach.name().toLowerCase(java.util.Locale.ROOT))
                    .build());
        } else if (breach == null && w.breach != null) {
            out.add(event(SecretEventType.SLO_RECOVERED, e, now)
                    .version(inv.version().orElse(null))
                    .detail("was " + w.breach.name().toLowerCase(java.util.Locale.ROOT))
                    .build());
        }
        w.breach = breach;
    }

    private void readRate(Entry e, Watch w, long nanos, Instant now, SignalThresholds t, List<SecretEvent> out) {
        if (!e.countReads) {
            return;
        }
        int reads = e.reads;
        int delta = reads - w.lastReads; // wraps correctly past Integer.MAX_VALUE
        long elapsed = nanos - w.lastSampleNanos;
        w.lastReads = reads;
        w.lastSampleNanos = nanos;
        if (elapsed <= 0 || delta < 0) {
            return;
        }
        double rate = delta * 1e9 / elapsed;
        boolean spike = w.samples >= t.spikeWarmup() && delta >= t.spikeMinReads() && rate > t.spikeFactor() * w.ewma;
        if (spike && !w.inSpike) {
            out.add(event(SecretEventType.READ_RATE_SPIKE, e, now)
                    .detail(String.format(
                            java.util.Locale.ROOT, "%.1f reads/s against a baseline of %.1f reads/s", rate, w.ewma))
                    .build());
        }
        w.inSpike = spike;
        w.ewma = w.samples == 0 ? rate : w.ewma + EWMA_ALPHA * (rate - w.ewma);
        w.samples++;
    }

    // ---- what the engine reports between evaluations ----

    /** A new version replaced {@code old} in {@code e}; runs on the engine thread of the swap, outside its lock. */
    void swapped(Entry e, Secret old, Secret fresh, FetchReason reason) {
        if (interval == null || old == null) {
            return;
        }
        Instant now = engine.time.now();
        List<SecretEvent> out = new ArrayList<>();
        if (reason == FetchReason.REFRESH && unscheduled(old, now, e.rules.policy)) {
            out.add(event(SecretEventType.UNEXPECTED_VERSION, e, now)
                    .version(fresh.version())
                    .previousVersion(old.version())
                    .detail(
                            old.lease().isPresent()
                                    ? "leased secret replaced before its renewal point"
                                    : "new version without a known rotation date")
                    .build());
        }
        SecretDeclaration d = declarations.get(e.ref);
        Duration cadence = d == null ? null : d.rotationCadence().orElse(null);
        if (cadence != null) {
            int most = thresholds.versionsPerCadence();
            synchronized (this) {
                Watch w = watch(e);
                w.swaps.addLast(now);
                while (w.swaps.size() > most + 1) {
                    w.swaps.removeFirst();
                }
                boolean tooMany = w.swaps.size() > most
                        && Duration.between(w.swaps.peekFirst(), now).compareTo(cadence) < 0;
                if (tooMany && !w.tooFrequent) {
                    out.add(event(SecretEventType.ROTATION_TOO_FREQUENT, e, now)
                            .version(fresh.version())
                            .detail((most + 1) + " versions within " + Duration.between(w.swaps.peekFirst(), now)
                                    + ", declared cadence " + cadence)
                            .build());
                }
                w.tooFrequent = tooMany;
            }
        }
        publishAll(out);
    }

    /**
     * Whether a change found by a refresh was one nobody planned: the old version was static without a rotation date,
     * or leased and replaced before the earliest point its own refresh could fall.
     */
    static boolean unscheduled(Secret old, Instant now, RefreshPolicy policy) {
        Lease lease = old.lease().orElse(null);
        if (lease == null) {
            return old.nextRotation().isEmpty();
        }
        long ttl = lease.duration().toNanos();
        long earliest = (long) (ttl * Math.max(0, policy.leaseFraction() - policy.leaseJitter()));
        return now.isBefore(lease.issuedAt().plusNanos(earliest));
    }

    @Override
    public void onEvent(SecretEvent ev) {
        if (interval == null) {
            return;
        }
        List<SecretEvent> out = new ArrayList<>(0);
        String source = ev.source().orElse("unknown");
        SecretRef ref = ev.ref().orElse(null);
        synchronized (this) {
            switch (ev.type()) {
                case REFRESH_FAILED:
                case AUTH_FAILED:
                    if (SecretAccessDeniedException.class
                            .getName()
                            .equals(ev.errorClass().orElse(null))) {
                        denied(source, ev, out);
                    }
                    break;
                case REJECTED:
                    if (ref != null) {
                        refused("validators " + ref, ev, "validators vetoed", out);
                    }
                    break;
                case ROTATED:
                    if (ref != null) {
                        refusals.remove("validators " + ref);
                    }
                    break;
                case HANDED_OVER:
                    if (ref != null) {
                        String key = "consumer " + source + " " + ref;
                        if (ev.outcome() == SecretEvent.Outcome.FAILURE) {
                            refused(key, ev, source + " refused", out);
                        } else {
                            refusals.remove(key);
                        }
                    }
                    break;
                default:
                    break;
            }
        }
        publishAll(out);
    }

    /** Guarded by this. */
    private void denied(String source, SecretEvent ev, List<SecretEvent> out) {
        long now = engine.time.nanoTime();
        SignalThresholds t = thresholds;
        long[] ring = denials.computeIfAbsent(source, s -> {
            long[] r = new long[t.deniedBurst()];
            java.util.Arrays.fill(r, Long.MIN_VALUE);
            return r;
        });
        System.arraycopy(ring, 1, ring, 0, ring.length - 1);
        ring[ring.length - 1] = now;
        boolean burst =
                ring[0] != Long.MIN_VALUE && now - ring[0] <= t.deniedWindow().toNanos();
        if (burst && inBurst.add(source)) {
            SecretEvent.Builder b = SecretEvent.builder(SecretEventType.ACCESS_DENIED_BURST, ev.time())
                    .source(source)
                    .detail(t.deniedBurst() + " access denied answers within " + t.deniedWindow());
            ev.ref().ifPresent(b::ref);
            out.add(b.build());
        } else if (!burst) {
            inBurst.remove(source);
        }
    }

    /** Guarded by this. */
    private void refused(String key, SecretEvent ev, String who, List<SecretEvent> out) {
        int n = refusals.merge(key, 1, Integer::sum);
        if (n == thresholds.refusals()) {
            SecretEvent.Builder b = SecretEvent.builder(SecretEventType.CONSUMER_REFUSING, ev.time())
                    .source(ev.source().orElse(null))
                    .detail(who + " " + n + " versions in a row");
            ev.ref().ifPresent(b::ref);
            ev.version().ifPresent(b::version);
            out.add(b.build());
        }
    }

    // ---- parts ----

    /** Guarded by this. */
    private Watch watch(Entry e) {
        return watches.computeIfAbsent(e, k -> new Watch(k.reads, engine.time.nanoTime()));
    }

    private static long newest(long[] ring) {
        return ring[ring.length - 1];
    }

    private SecretEvent.Builder event(SecretEventType type, Entry e, Instant now) {
        return SecretEvent.builder(type, now).ref(e.ref).source(e.gate.name());
    }

    private void publishAll(List<SecretEvent> out) {
        for (SecretEvent ev : out) {
            engine.publish(ev);
        }
    }

    /** What the monitor follows for one held secret. Guarded by the monitor. */
    private static final class Watch {
        SecretSlo.Breach breach;
        boolean undeclaredReported;
        int lastReads;
        long lastSampleNanos;
        double ewma;
        int samples;
        boolean inSpike;
        final ArrayDeque<Instant> swaps = new ArrayDeque<>();
        boolean tooFrequent;

        Watch(int reads, long nanos) {
            this.lastReads = reads;
            this.lastSampleNanos = nanos;
        }
    }

    /**
     * The freshness objective of one secret (see {@link SecretSlo} for the rules), from what the entry holds.
     *
     * @param held the version held, servable or not; null before the first load
     * @param loadFailed whether nothing is held because the first load failed
     * @param checkedAt when the store last confirmed the version held; null when unknown
     */
    static SecretSlo slo(
            Secret held,
            boolean servable,
            boolean loadFailed,
            Instant checkedAt,
            Duration maxAge,
            RefreshPolicy policy,
            Instant now) {
        if (held == null) {
            return loadFailed ? new SecretSlo(SecretSlo.Breach.NOT_LOADED, null, null, null) : SecretSlo.unused();
        }
        Duration age = Duration.between(held.fetchedAt(), now);
        Instant checked = checkedAt == null ? held.fetchedAt() : checkedAt;
        Duration since = Duration.between(checked, now);
        Lease lease = held.lease().orElse(null);
        Duration left = lease == null ? null : Duration.between(now, lease.expiresAt());
        SecretSlo.Breach breach = null;
        if (!servable) {
            breach = SecretSlo.Breach.EXPIRED;
        } else if (maxAge != null && age.compareTo(maxAge) > 0) {
            breach = SecretSlo.Breach.MAX_AGE;
        } else if (lease != null) {
            long margin = (long) (lease.duration().toNanos() * (1 - policy.leaseFraction()) / 2);
            if (left.toNanos() < margin) {
                breach = SecretSlo.Breach.LEASE_ENDING;
            }
        } else {
            Instant base = checked;
            Instant rotation = held.nextRotation().orElse(null);
            if (rotation != null && rotation.isAfter(base)) {
                base = rotation;
            }
            Instant hint = held.checkAgainAt().orElse(null);
            if (hint != null && hint.isAfter(base)) {
                base = hint;
            }
            if (now.isAfter(base.plus(policy.pollInterval().multipliedBy(2)))) {
                breach = SecretSlo.Breach.CHECK_OVERDUE;
            }
        }
        return new SecretSlo(breach, age, since, left);
    }
}
