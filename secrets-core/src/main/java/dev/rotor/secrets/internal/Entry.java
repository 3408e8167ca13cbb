package dev.rotor.secrets.internal;

import dev.rotor.secrets.Criticality;
import dev.rotor.secrets.FlightObserver;
import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.Lease;
import dev.rotor.secrets.LeaseExpiredException;
import dev.rotor.secrets.Scheduler.Cancellable;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretDeclaration;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretExpiredException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretListener;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.SecretState;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.Subscription;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.VersionProbe;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One secret's state: the version in service, the one flight to the source (single flight), the scheduled refresh
 * and expiry, the watchers and their serial delivery queue.
 *
 * <p>{@link #current} is written only under the entry's lock and read without one. Deliveries are queued under the
 * same lock, so they run in swap order.
 */
final class Entry implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Entry.class);

    final SecretRef ref;
    final SourceGate gate;
    /** The timing rules of this secret's policy (the source's, or the declared secret's own). */
    final RefreshRules rules;
    /** Null before the first load, the {@link Secret} in service, or an {@link Expired} one. */
    volatile Object current;

    /**
     * The {@code String} of the version in service once a read asked for it ({@link #value()}), so that a read by ref
     * loads the entry and nothing more; null until then, and cleared before {@link #current} changes.
     */
    volatile String currentValue;

    volatile boolean pinned;

    /** Set by reads, cleared when the engine replays them to the cache (see Engine#replayReads); racy on purpose. */
    boolean recentlyRead;

    /**
     * Reads since the entry was made: a plain field bumped by every read without a lock, an allocation or a clock read,
     * so concurrent reads may lose increments; {@link SloMonitor} samples it for the read rate. Wraps around.
     */
    int reads;

    /**
     * Whether reads bump {@link #reads}: only while the engine's monitor runs (it is started before the first entry
     * is made), so that a client without monitoring keeps reads that write nothing to shared memory.
     */
    final boolean countReads;

    /** Whether this entry's next call waits for its source's request budget; written by the gate. */
    volatile boolean waitingForBudget;

    private volatile CompletableFuture<Secret> flight;
    private volatile boolean rotateNext;

    private static final VarHandle FLIGHT;

    static {
        try {
            FLIGHT = MethodHandles.lookup().findVarHandle(Entry.class, "flight", CompletableFuture.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    // guarded by this
    private Cancellable refreshTask;
    private long nextRefreshEpochNanos = NONE;
    private long checkedEpochNanos = NONE; // when the store last confirmed the version held
    private Extra extra; // what most entries never need: created on first use

    Entry(SecretRef ref, SourceGate gate, RefreshRules rules) {
        this.ref = ref;
        this.gate = gate;
        this.rules = rules;
        this.countReads = gate.engine.monitor.countsReads();
    }

    /**
     * The scheduled refresh: starts one (or joins the one under way). Runs on the scheduler; does not block. From here
     * until a new version is in service, the held lease's hard deadline is armed (see {@link #scheduleAfter}).
     */
    @Override
    public void run() {
        armHardDeadline();
        startFlight(FetchReason.REFRESH);
    }

    // ---- reads ----

    Secret read() {
        Object c = current;
        if (c instanceof Secret) {
            return (Secret) c;
        }
        if (c == null) {
            return readCold();
        }
        return readExpired((Expired) c);
    }

    /**
     * Nothing loaded yet. After a failed first load, reads until the retry falls due fail at once with that failure:
     * no new call, no new event (a cold secret read by many threads while the store fails would otherwise cost one call
     * and one audit line per read).
     */
    private Secret readCold() {
        SecretException last = coldFailureInForce();
        if (last != null) {
            throw last;
        }
        return await(startFlight(FetchReason.INITIAL));
    }

    /** The failure of the last first load while its retry has not fallen due yet; null otherwise. */
    private SecretException coldFailureInForce() {
        ColdFailure last;
        synchronized (this) {
            last = extra == null ? null : extra.coldFailure;
        }
        return last != null && gate.engine.time.nanoTime() - last.retryAtNanos < 0 ? last.failure : null;
    }

    /** The failure of the last first-load attempt, and when the next may start (on the monotonic clock). */
    private static final class ColdFailure {
        final SecretException failure;
        final long retryAtNanos;

        ColdFailure(SecretException failure, long retryAtNanos) {
            this.failure = failure;
            this.retryAtNanos = retryAtNanos;
        }
    }

    /** The version held, servable or not; null before the first load. */
    Secret version() {
        Object c = current;
        return c instanceof Expired ? ((Expired) c).secret : (Secret) c;
    }

    private Secret readExpired(Expired s) {
        Instant expiredAt = s.expiredAt;
        boolean allowed = gate.engine.stale.servesStale();
        if (allowed && expiredAt != null && gate.engine.stale.maxStaleness().isPresent()) {
            allowed = gate.engine
                    .time
                    .now()
                    .isBefore(expiredAt.plus(gate.engine.stale.maxStaleness().get()));
        }
        if (!allowed) {
            throw new SecretExpiredException(
                    "lease of version " + s.secret.version() + " ended at " + expiredAt
                            + " and no newer version could be loaded",
                    ref,
                    gate.name());
        }
        if (!s.staleReported.get() && s.staleReported.compareAndSet(false, true)) {
            publish(event(SecretEventType.STALE_SERVED, s.secret).detail("lease ended at " + expiredAt));
        }
        return s.secret;
    }

    /**
     * The value of the version in service as a {@code String} ({@link Secret#value()}), kept in the entry once asked
     * for. A read that raced a swap may keep the old version's String for the instant until it sees the swap and
     * clears it again: what a read made just before the swap would have answered.
     */
    String value() {
        Object c = current;
        Secret s = c instanceof Secret ? (Secret) c : read();
        String v = s.value();
        if (s == c) {
            currentValue = v;
            if (current != c) {
                currentValue = null;
            }
        }
        return v;
    }

    Secret await(CompletableFuture<Secret> f) {
        return Engine.await(f, ref, gate.name(), rules.policy.loadTimeout());
    }

    // ---- single flight ----

    /** Starts a flight for {@code reason}, or joins the one under way. */
    CompletableFuture<Secret> startFlight(FetchReason reason) {
        for (; ; ) {
            CompletableFuture<Secret> current = flight;
            if (current != null) {
                return current;
            }
            CompletableFuture<Secret> mine = new CompletableFuture<>();
            if (FLIGHT.compareAndSet(this, null, mine)) {
                // A first load that ended between the caller's look at the entry and this claim has set its version,
                // or its failure, before it let go of the flight: answer with that instead of loading again.
                if (reason == FetchReason.INITIAL) {
                    Object held = this.current;
                    SecretException failed = held == null ? coldFailureInForce() : null;
                    if (held instanceof Secret || failed != null) {
                        finishFlight(mine, held instanceof Secret ? (Secret) held : null, failed);
                        return mine;
                    }
                }
                SourceGate.Priority priority = priority(reason);
                gate.submit(priority, () -> runFlight(reason, mine), this, urgentAt(priority), inLineSince());
                return mine;
            }
        }
    }

    /**
     * A version whose lease has ended or is about to end, a re-issue or a compromise goes first; a first load or a
     * refresh the application asked for next (a caller waits); then a renewal of a lease, a rotation (early, or after a
     * known rotation date), and a poll of a static secret last.
     */
    private SourceGate.Priority priority(FetchReason reason) {
        Object c = current;
        if (c == null || reason == FetchReason.INITIAL || reason == FetchReason.MANUAL) {
            return SourceGate.Priority.FIRST_LOAD;
        }
        if (c instanceof Expired || reason == FetchReason.REISSUE || reason == FetchReason.COMPROMISED) {
            return SourceGate.Priority.LEASE;
        }
        if (reason == FetchReason.ROTATE_EARLY) {
            return SourceGate.Priority.ROTATION;
        }
        Secret held = (Secret) c;
        Lease lease = held.lease().orElse(null);
        if (lease != null) {
            return urgentAt(lease) - gate.engine.time.nanoTime() <= 0
                    ? SourceGate.Priority.LEASE
                    : SourceGate.Priority.RENEWAL;
        }
        Instant rotation = held.nextRotation().orElse(null);
        if (rotation != null && !gate.engine.time.now().isBefore(rotation)) {
            return SourceGate.Priority.ROTATION;
        }
        return SourceGate.Priority.POLL;
    }

    /**
     * Where a call joins the line for the budget within its priority (monotonic clock): a retry where its look first
     * started, so that calls due later do not pass it again and again while the store throttles; otherwise now.
     */
    private synchronized long inLineSince() {
        return extra != null && extra.failures > 0 ? extra.lookStartedNanos : gate.engine.time.nanoTime();
    }

    /** From when (monotonic clock) a call of this priority stops waiting for the budget: its lease is about to end. */
    private long urgentAt(SourceGate.Priority priority) {
        if (!priority.mayWait()) {
            return Long.MIN_VALUE;
        }
        Secret held = version();
        Lease lease = held == null ? null : held.lease().orElse(null);
        return lease == null ? Long.MAX_VALUE : urgentAt(lease);
    }

    /**
     * A lease is about to end once less than half of what remains after its planned refresh is left (with the
     * defaults: the last sixth of it): from then on its refresh no longer waits for the budget.
     */
    private long urgentAt(Lease lease) {
        long ttl = lease.duration().toNanos();
        long margin = (long) (ttl * (1 - rules.policy.leaseFraction()) / 2);
        long untilEnd = SystemScheduler.saturatedNanos(Duration.between(gate.engine.time.now(), lease.expiresAt()));
        long now = gate.engine.time.nanoTime();
        return now + Math.max(untilEnd - margin, 0);
    }

    /** The refresh under way, or null. */
    CompletableFuture<Secret> flightUnderWay() {
        return flight;
    }

    /** Claims the flight for a batch load; null when one is already under way. */
    CompletableFuture<Secret> claimFlight() {
        CompletableFuture<Secret> mine = new CompletableFuture<>();
        return FLIGHT.compareAndSet(this, null, mine) ? mine : null;
    }

    private void runFlight(FetchReason reason, CompletableFuture<Secret> mine) {
        Secret result = null;
        Throwable failure = null;
        try {
            if (gate.engine.isClosed()) {
                throw new dev.rotor.secrets.SecretConfigurationException("Secrets client is closed", ref, gate.name());
            }
            result = refreshOnce(reason);
        } catch (Throwable t) {
            failure = t;
        }
        finishFlight(mine, result, failure);
    }

    private void finishFlight(CompletableFuture<Secret> mine, Secret result, Throwable failure) {
        FLIGHT.compareAndSet(this, mine, null);
        if (failure != null) {
            mine.completeExceptionally(failure);
        } else {
            mine.complete(result);
        }
    }

    /** Loads several entries with one batch call; entries the answer leaves out are fetched singly. */
    static void runBatch(SourceGate gate, List<Entry> batch) {
        List<SecretRef> refs = new ArrayList<>();
        for (Entry e : batch) {
            refs.add(e.ref);
        }
        long t0 = gate.engine.time.nanoTime();
        Map<SecretRef, Secret> answer;
        try {
            answer = Observed.call(gate.engine.observer(), FlightObserver.Kind.REFRESH, gate, null, () -> gate.source()
                    .fetchAll(refs));
        } catch (SecretException ex) {
            answer = Map.of();
        }
        for (Entry e : batch) {
            CompletableFuture<Secret> mine = e.flight;
            Secret result = null;
            Throwable failure = null;
            try {
                Secret got = answer.get(e.ref);
                if (got != null) {
                    e.checkAnswer(got);
                    e.validate(got, null);
                    e.swap(got, null, FetchReason.INITIAL, t0);
                    result = got;
                } else {
                    result = e.refreshOnce(FetchReason.INITIAL);
                }
            } catch (Throwable t) {
                failure = t;
                if (!(t instanceof SecretException)) {
                    failure = gate.map(e.ref, t);
                }
            }
            if (mine != null) {
                e.finishFlight(mine, result, failure);
            }
        }
    }

    // ---- the refresh itself ----

    /** One refresh: renew, probe or fetch; answers the version in service afterwards. Runs on an engine thread. */
    Secret refreshOnce(FetchReason requested) {
        long t0 = gate.engine.time.nanoTime();
        Secret old = version();
        FetchReason reason = requested;
        try {
            if (old == null) {
                reason = reason == FetchReason.COMPROMISED ? reason : FetchReason.INITIAL;
            } else if (reason == FetchReason.REFRESH) {
                synchronized (this) {
                    reason = extra == null ? FetchReason.REFRESH : extra.nextReason;
                }
                Lease lease = old.lease().orElse(null);
                if (lease != null && !gate.engine.time.now().isBefore(lease.expiresAt())) {
                    reason = FetchReason.REISSUE;
                }
            }
            if (old != null && reason == FetchReason.REFRESH) {
                Lease lease = old.lease().orElse(null);
                if (lease != null
                        && lease.renewable()
                        && lease.id().isPresent()
                        && gate.supports(SourceCapability.RENEW)) {
                    return renew(old, lease, t0);
                }
                boolean newerKnown;
                synchronized (this) {
                    newerKnown = extra != null && extra.newerSeen;
                }
                // A probe that saw a newer version whose fetch then failed has done its job: the retry fetches at
                // once, instead of paying a probe again (under a quota, probe and fetch back to back may never both
                // find room, and the change would never be picked up).
                // The look just after a rotation date the store announced expects a new version: it fetches at once,
                // one call instead of a probe and a fetch (a fleet's herd after a rotation is half as large).
                if (lease == null
                        && !newerKnown
                        && !lookAfterAnnouncedRotation(old)
                        && gate.supports(SourceCapability.PROBE_VERSION)) {
                    Optional<VersionProbe> probed = Observed.call(
                            gate.engine.observer(), FlightObserver.Kind.REFRESH, gate, ref, () -> gate.source()
                                    .probe(ref));
                    if (probed.isPresent() && probed.get().version().equals(old.version())) {
                        Secret held = withProbedRotation(old, probed.get());
                        succeededWithoutChange(held, probed.get().checkAgainAt().orElse(null));
                        return held;
                    }
                    if (probed.isPresent()) {
                        synchronized (this) {
                            extra().newerSeen = true;
                        }
                        gate.charge(); // the fetch that follows is a second call of this one task
                    }
                }
            }
            return fetchAndSwap(reason, old, t0);
        } catch (Throwable t) {
            SecretException se = gate.map(ref, t);
            failed(se, old, reason, t0);
            throw se;
        }
    }

    /**
     * The version held, with the rotation date a probe of it announced when that is news (set or moved since the
     * fetch): the look after the date is then planned, and spread, as for a date a fetch told.
     */
    private Secret withProbedRotation(Secret old, VersionProbe probe) {
        Instant announced = probe.nextRotation().orElse(null);
        if (announced == null || announced.equals(old.nextRotation().orElse(null))) {
            return old;
        }
        synchronized (this) {
            if (current != old) {
                return old;
            }
            Secret updated = old.withNextRotation(announced);
            currentValue = null;
            current = updated;
            return updated;
        }
    }

    /** Whether now is within one poll interval after the rotation date {@code held} announced. */
    private boolean lookAfterAnnouncedRotation(Secret held) {
        Instant rotation = held.nextRotation().orElse(null);
        if (rotation == null) {
            return false;
        }
        Instant now = gate.engine.time.now();
        return !now.isBefore(rotation) && now.isBefore(rotation.plus(rules.policy.pollInterval()));
    }

    private Secret renew(Secret old, Lease lease, long t0) {
        Duration base;
        synchronized (this) {
            Duration known = extra == null ? null : extra.baseLeaseDuration;
            base = known == null ? lease.duration() : known;
        }
        Lease renewed;
        try {
            renewed = Observed.call(gate.engine.observer(), FlightObserver.Kind.RENEWAL, gate, ref, () -> gate.source()
                    .renew(ref, lease, base));
        } catch (LeaseExpiredException e) {
            synchronized (this) {
                extra().nextReason = FetchReason.REISSUE;
            }
            publish(event(SecretEventType.REFRESH_FAILED, old)
                    .failure(e)
                    .detail("lease unknown to source; re-issuing"));
            return fetchAndSwap(FetchReason.REISSUE, old, t0);
        }
        if (renewed == null) {
            throw new SecretFormatException("source answered a renewal without a lease", ref, gate.name());
        }
        Secret updated = old.withLease(renewed);
        Duration threshold = rules.renewalThreshold(base);
        boolean capped = rules.renewalStopsPaying(base, renewed);
        synchronized (this) {
            currentValue = null;
            current = updated;
            succeeded();
            if (!renewed.duration().equals(base)) {
                extra().baseLeaseDuration = base; // the renewed lease's own duration is no longer the base
            }
        }
        publish(event(SecretEventType.RENEWED, updated)
                .duration(elapsed(t0))
                .detail(capped ? "renewal capped below " + threshold + "; rotating early" : null));
        if (capped) {
            synchronized (this) {
                extra().nextReason = FetchReason.ROTATE_EARLY;
            }
            return fetchAndSwap(FetchReason.ROTATE_EARLY, updated, t0);
        }
        scheduleAfterSuccess(updated);
        return updated;
    }

    /** The next fetch of this entry asks the source to rotate first (a rotation drill); cleared by that fetch. */
    void rotateOnNextFetch() {
        rotateNext = true;
    }

    /** Withdraws a rotation request that no fetch took up (the drill joined a flight that had already fetched). */
    void withdrawRotation() {
        rotateNext = false;
    }

    private Secret fetchAndSwap(FetchReason reason, Secret old, long t0) {
        Secret fresh = null;
        boolean drillRotation = rotateNext;
        if (drillRotation) {
            rotateNext = false;
        }
        if (drillRotation && reason != FetchReason.COMPROMISED && gate.supports(SourceCapability.ROTATE)) {
            // a refusal fails this fetch: the drill reports it, and the version in service stays
            fresh = gate.call(ref, () -> gate.source().rotate(ref));
        } else if (reason == FetchReason.COMPROMISED && gate.supports(SourceCapability.ROTATE)) {
            try {
                fresh = Observed.call(
                        gate.engine.observer(), FlightObserver.Kind.ROTATION, gate, ref, () -> gate.source()
                                .rotate(ref));
            } catch (SecretException refused) {
                // The store would not rotate (no rotation function, one already under way, not allowed): say so, and
                // what to do, then re-read what it holds; the compromised version is watched until it is replaced.
                SecretEvent.Builder ev = SecretEvent.builder(SecretEventType.COMPROMISED, gate.engine.time.now())
                        .ref(ref)
                        .source(gate.name())
                        .failure(refused)
                        .detail("the store refused to rotate; rotate the secret in the store (Rotor re-reads it now"
                                + " and every " + COMPROMISED_RECHECK.toSeconds()
                                + " s until the compromised version is replaced)");
                if (old != null) {
                    ev.version(old.version());
                }
                publish(ev);
            }
        }
        if (fresh == null) {
            FetchReason r = reason;
            fresh = Observed.call(gate.engine.observer(), Observed.fetchKind(r, old), gate, ref, () -> gate.source()
                    .fetch(FetchRequest.of(ref, r, old == null ? null : old.version())));
        }
        checkAnswer(fresh);
        if (old != null && fresh.version().equals(old.version())) {
            if (reason == FetchReason.COMPROMISED) {
                // the store still serves the compromised version (its rotation runs later): keep serving it, watched
                Instant hint = fresh.checkAgainAt().orElse(null);
                fresh.wipe();
                succeededWithoutChange(old, hint);
                return old;
            }
            if (fresh.lease().equals(old.lease()) || fresh.lease().isEmpty()) {
                Instant hint = fresh.checkAgainAt().orElse(null);
                fresh.wipe();
                succeededWithoutChange(old, hint);
                return old;
            }
            // Same values, new lease (a re-read of static credentials): serve it without a hand-over.
            synchronized (this) {
                currentValue = null;
                current = fresh;
                baseLeaseDuration(fresh);
                succeeded();
            }
            publish(event(SecretEventType.RENEWED, fresh).duration(elapsed(t0)).detail("same version, new lease"));
            scheduleAfterSuccess(fresh);
            return fresh;
        }
        validate(fresh, old);
        swap(fresh, old, reason, t0);
        return fresh;
    }

    private void checkAnswer(Secret fresh) {
        if (fresh == null) {
            throw new SecretFormatException("source answered no secret", ref, gate.name());
        }
        if (!fresh.ref().equals(ref)) {
            fresh.wipe();
            throw new SecretFormatException("source answered another secret (" + fresh.ref() + ")", ref, gate.name());
        }
    }

    private void validate(Secret fresh, Secret old) {
        for (SecretValidator v : gate.engine.validatorsFor(ref)) {
            try {
                v.validate(fresh, Optional.ofNullable(old));
            } catch (Throwable t) {
                fresh.wipe();
                if (t instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                String why = t instanceof SecretRejectedException
                        ? ((SecretRejectedException) t).reason()
                        : t.getClass().getName();
                throw new SecretRejectedException(
                        v.name() + " vetoed version " + fresh.version() + " (" + why + ")", ref, gate.name());
            }
        }
    }

    /**
     * {@link FetchReason#COMPROMISED} when {@code old} is the version reported compromised (it is revoked and wiped at
     * once, never held), however its replacement arrived; {@code reason} otherwise.
     */
    private synchronized FetchReason compromisedOrElse(Secret old, FetchReason reason) {
        if (extra != null && old.version().equals(extra.compromisedVersion)) {
            extra.compromisedVersion = null;
            return FetchReason.COMPROMISED;
        }
        return reason;
    }

    private void swap(Secret fresh, Secret old, FetchReason reason, long t0) {
        long s;
        List<Watcher> watching;
        synchronized (this) {
            s = extra == null ? 0 : ++extra.seq; // only watchers need the count, and they live in extra
            currentValue = null;
            current = fresh;
            baseLeaseDuration(fresh);
            succeeded();
            watching = extra == null ? List.of() : extra.watchers;
        }
        SecretEvent.Builder ev = event(old == null ? SecretEventType.LOADED : SecretEventType.ROTATED, fresh)
                .duration(elapsed(t0))
                .detail(reason.name().toLowerCase(java.util.Locale.ROOT));
        if (old != null) {
            ev.previousVersion(old.version());
        }
        publish(ev);
        gate.engine.monitor.swapped(this, old, fresh, reason);
        // Swaps of one entry happen only inside its single flight, so deliveries are queued in swap order. A watcher
        // added after the swap above gets this version once, as its initial delivery.
        SerialQueue queue = watching.isEmpty() ? null : deliveryQueue();
        if (old != null) {
            gate.engine.retiring(old);
        }
        Retirement retirement = old == null ? null : new Retirement(old, compromisedOrElse(old, reason));
        for (Watcher w : watching) {
            queue.submit(() -> w.deliver(old, fresh, s, retirement));
        }
        if (retirement != null) {
            // the delivery's own share of the retirement: released once every listener has returned
            if (queue == null) {
                retirement.release();
            } else {
                queue.submit(retirement::release);
            }
        }
        if (old == null) {
            scheduleFirst(fresh);
        } else {
            Instant now = gate.engine.time.now();
            scheduleAfter(
                    fresh,
                    rules.softDeadline(
                            fresh,
                            now,
                            fresh.checkAgainAt().orElse(null),
                            old.nextRotation().orElse(null)),
                    now);
        }
    }

    /**
     * The retirement of one replaced version: it happens when the listeners have returned and every hold taken on
     * the version (see {@link SecretChange#holdPrevious}) has been released or has timed out. Thread-safe.
     */
    private final class Retirement {
        private final Secret old;
        private final FetchReason reason;
        private final AtomicInteger shares = new AtomicInteger(1);
        private final AtomicBoolean done = new AtomicBoolean();

        Retirement(Secret old, FetchReason reason) {
            this.old = old;
            this.reason = reason;
        }

        void release() {
            if (shares.decrementAndGet() == 0 && done.compareAndSet(false, true)) {
                boolean compromised = reason == FetchReason.COMPROMISED;
                retire(old, !compromised, compromised);
            }
        }

        SecretChange.Hold hold(Duration atMost) {
            if (done.get() || reason == FetchReason.COMPROMISED) {
                return () -> {}; // a compromised version is revoked first and never held
            }
            shares.incrementAndGet();
            AtomicBoolean released = new AtomicBoolean();
            Runnable once = () -> {
                if (released.compareAndSet(false, true)) {
                    release();
                }
            };
            Cancellable timeout = gate.engine.scheduler.schedule(once, atMost);
            return () -> {
                timeout.cancel();
                once.run();
            };
        }
    }

    /** After every listener has seen the new version and let go of the old: revoke its lease, later wipe its bytes. */
    private void retire(Secret old, boolean revoke, boolean wipeNow) {
        Optional<Lease> lease = old.lease();
        if (revoke && lease.isPresent() && lease.get().id().isPresent() && gate.supports(SourceCapability.REVOKE)) {
            Runnable doRevoke = () -> gate.submit(SourceGate.Priority.REVOKE, () -> revokeQuietly(old, lease.get()));
            if (rules.policy.revokeDelay().isZero() || wipeNow) {
                doRevoke.run();
            } else {
                gate.engine.scheduler.schedule(doRevoke, rules.policy.revokeDelay());
            }
        }
        if (wipeNow || rules.policy.wipeDelay().isZero()) {
            gate.engine.wipeRetired(old);
        } else {
            gate.engine.scheduler.schedule(() -> gate.engine.wipeRetired(old), rules.policy.wipeDelay());
        }
    }

    private void revokeQuietly(Secret version, Lease lease) {
        long t0 = gate.engine.time.nanoTime();
        try {
            gate.call(ref, () -> {
                gate.source().revoke(ref, lease);
                return null;
            });
            publish(event(SecretEventType.REVOKED, version)
                    .leaseExpiry(lease.expiresAt())
                    .duration(elapsed(t0)));
        } catch (SecretException e) {
            publish(event(SecretEventType.REVOKED, version).failure(e).duration(elapsed(t0)));
        }
    }

    /** {@code checkAgainAt}: when the source asked to look again (may be null). */
    private void succeededWithoutChange(Secret current, Instant checkAgainAt) {
        synchronized (this) {
            succeeded();
        }
        scheduleAfterSuccess(current, checkAgainAt);
    }

    private void failed(SecretException e, Secret old, FetchReason reason, long t0) {
        int attempt;
        synchronized (this) {
            Extra x = extra();
            attempt = ++x.failures;
            x.lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            x.lastErrorAt = gate.engine.time.now();
            x.throttled = e instanceof SourceThrottledException;
            if (attempt == 1) {
                x.lookStartedNanos = t0; // the look's first failure: its retries keep this place in line
            }
            if (reason == FetchReason.ROTATE_EARLY || reason == FetchReason.REISSUE) {
                x.nextReason = reason;
            }
        }
        Duration retryIn = null;
        if (!gate.engine.isClosed()) {
            Instant hard =
                    old == null ? null : old.lease().map(Lease::expiresAt).orElse(null);
            retryIn = rules.retryDelay(
                    attempt, e.isRetryable(), old != null, hard, gate.engine.time.now(), gate.untilTrial());
            if (e instanceof SourceThrottledException) {
                Duration asked = ((SourceThrottledException) e).retryAfter().orElse(null);
                retryIn = rules.throttledDelay(retryIn, asked);
                gate.throttled(asked);
            }
            if (old != null) {
                armHardDeadline();
                scheduleRefresh(retryIn);
            } else {
                ColdFailure cold = new ColdFailure(e, gate.engine.time.nanoTime() + retryIn.toNanos());
                synchronized (this) {
                    extra().coldFailure = cold;
                }
            }
        }
        SecretEventType type = e instanceof SecretRejectedException
                ? SecretEventType.REJECTED
                : e instanceof SourceThrottledException ? SecretEventType.THROTTLED : SecretEventType.REFRESH_FAILED;
        SecretEvent.Builder ev = SecretEvent.builder(type, gate.engine.time.now())
                .ref(ref)
                .source(gate.name())
                .failure(e)
                .duration(elapsed(t0))
                .detail("attempt " + attempt + (retryIn == null ? "" : ", retry in " + retryIn));
        if (old != null) {
            ev.version(old.version());
            old.lease().ifPresent(l -> ev.leaseExpiry(l.expiresAt()));
        }
        publish(ev);
    }

    // ---- scheduling ----

    private void scheduleAfterSuccess(Secret s) {
        scheduleAfterSuccess(s, s.checkAgainAt().orElse(null));
    }

    /**
     * After the first load: the first look at the store falls anywhere in the whole interval (see {@link
     * RefreshRules#firstSoftDeadline}), so that a fleet started together does not poll and renew together ever after.
     */
    private void scheduleFirst(Secret s) {
        Instant now = gate.engine.time.now();
        scheduleAfter(s, rules.firstSoftDeadline(s, now, s.checkAgainAt().orElse(null)), now);
    }

    private void scheduleAfterSuccess(Secret s, Instant checkAgainAt) {
        Instant now = gate.engine.time.now();
        scheduleAfter(
                s, rules.softDeadline(s, now, checkAgainAt, s.nextRotation().orElse(null)), now);
    }

    /**
     * Schedules the next look at the store, at {@code soft}. The lease's hard deadline needs a task of its own only
     * when something may keep a new version from arriving before it: the next look falls at or after it, a look is
     * under way ({@link #run}) or a call failed. A secret whose next look comes first holds no expiry task between its
     * refreshes (which is most of a leased secret's life, and 80 bytes of scheduler state per leased secret).
     */
    private void scheduleAfter(Secret s, Instant soft, Instant now) {
        Duration delay = Duration.between(now, soft);
        if (isCompromised(s) && delay.compareTo(COMPROMISED_RECHECK) > 0) {
            // a version reported compromised is looked at again soon, until the store has replaced it
            delay = COMPROMISED_RECHECK;
        }
        Instant hard = rules.hardDeadline(s);
        synchronized (this) {
            if (gate.engine.isClosed()) {
                return;
            }
            scheduleRefreshLocked(delay);
            if (hard == null || now.plus(delay).isBefore(hard)) {
                disarmHardDeadlineLocked();
                compactLocked();
            } else {
                armHardDeadlineLocked(hard, now);
            }
        }
    }

    /** Arms the held version's hard deadline, if it has one; a no-op when it is armed already. */
    private void armHardDeadline() {
        synchronized (this) {
            Object c = current;
            if (!(c instanceof Secret) || gate.engine.isClosed()) {
                return;
            }
            Instant hard = rules.hardDeadline((Secret) c);
            if (hard != null) {
                armHardDeadlineLocked(hard, gate.engine.time.now());
            }
        }
    }

    private void armHardDeadlineLocked(Instant hard, Instant now) {
        if (extra != null && extra.expiryTask != null && hard.equals(extra.scheduledHardDeadline)) {
            return;
        }
        Extra x = extra();
        if (x.expiryTask != null) {
            x.expiryTask.cancel();
        }
        x.scheduledHardDeadline = hard;
        Duration until = Duration.between(now, hard);
        x.expiryTask =
                gate.engine.scheduler.schedule(() -> hardDeadline(hard), until.isNegative() ? Duration.ZERO : until);
    }

    private void disarmHardDeadlineLocked() {
        if (extra != null && extra.expiryTask != null) {
            extra.expiryTask.cancel();
            extra.expiryTask = null;
            extra.scheduledHardDeadline = null;
        }
    }

    /** Drops the rarely needed state once nothing is left in it, so a secret that failed once does not keep it. */
    private void compactLocked() {
        Extra x = extra;
        if (x != null
                && x.watchers.isEmpty()
                && x.delivery == null
                && x.expiryTask == null
                && x.failures == 0
                && x.lastError == null
                && !x.throttled
                && !x.newerSeen
                && x.coldFailure == null
                && x.compromisedVersion == null
                && x.baseLeaseDuration == null
                && x.nextReason == FetchReason.REFRESH) {
            extra = null;
        }
    }

    /**
     * The source is back after an outage ({@link Engine}'s recovery): if this secret holds a version and is waiting
     * out a failure's backoff, it looks again at a random point within {@link RefreshRules#recoveryWindow()}, or at its
     * retry if that comes sooner. A secret the store throttled keeps the wait the store asked for.
     */
    void storeRecovered() {
        Duration delay = rules.jitter(rules.recoveryWindow());
        synchronized (this) {
            if (gate.engine.isClosed()
                    || !(current instanceof Secret)
                    || extra == null
                    || extra.failures == 0
                    || extra.throttled
                    || refreshTask == null
                    || flight != null) {
                return;
            }
            long at = epochNanos(gate.engine.time.now().plus(delay));
            if (nextRefreshEpochNanos != NONE && nextRefreshEpochNanos <= at) {
                return;
            }
            scheduleRefreshLocked(delay);
        }
    }

    private synchronized void scheduleRefresh(Duration delay) {
        if (!gate.engine.isClosed()) {
            scheduleRefreshLocked(delay);
        }
    }

    private void scheduleRefreshLocked(Duration delay) {
        if (refreshTask != null) {
            refreshTask.cancel();
        }
        Duration d = delay.isNegative() ? Duration.ZERO : delay;
        nextRefreshEpochNanos = epochNanos(gate.engine.time.now().plus(d));
        refreshTask = gate.engine.scheduler.schedule(this, d);
    }

    private void hardDeadline(Instant deadline) {
        Secret expired;
        synchronized (this) {
            Object c = current;
            if (!(c instanceof Secret) || gate.engine.isClosed()) {
                return;
            }
            Secret held = (Secret) c;
            Instant end = held.lease().map(Lease::expiresAt).orElse(null);
            if (end == null || end.isAfter(deadline)) {
                return;
            }
            currentValue = null;
            current = new Expired(held);
            Extra x = extra();
            x.nextReason = FetchReason.REISSUE;
            expired = held;
            x.expiryTask = null;
            x.scheduledHardDeadline = null;
        }
        publish(event(SecretEventType.EXPIRED, expired)
                .failure(new SecretExpiredException("lease ended without a newer version", ref, gate.name())));
        startFlight(FetchReason.REFRESH);
    }

    synchronized void cancelTasks() {
        if (refreshTask != null) {
            refreshTask.cancel();
            refreshTask = null;
        }
        if (extra != null && extra.expiryTask != null) {
            extra.expiryTask.cancel();
            extra.expiryTask = null;
        }
        nextRefreshEpochNanos = NONE;
    }

    // ---- compromise, close, eviction ----

    Secret compromised() {
        Secret old = version();
        if (old != null) {
            synchronized (this) {
                extra().compromisedVersion = old.version();
            }
        }
        publish(SecretEvent.builder(SecretEventType.COMPROMISED, gate.engine.time.now())
                .ref(ref)
                .source(gate.name())
                .version(old == null ? null : old.version()));
        if (old != null) {
            old.lease()
                    .filter(l -> l.id().isPresent() && gate.supports(SourceCapability.REVOKE))
                    .ifPresent(l -> revokeQuietly(old, l));
        }
        // A flight already under way may bring back the compromised version: wait for it, then fetch anew.
        for (int i = 0; i < 3; i++) {
            CompletableFuture<Secret> running = flight;
            if (running == null) {
                break;
            }
            try {
                running.handle((v, t) -> null)
                        .get(rules.policy.loadTimeout().toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new dev.rotor.secrets.SourceUnavailableException(
                        "interrupted while waiting for a refresh under way", ref, gate.name());
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw Engine.timeout(ref, gate.name(), rules.policy.loadTimeout());
            }
        }
        CompletableFuture<Secret> mine = new CompletableFuture<>();
        CompletableFuture<Secret> f = FLIGHT.compareAndSet(this, null, mine) ? mine : null;
        if (f == null) {
            CompletableFuture<Secret> running = flight;
            f = running == null ? startFlight(FetchReason.COMPROMISED) : running;
        } else {
            gate.submit(SourceGate.Priority.LEASE, () -> runFlight(FetchReason.COMPROMISED, mine));
        }
        return await(f);
    }

    /** Starts the revocation of the lease held, if any; the future completes when it has ended, however it ended. */
    CompletableFuture<Void> revokeOnClose() {
        Secret v = version();
        Lease l = v == null ? null : v.lease().orElse(null);
        if (l == null || l.id().isEmpty() || !gate.supports(SourceCapability.REVOKE)) {
            return null;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        gate.submitAtClose(() -> {
            try {
                revokeQuietly(v, l);
            } finally {
                done.complete(null);
            }
        });
        return done;
    }

    void wipeAll() {
        currentValue = null;
        Secret v = version();
        if (v != null) {
            v.wipe();
        }
    }

    void retireAfterEviction() {
        currentValue = null;
        Secret v = version();
        if (v != null && !gate.engine.isClosed()) {
            gate.engine.retiring(v);
            gate.engine.scheduler.schedule(() -> gate.engine.wipeRetired(v), rules.policy.wipeDelay());
        }
    }

    // ---- watchers ----

    Subscription addWatcher(SecretRef watchedRef, SecretListener listener) {
        Watcher w = new Watcher(watchedRef, listener);
        synchronized (this) {
            Extra x = extra();
            List<Watcher> more = new ArrayList<>(x.watchers);
            more.add(w);
            x.watchers = List.copyOf(more);
            Secret v = version();
            if (v != null) {
                long at = x.seq;
                deliveryQueue().submit(() -> w.deliver(null, v, at, null));
            }
        }
        return () -> {
            w.active = false;
            synchronized (this) {
                Extra x = extra();
                List<Watcher> fewer = new ArrayList<>(x.watchers);
                fewer.remove(w);
                x.watchers = List.copyOf(fewer);
            }
        };
    }

    private synchronized SerialQueue deliveryQueue() {
        Extra x = extra();
        if (x.delivery == null) {
            x.delivery = new SerialQueue(gate.engine.executor);
        }
        return x.delivery;
    }

    private final class Watcher {
        private final SecretRef watchedRef;
        private final SecretListener listener;
        private volatile boolean active = true;
        private long lastSeq = -1; // touched only by the serial delivery queue
        private Secret lastDelivered;

        Watcher(SecretRef watchedRef, SecretListener listener) {
            this.watchedRef = watchedRef;
            this.listener = listener;
        }

        void deliver(Secret previous, Secret current, long at, Retirement retirement) {
            if (!active || at <= lastSeq) {
                return;
            }
            lastSeq = at;
            Secret prev = lastDelivered != null ? lastDelivered : previous;
            lastDelivered = current;
            // a hold retires the version this swap replaced: only offer it when that is the one the listener saw
            SecretChange change = retirement != null && prev == previous
                    ? new SecretChange(watchedRef, prev, current, retirement::hold)
                    : new SecretChange(watchedRef, prev, current);
            try {
                listener.onChange(change);
            } catch (Throwable t) {
                LOG.warn(
                        "Rotor listener {} for {} threw {}; ignored",
                        listener.getClass().getName(),
                        watchedRef,
                        t.getClass().getName());
            }
        }
    }

    // ---- inventory and events ----

    synchronized InventoryEntry inventory(SecretDeclaration d, Instant now) {
        Object c = current;
        boolean servable = c instanceof Secret;
        Secret v = version();
        SecretState state;
        if (v == null) {
            state = SecretState.LOADING;
        } else if (!servable) {
            state = SecretState.EXPIRED;
        } else if (extra != null
                && ((extra.lastError != null && !extra.throttled) || v.version().equals(extra.compromisedVersion))) {
            // a store that throttles is up: the version held is current as far as anyone knows, only its check waits
            state = SecretState.DEGRADED;
        } else {
            state = SecretState.ACTIVE;
        }
        SecretDeclaration decl = d;
        Duration maxAge = decl == null ? null : decl.maxAge().orElse(null);
        boolean fresh = v != null
                && servable
                && (maxAge == null || Duration.between(v.fetchedAt(), now).compareTo(maxAge) <= 0);
        return new InventoryEntry(
                ref,
                gate.name(),
                v == null ? null : v.version(),
                state,
                v == null ? null : v.fetchedAt(),
                v == null ? null : v.lease().map(Lease::expiresAt).orElse(null),
                nextRefreshEpochNanos == NONE ? null : fromEpochNanos(nextRefreshEpochNanos),
                extra == null
                        ? null
                        : extra.lastError != null
                                ? extra.lastError
                                : v != null && v.version().equals(extra.compromisedVersion)
                                        ? "version " + v.version()
                                                + " was reported compromised and is still the store's current one"
                                        : null,
                extra == null || extra.lastError == null ? null : extra.lastErrorAt,
                decl == null ? null : decl.owner().orElse(null),
                maxAge,
                decl != null && decl.required(),
                fresh,
                v == null || checkedEpochNanos == NONE ? null : fromEpochNanos(checkedEpochNanos),
                waitingForBudget,
                decl == null ? Criticality.MEDIUM : decl.criticality(),
                decl == null ? null : decl.rotationCadence().orElse(null),
                SloMonitor.slo(
                        v,
                        servable,
                        extra != null && extra.lastError != null,
                        checkedEpochNanos == NONE ? null : fromEpochNanos(checkedEpochNanos),
                        maxAge,
                        rules.policy,
                        now));
    }

    private static final long NONE = Long.MIN_VALUE;

    /** How often a version reported compromised, and still served by the store, is looked at again. */
    static final Duration COMPROMISED_RECHECK = Duration.ofSeconds(5);

    private synchronized boolean isCompromised(Secret s) {
        return extra != null && s.version().equals(extra.compromisedVersion);
    }

    /** State few entries need (failures, leases, watchers); guarded by the entry's lock. */
    private static final class Extra {
        List<Watcher> watchers = List.of();
        /**
         * Versions swapped in since this state was created; a watcher is added only after it, so the order it delivers
         * in holds. Kept here rather than in the entry, where four bytes would make every entry eight bytes larger.
         */
        int seq;

        SerialQueue delivery;
        Cancellable expiryTask;
        Instant scheduledHardDeadline;
        FetchReason nextReason = FetchReason.REFRESH;
        int failures;
        Duration baseLeaseDuration;
        String lastError;
        Instant lastErrorAt;
        /** Whether the last error was the store throttling (the entry stays ACTIVE). */
        boolean throttled;
        /** Whether a probe saw a version other than the one held, not fetched yet: the retry fetches at once. */
        boolean newerSeen;
        /**
         * While {@link #failures} is above 0: when (monotonic clock) the failing look's first attempt started; its
         * retries queue for the budget from then, keeping their place among calls that became due later.
         */
        long lookStartedNanos;

        ColdFailure coldFailure;
        /** The version reported compromised while it is still in service; null once replaced. */
        String compromisedVersion;
    }

    /** Guarded by this. */
    private Extra extra() {
        if (extra == null) {
            extra = new Extra();
        }
        return extra;
    }

    /** A success: the failure count and the retry reason start over. Guarded by this. */
    private void succeeded() {
        checkedEpochNanos = epochNanos(gate.engine.time.now());
        if (extra != null) {
            extra.failures = 0;
            extra.newerSeen = false;
            extra.lastError = null;
            extra.coldFailure = null;
            extra.nextReason = FetchReason.REFRESH;
        }
    }

    /**
     * A new lease from a fetch: its own duration is the base that renewals ask for, so nothing needs keeping until a
     * renewal grants a different one (see {@link #renew}). Guarded by this.
     */
    private void baseLeaseDuration(Secret fresh) {
        if (extra != null) {
            extra.baseLeaseDuration = null;
        }
    }

    private static long epochNanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static Instant fromEpochNanos(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    private SecretEvent.Builder event(SecretEventType type, Secret version) {
        SecretEvent.Builder b = SecretEvent.builder(type, gate.engine.time.now())
                .ref(ref)
                .source(gate.name())
                .version(version.version());
        version.lease().ifPresent(l -> b.leaseExpiry(l.expiresAt()));
        return b;
    }

    private void publish(SecretEvent.Builder event) {
        gate.engine.publish(event.build());
    }

    private Duration elapsed(long t0) {
        return Duration.ofNanos(gate.engine.time.nanoTime() - t0);
    }
}
