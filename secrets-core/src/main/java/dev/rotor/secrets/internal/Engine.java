package dev.rotor.secrets.internal;

import dev.rotor.secrets.AuditContext;
import dev.rotor.secrets.DrillReport;
import dev.rotor.secrets.FlightObserver;
import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretDeclaration;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.SecretListener;
import dev.rotor.secrets.SecretPolicyException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretSlo;
import dev.rotor.secrets.SecretState;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.SourceIdentity;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.StalePolicy;
import dev.rotor.secrets.Subscription;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.spi.AccessFinding;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.SourceContext;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The refresh engine behind {@link dev.rotor.secrets.Secrets}. Entries live in a bounded {@link EntryTable} keyed by
 * the canonical text of the secret's ref (entries with a handle or a watcher are pinned and never evicted). The read
 * path is one map lookup of the text the caller passed (most callers pass canonical text), or of an alias map for
 * other spellings and refs naming a field, then one volatile read; reads record nothing in the table, they mark their
 * entry, and the table's clock sweep reads the marks when it must evict. Timing is driven by the injected {@link
 * Scheduler}, never by reads.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    /** The most alias spellings and parsed field refs kept, beyond the cache's own bound. */
    private static final int MAX_ALIASES = 100_000;

    private final int maxAliases;

    final Scheduler scheduler;
    final TimeSource time;
    final Executor executor;
    /** The client-wide layer of the refresh policy (see {@link RefreshPolicy#over}). */
    private final RefreshPolicy clientPolicy;
    /** The per-source layer, by source name or scheme. */
    private final Map<String, RefreshPolicy> sourcePolicies;

    final StalePolicy stale;
    final RandomGenerator random;
    final EventBus events;
    private final ExecutorService ownedExecutor;
    private final AutoCloseable ownedScheduler;
    private final Sources sources;
    private final Map<String, SourceGate> gates = new ConcurrentHashMap<>();
    private final CircuitBreakerConfig breakerConfig;
    private final Map<String, Entry> byText = new ConcurrentHashMap<>();
    private final Map<String, SecretRef> parsedRefs = new ConcurrentHashMap<>();
    private final EntryTable entries;
    private final List<SecretValidator> validators;
    private final Map<SecretRef, List<SecretValidator>> refValidators;
    private final Map<SecretRef, SecretDeclaration> declarations;
    private final boolean revokeOnClose;
    private final Duration closeTimeout;
    // versions replaced or evicted but not wiped yet (held by a listener, or waiting out wipeDelay): close wipes them
    private final Set<Secret> retired = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private final AuditContext where;
    /** Who the application is to each started source, by scheme. */
    private final Map<String, Identity> identities = new ConcurrentHashMap<>();

    /**
     * A source's identity as last learned: pending until the first answer. Asked on the executor; the answer to the
     * latest ask wins, so an old answer that arrives late never replaces a newer one.
     */
    private static final class Identity {
        final SecretSource source;
        final AtomicLong asks = new AtomicLong();
        volatile SourceIdentity value = SourceIdentity.pending();
        /** Whether some ask has answered (then records stop waiting for one). */
        volatile boolean answered;
        /** Held by the one thread that asks before the source's first record; the others wait for its answer. */
        final Object firstAsk = new Object();

        Identity(SecretSource source) {
            this.source = source;
        }
    }

    /** The refs this client may read; consulted only where a new entry is made. */
    private volatile RefAllowList allowList = RefAllowList.everything();

    private final PolicyRefusals refusals;
    /** The consumer bindings following each secret, for rotation drills. */
    private final Map<SecretRef, Set<ConsumerBinding>> consumers = new ConcurrentHashMap<>();
    /** What the sources' start-up permission checks warned about; never a value. */
    private volatile List<String> accessWarnings = List.of();
    /** Set once before the client is published; null when none was given (see {@link FlightObserver}). */
    private FlightObserver observer;
    /** Freshness objectives and anomaly signals; off until {@link #monitor(Duration)}. */
    final SloMonitor monitor;
    /** What the client lends {@code source}: its clock, scheduler, executor and events, and the source's own policy. */
    private SourceContext contextFor(SecretSource source, RefreshPolicy sourcePolicy) {
        return new SourceContext() {
            @Override
            public TimeSource timeSource() {
                return time;
            }

            @Override
            public Scheduler scheduler() {
                return scheduler;
            }

            @Override
            public RefreshPolicy refreshPolicy() {
                return sourcePolicy;
            }

            @Override
            public void publish(SecretEvent event) {
                events.publish(event);
            }

            @Override
            public Executor executor() {
                return executor;
            }

            @Override
            public RandomGenerator random() {
                return random;
            }

            @Override
            public void reissue(Predicate<SecretRef> which) {
                Engine.this.reissue(which);
            }

            @Override
            public void refresh(Predicate<SecretRef> which) {
                Engine.this.refreshMatching(source, which);
            }

            @Override
            public void identityChanged() {
                Identity id = identities.get(source.scheme());
                if (id != null && id.source == source) {
                    learn(id);
                }
            }

            @Override
            public Optional<FlightObserver> observer() {
                return Optional.ofNullable(observer);
            }
        };
    }

    @SuppressWarnings("ParameterNumber")
    public Engine(
            List<SecretSource> registered,
            boolean discover,
            ClassLoader loader,
            Scheduler scheduler,
            AutoCloseable ownedScheduler,
            Executor executor,
            ExecutorService ownedExecutor,
            RefreshPolicy policy,
            Map<String, RefreshPolicy> sourcePolicies,
            StalePolicy stale,
            RandomGenerator random,
            EventBus events,
            List<SecretValidator> validators,
            Map<SecretRef, List<SecretValidator>> refValidators,
            Map<SecretRef, SecretDeclaration> declarations,
            long maximumEntries,
            boolean revokeOnClose,
            Duration closeTimeout,
            CircuitBreakerConfig breakerConfig,
            AuditContext where) {
        this.where = where;
        events.enrichWith(this::audit);
        this.sources = new Sources(registered, discover, loader);
        this.scheduler = scheduler;
        this.ownedScheduler = ownedScheduler;
        this.time = scheduler.timeSource();
        this.executor = executor;
        this.ownedExecutor = ownedExecutor;
        this.clientPolicy = policy;
        this.sourcePolicies = Map.copyOf(sourcePolicies);
        this.stale = stale;
        this.random = random;
        this.events = events;
        this.validators = List.copyOf(validators);
        this.refValidators = Map.copyOf(refValidators);
        this.declarations = new LinkedHashMap<>(declarations);
        this.revokeOnClose = revokeOnClose;
        this.closeTimeout = closeTimeout;
        // aliases are released on eviction, but a hostile caller can spell one ref many ways: bound them by the cache
        this.maxAliases = (int) Math.min(MAX_ALIASES, 2 * maximumEntries);
        this.breakerConfig = breakerConfig;
        this.refusals = new PolicyRefusals(time, events::publish);
        this.entries = new EntryTable(maximumEntries, this::evicted);
        // a policy layer that cannot combine with a registered source's defaults is a configuration error now, not at
        // the first read
        for (SecretSource s : registered) {
            policyFor(s);
        }
        for (SecretDeclaration d : declarations.values()) {
            d.refreshPolicy().ifPresent(p -> p.over(clientPolicy.over(RefreshPolicy.defaults())));
        }
        this.monitor = new SloMonitor(this, this.declarations);
        events.add(monitor);
    }

    /**
     * Starts the periodic evaluation of freshness objectives and anomaly signals (see {@link SloMonitor}) every
     * {@code interval}, on the engine's scheduler.
     */
    public void monitor(Duration interval) {
        monitor.start(interval);
    }

    /** The anomaly signals' thresholds (before the monitor starts); see {@link SloMonitor}. */
    public void signalThresholds(dev.rotor.secrets.SignalThresholds thresholds) {
        monitor.thresholds(thresholds);
    }

    /** Whether the read-rate signal counts reads (before the first entry is made); see {@link SloMonitor}. */
    public void countReads(boolean count) {
        monitor.countReads(count);
    }

    /** The default evaluation interval of {@link #monitor(Duration)}. */
    public static Duration defaultMonitorInterval() {
        return SloMonitor.DEFAULT_INTERVAL;
    }

    /** The entries held (a live view). */
    Collection<Entry> held() {
        return entries.values();
    }

    /** Sets the flight observer; called once, before the client is published. */
    public void observe(FlightObserver observer) {
        this.observer = observer;
    }

    /** The flight observer, or null. */
    public FlightObserver observer() {
        return observer;
    }

    /**
     * The policy in force for {@code source}: from the bottom, the documented defaults, the source's own defaults, the
     * client-wide policy and the policy given for this source (by name, else by scheme).
     */
    RefreshPolicy policyFor(SecretSource source) {
        RefreshPolicy p = RefreshPolicy.defaults();
        try {
            p = source.defaultRefreshPolicy().over(p);
            p = clientPolicy.over(p);
            RefreshPolicy own = sourcePolicies.get(source.name());
            if (own == null) {
                own = sourcePolicies.get(source.scheme());
            }
            return own == null ? p : own.over(p);
        } catch (SecretConfigurationException e) {
            throw new SecretConfigurationException(
                    "refresh policy for source " + source.name() + ": " + e.getMessage(), null, source.name());
        }
    }

    /** The policy in force for one secret: its source's, under the declared secret's own when it has one. */
    public RefreshPolicy policyFor(String text) {
        SecretRef ref = SecretRef.parse(text).withoutField();
        if (!allowList.allows(ref)) {
            throw refused(ref);
        }
        return rulesFor(ref, gateFor(ref)).policy;
    }

    private RefreshRules rulesFor(SecretRef ref, SourceGate gate) {
        SecretDeclaration d = declarations.get(ref);
        RefreshPolicy own = d == null ? null : d.refreshPolicy().orElse(null);
        return own == null ? gate.rules : new RefreshRules(own.over(gate.rules.policy), random);
    }

    /**
     * Starts a refresh, in the background, of every held secret of {@code source} whose ref matches; see {@link
     * SourceContext#refresh}. A refresh already under way may have read the content before the change: wait for it,
     * then read again, rather than join it.
     */
    void refreshMatching(SecretSource source, Predicate<SecretRef> which) {
        for (Entry e : entries.values()) {
            if (e.gate.source() == source && e.version() != null && which.test(e.ref)) {
                refreshAfterFlight(e);
            }
        }
    }

    private void refreshAfterFlight(Entry e) {
        if (closed) {
            return;
        }
        CompletableFuture<Secret> running = e.flightUnderWay();
        if (running != null) {
            running.whenComplete((v, t) -> refreshAfterFlight(e));
        } else {
            e.startFlight(FetchReason.REFRESH);
        }
    }

    // ---- read path ----

    public Secret get(String text) {
        Entry e = entries.get(text);
        if (e == null) {
            e = byText.get(text);
        }
        if (e != null) {
            if (!e.recentlyRead) {
                e.recentlyRead = true;
            }
            if (e.countReads) {
                e.reads++;
            }
            Object c = e.current;
            if (c instanceof Secret) {
                return (Secret) c;
            }
            return e.read();
        }
        return entryFor(text).read();
    }

    /**
     * The value of the ref's field, or the raw value when it names none. The table is keyed by canonical text without
     * a field, so a text found there names no field and answers the version's value at once; any other text (a field,
     * another spelling) is parsed once, not on every call.
     */
    public String value(String text) {
        Entry e = entries.get(text);
        if (e != null) {
            if (!e.recentlyRead) {
                e.recentlyRead = true;
            }
            if (e.countReads) {
                e.reads++;
            }
            String v = e.currentValue;
            return v != null ? v : e.value();
        }
        return fieldValue(text);
    }

    private String fieldValue(String text) {
        Secret secret = get(text);
        SecretRef ref = parsedRefs.get(text);
        if (ref == null) {
            ref = SecretRef.parse(text);
            if (parsedRefs.size() < maxAliases) {
                parsedRefs.putIfAbsent(text, ref);
            }
        }
        return secret.value(ref);
    }

    public Secret get(SecretRef ref) {
        Entry e = entryFor(ref);
        e.recentlyRead = true;
        if (e.countReads) {
            e.reads++;
        }
        return e.read();
    }

    public SecretHandle handle(String text) {
        SecretRef ref = SecretRef.parse(text);
        Entry e = pinnedEntryFor(text);
        e.read();
        return new Handle(e, ref);
    }

    public Subscription watch(String text, SecretListener listener) {
        Objects.requireNonNull(listener, "listener");
        SecretRef ref = SecretRef.parse(text);
        Entry e = pinnedEntryFor(text);
        e.read();
        return e.addWatcher(ref, listener);
    }

    // ---- control ----

    public Secret refresh(String text) {
        Entry e = entryFor(text);
        return e.await(e.startFlight(FetchReason.MANUAL));
    }

    public Secret compromised(String text) {
        Entry e = entryFor(text);
        return e.compromised();
    }

    public List<Secret> preload(Collection<String> texts) {
        List<Entry> list = new ArrayList<>();
        for (String t : texts) {
            list.add(entryFor(t));
        }
        Map<SourceGate, List<Entry>> batches = new IdentityHashMap<>();
        Map<Entry, CompletableFuture<Secret>> flights = new LinkedHashMap<>();
        for (Entry e : list) {
            if (flights.containsKey(e)) {
                continue;
            }
            Secret held = e.version();
            if (held != null) {
                flights.put(e, CompletableFuture.completedFuture(held));
                continue;
            }
            if (e.gate.supports(SourceCapability.FETCH_ALL)) {
                CompletableFuture<Secret> claimed = e.claimFlight();
                if (claimed != null) {
                    batches.computeIfAbsent(e.gate, g -> new ArrayList<>()).add(e);
                    flights.put(e, claimed);
                    continue;
                }
            }
            flights.put(e, e.startFlight(FetchReason.INITIAL));
        }
        batches.forEach(
                (gate, batch) -> gate.submit(SourceGate.Priority.FIRST_LOAD, () -> Entry.runBatch(gate, batch)));
        List<Secret> out = new ArrayList<>();
        SecretException first = null;
        for (Map.Entry<Entry, CompletableFuture<Secret>> f : flights.entrySet()) {
            try {
                out.add(f.getKey().await(f.getValue()));
            } catch (SecretException ex) {
                if (first == null) {
                    first = ex;
                } else {
                    first.addSuppressed(ex);
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return out;
    }

    /** Starts a re-issue of every held leased secret whose ref matches; see {@link SourceContext#reissue}. */
    void reissue(Predicate<SecretRef> which) {
        for (Entry e : entries.values()) {
            reissue(e, which);
        }
    }

    /**
     * A refresh already under way may have been sent with the credentials being replaced: wait for it, then ask
     * again (the source's answer may have changed), rather than join it.
     */
    private void reissue(Entry e, Predicate<SecretRef> which) {
        Secret held = e.version();
        if (closed || held == null || held.lease().isEmpty() || !which.test(e.ref)) {
            return;
        }
        CompletableFuture<Secret> running = e.flightUnderWay();
        if (running != null) {
            running.whenComplete((v, t) -> reissue(e, which));
        } else {
            e.startFlight(FetchReason.REISSUE);
        }
    }

    public List<Secret> alternates(String text) {
        Entry e = entryFor(text);
        SourceGate gate = e.gate;
        if (!gate.supports(SourceCapability.ALTERNATES)) {
            return List.of();
        }
        CompletableFuture<List<Secret>> f = new CompletableFuture<>();
        gate.submit(SourceGate.Priority.FIRST_LOAD, () -> {
            try {
                f.complete(List.copyOf(
                        Observed.call(observer, FlightObserver.Kind.REFRESH, gate, e.ref, () -> gate.source()
                                .alternates(e.ref))));
            } catch (Throwable t) {
                f.completeExceptionally(gate.map(e.ref, t));
            }
        });
        return await(f, e.ref, gate.name(), e.rules.policy.loadTimeout());
    }

    public List<InventoryEntry> inventory() {
        Map<SecretRef, InventoryEntry> out = new LinkedHashMap<>();
        Instant now = time.now();
        for (Entry e : entries.values()) {
            out.put(e.ref, e.inventory(declarations.get(e.ref), now));
        }
        for (SecretDeclaration d : declarations.values()) {
            if (!out.containsKey(d.ref())) {
                // never start a source just to describe it: name it by its scheme until it is used
                SourceGate gate = gates.get(d.ref().scheme());
                String source = gate == null ? d.ref().scheme() : gate.name();
                out.put(
                        d.ref(),
                        new InventoryEntry(
                                d.ref(),
                                source,
                                null,
                                SecretState.NOT_LOADED,
                                null,
                                null,
                                null,
                                null,
                                null,
                                d.owner().orElse(null),
                                d.maxAge().orElse(null),
                                d.required(),
                                false,
                                null,
                                false,
                                d.criticality(),
                                d.rotationCadence().orElse(null),
                                SecretSlo.unused()));
            }
        }
        return List.copyOf(out.values());
    }

    public void addEventListener(SecretEventListener listener) {
        events.add(listener);
    }

    public void removeEventListener(SecretEventListener listener) {
        events.remove(listener);
    }

    public void publish(SecretEvent event) {
        events.publish(event);
    }

    public TimeSource timeSource() {
        return time;
    }

    void retiring(Secret version) {
        retired.add(version);
    }

    void wipeRetired(Secret version) {
        version.wipe();
        retired.remove(version);
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        monitor.stop();
        List<Entry> all = new ArrayList<>(entries.values());
        for (Entry e : all) {
            e.cancelTasks();
        }
        for (SourceGate g : gates.values()) {
            g.lift(); // what remains to do at close does not wait for a request budget
        }
        // Revocations and the sources' own close (a Vault token revokes itself) run in parallel, under one deadline:
        // a store that hangs must not hold the application's shutdown.
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        List<CompletableFuture<Void>> revocations = new ArrayList<>();
        if (revokeOnClose) {
            for (Entry e : all) {
                CompletableFuture<Void> f = e.revokeOnClose();
                if (f != null) {
                    revocations.add(f);
                }
            }
        }
        awaitUntil(revocations, deadline, "lease revocations");
        for (Entry e : all) {
            e.wipeAll();
        }
        for (Secret s : retired) {
            s.wipe();
        }
        retired.clear();
        byText.clear();
        parsedRefs.clear();
        entries.clear();
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (SecretSource s : sources.all()) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            Runnable close = () -> {
                try {
                    s.close();
                } catch (Exception ex) {
                    LOG.warn(
                            "Rotor source {} failed to close: {}",
                            s.name(),
                            ex.getClass().getName());
                } finally {
                    f.complete(null);
                }
            };
            try {
                executor.execute(close);
            } catch (RuntimeException ex) {
                close.run();
            }
            closing.add(f);
        }
        awaitUntil(closing, deadline, "source shutdowns");
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
        if (ownedScheduler != null) {
            try {
                ownedScheduler.close();
            } catch (Exception ex) {
                LOG.warn("Rotor scheduler failed to close: {}", ex.getClass().getName());
            }
        }
    }

    /** Waits for {@code work} until {@code deadline} (on {@link System#nanoTime()}); logs what was left running. */
    private static void awaitUntil(List<CompletableFuture<Void>> work, long deadline, String what) {
        if (work.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(work.toArray(new CompletableFuture<?>[0]))
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            long left = work.stream().filter(f -> !f.isDone()).count();
            LOG.warn("Rotor closed with {} of {} {} still under way at its close timeout", left, work.size(), what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // every future here completes normally
        }
    }

    // ---- internals ----

    Entry entryFor(String text) {
        Entry e = entries.get(text);
        if (e == null) {
            e = byText.get(text);
        }
        if (e != null) {
            return e;
        }
        checkOpen();
        e = entryFor(SecretRef.parse(text), text);
        // The cache's key is the canonical text; any other spelling (a field, another parameter order) is an alias.
        if (!text.equals(e.ref.toString()) && byText.size() < maxAliases) {
            byText.putIfAbsent(text, e);
        }
        return e;
    }

    Entry entryFor(SecretRef ref) {
        return entryFor(ref, null);
    }

    /**
     * The entry for {@code ref}; when the caller spelled it canonically ({@code spelled}), that very string becomes the
     * table's key, so that later reads with the application's own constant match the key by identity, without
     * comparing characters.
     */
    private Entry entryFor(SecretRef ref, String spelled) {
        checkOpen();
        SecretRef base = ref.withoutField();
        String canonical = base.toString();
        String key = canonical.equals(spelled) ? spelled : canonical;
        Entry e = entries.get(key);
        if (e != null) {
            return e;
        }
        if (!allowList.allows(base)) {
            throw refused(base);
        }
        SourceGate gate = gateFor(base);
        base.requireParameters(gate.source().parameters(), gate.name());
        return entries.get(key, k -> new Entry(base, gate, rulesFor(base, gate)));
    }

    /** The refusal of a ref outside the allow-list, reported to the audit log at most once a window per ref. */
    private SecretPolicyException refused(SecretRef ref) {
        // name the source that would serve it, without starting one just to name it
        SourceGate gate = gates.get(ref.scheme());
        SecretPolicyException e = new SecretPolicyException(
                "ref is not in the client's allow-list; refused before any call to the store",
                ref,
                gate == null ? ref.scheme() : gate.name());
        refusals.refused(e);
        return e;
    }

    /**
     * Puts {@code list} in force: every declared secret must be in it.
     *
     * @throws SecretPolicyException naming the first declared secret outside it
     */
    public void allowList(RefAllowList list) {
        for (SecretRef declared : declarations.keySet()) {
            if (!list.allows(declared)) {
                throw new SecretPolicyException(
                        "declared secret is not in the client's allow-list", declared, declared.scheme());
            }
        }
        this.allowList = list;
    }

    /**
     * Asks each source, once, whether the store grants what its declared secrets and the allow-list's exact refs need
     * ({@link SecretSource#checkAccess}); starts the sources concerned. Warnings are logged and kept for {@link
     * #accessWarnings()}.
     *
     * @throws SecretAccessDeniedException when a capability a secret needs is missing, naming the ref, the path, the
     *     capabilities needed and those granted
     */
    public void checkAccess() {
        Map<String, List<SecretRef>> byScheme = new LinkedHashMap<>();
        for (SecretRef d : declarations.keySet()) {
            byScheme.computeIfAbsent(d.scheme(), k -> new ArrayList<>()).add(d);
        }
        for (SecretRef r : allowList.exactRefs()) {
            List<SecretRef> refs = byScheme.computeIfAbsent(r.scheme(), k -> new ArrayList<>());
            if (!refs.contains(r)) {
                refs.add(r);
            }
        }
        List<String> warnings = new ArrayList<>();
        for (Map.Entry<String, List<SecretRef>> m : byScheme.entrySet()) {
            SourceGate gate;
            try {
                if (!checksAccess(sources.sourceFor(m.getValue().get(0)))) {
                    continue; // never start a source that has nothing to check
                }
                gate = gateFor(m.getValue().get(0));
            } catch (SecretConfigurationException noSource) {
                continue; // an allow-list entry for a scheme no source answers: nothing to check, reads will fail
            }
            List<AccessFinding> findings;
            try {
                findings = List.copyOf(gate.source().checkAccess(List.copyOf(m.getValue())));
            } catch (RuntimeException ex) {
                findings = List.of(AccessFinding.of(
                        AccessFinding.Kind.UNCHECKED,
                        null,
                        null,
                        List.of(),
                        List.of(),
                        "the permission check failed with " + ex.getClass().getName()));
            }
            SecretAccessDeniedException missing = null;
            for (AccessFinding f : findings) {
                if (f.kind() == AccessFinding.Kind.MISSING) {
                    SecretAccessDeniedException e = new SecretAccessDeniedException(
                            f.message() + ": path " + f.path().orElse("?") + " needs " + f.needed() + ", granted "
                                    + f.granted(),
                            f.ref().orElse(null),
                            gate.name());
                    if (missing == null) {
                        missing = e;
                    } else {
                        missing.addSuppressed(e);
                    }
                } else {
                    String w = gate.name() + ": " + f;
                    warnings.add(w);
                    LOG.warn("Rotor start-up permission check: {}", w);
                }
            }
            if (missing != null) {
                throw missing;
            }
        }
        accessWarnings = List.copyOf(warnings);
    }

    /** Whether {@code source} has a permission check of its own (overrides {@link SecretSource#checkAccess}). */
    private static boolean checksAccess(SecretSource source) {
        try {
            return source.getClass().getMethod("checkAccess", Collection.class).getDeclaringClass()
                    != SecretSource.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** The warnings of the start-up permission check (see {@link #checkAccess()}). */
    public List<String> accessWarnings() {
        return accessWarnings;
    }

    /** Remembers that {@code binding} follows its secret, until the answer is closed. */
    public Subscription attachConsumer(ConsumerBinding binding) {
        SecretRef ref = binding.ref();
        consumers.computeIfAbsent(ref, k -> ConcurrentHashMap.newKeySet()).add(binding);
        return () -> consumers.computeIfPresent(ref, (k, set) -> {
            set.remove(binding);
            return set.isEmpty() ? null : set;
        });
    }

    /** The open bindings following {@code ref} (without field), in no particular order. */
    List<ConsumerBinding> consumersOf(SecretRef ref) {
        Set<ConsumerBinding> set = consumers.get(ref);
        if (set == null) {
            return List.of();
        }
        List<ConsumerBinding> out = new ArrayList<>();
        for (ConsumerBinding b : set) {
            if (!b.isClosed()) {
                out.add(b);
            }
        }
        return out;
    }

    /** Runs a rotation drill over {@code refs}; see {@link dev.rotor.secrets.Secrets#drill}. */
    public DrillReport drill(Collection<String> refs, Duration timeout) {
        checkOpen();
        return new Drill(this, timeout).run(refs);
    }

    SourceGate gateFor(SecretRef ref) {
        SourceGate gate = gates.get(ref.scheme());
        if (gate != null) {
            return gate;
        }
        SecretSource source = sources.sourceFor(ref);
        SourceGate created = gates.computeIfAbsent(ref.scheme(), s -> {
            RefreshPolicy p = policyFor(source);
            source.start(contextFor(source, p));
            identities.put(s, new Identity(source));
            SourceGate g = new SourceGate(
                    source, executor, new RefreshRules(p, random), breakerConfig, time, scheduler, events::publish);
            g.engine = this;
            g.onRecovered(() -> scheduler.schedule(() -> recovered(g), Duration.ZERO));
            return g;
        });
        return created;
    }

    /** Asks the source who the application is, on the executor; a failure or a refused task leaves it unknown. */
    private void learn(Identity id) {
        long ask = id.asks.incrementAndGet();
        Runnable task = () -> {
            SourceIdentity answer = ask(id);
            if (id.asks.get() == ask) {
                id.value = answer;
            }
            id.answered = true;
        };
        try {
            executor.execute(task);
        } catch (RuntimeException rejected) {
            id.value = SourceIdentity.failed(rejected);
            id.answered = true;
        }
    }

    private static SourceIdentity ask(Identity id) {
        try {
            return id.source.identity().orElse(SourceIdentity.unsupported());
        } catch (RuntimeException e) {
            LOG.debug(
                    "Rotor could not learn who the application is to source {}: {}",
                    id.source.name(),
                    e.getClass().getName());
            return SourceIdentity.failed(e);
        }
    }

    /**
     * Before the record of a source's first successful load: asks the source at once, on the thread that made the load
     * (an executor's), unless an answer is in; a load finishing meanwhile on another thread waits for that answer
     * rather than asking again. The source has accepted a ref by then (a ref it refuses before any call never gets
     * here), and a store that needed a login to answer has one.
     */
    private void learnBeforeFirstRecord(Identity id) {
        if (id.answered) {
            return;
        }
        synchronized (id.firstAsk) {
            if (id.answered) {
                return;
            }
            long ask = id.asks.incrementAndGet();
            SourceIdentity answer = ask(id);
            if (id.asks.get() == ask
                    || SourceIdentity.PENDING.equals(id.value.reason().orElse(null))) {
                id.value = answer;
            }
            id.answered = true;
        }
    }

    /**
     * Completes an event with where the client runs and who the application is to the event's source. The first
     * successful load of a source's secret learns its identity before its record goes out, so that record names who
     * loaded it: a source that never answered has nothing to tell (its records say pending), and a ref refused before
     * any call makes no call for it either. A step of no
     * source (a drill's start) has no who.
     */
    private SecretEvent audit(SecretEvent e) {
        Identity id = null;
        if (e.ref().isPresent()) {
            id = identities.get(e.ref().get().scheme());
            if (id != null && e.type() == SecretEventType.LOADED && e.outcome() == SecretEvent.Outcome.SUCCESS) {
                learnBeforeFirstRecord(id);
            }
        }
        if (id == null && e.source().isPresent()) {
            String name = e.source().get();
            for (Identity candidate : identities.values()) {
                if (candidate.source.name().equals(name)) {
                    id = candidate;
                    break;
                }
            }
        }
        if (id != null) {
            return e.withAudit(where, id.value);
        }
        // a step of a source the client has not started (a ref refused before any call): nothing learned yet
        boolean ofASource = e.ref().isPresent() || e.source().isPresent();
        return e.withAudit(where, ofASource ? SourceIdentity.pending() : null);
    }

    /** Who the application is to the source of {@code scheme}, as last learned; empty before the source started. */
    public Optional<SourceIdentity> identity(String scheme) {
        Identity id = identities.get(scheme);
        return id == null ? Optional.empty() : Optional.of(id.value);
    }

    /**
     * The source's breaker closed after an outage: secrets of it still waiting out a failure's backoff (up to {@code
     * maxBackoff}) look again within a fifth of the shorter of their poll interval and their maximum backoff, each at
     * a random point, instead of serving what they hold for minutes after the store is back; spread, so the clients
     * that failed together do not come back together.
     */
    private void recovered(SourceGate gate) {
        if (isClosed()) {
            return;
        }
        for (Entry e : entries.values()) {
            if (e.gate == gate) {
                e.storeRecovered();
            }
        }
    }

    List<SecretValidator> validatorsFor(SecretRef ref) {
        List<SecretValidator> specific = refValidators.get(ref);
        if (specific == null) {
            return validators;
        }
        List<SecretValidator> all = new ArrayList<>(validators);
        all.addAll(specific);
        return all;
    }

    /**
     * The entry for {@code text}, pinned (a handle or a watcher holds it). An entry evicted between the look-up and the
     * pin is looked up again: a new one is made, so the handle never binds an entry the engine has let go.
     */
    private Entry pinnedEntryFor(String text) {
        for (int attempt = 0; attempt < 100; attempt++) {
            Entry e = entryFor(text);
            if (entries.pin(e)) {
                return e;
            }
        }
        // only an eviction racing every attempt, which a new entry's one free pass of the sweep rules out in practice
        throw new SecretConfigurationException(
                "could not hold the secret against the cache's evictions; raise maximumEntries",
                SecretRef.parse(text),
                null);
    }

    private void evicted(Entry e) {
        if (!byText.isEmpty()) {
            byText.values().removeIf(v -> v == e);
        }
        if (!parsedRefs.isEmpty()) {
            parsedRefs
                    .values()
                    .removeIf(r -> r.scheme().equals(e.ref.scheme()) && r.path().equals(e.ref.path()));
        }
        e.cancelTasks();
        e.retireAfterEviction();
        try {
            e.gate.source().forget(e.ref);
        } catch (RuntimeException ex) {
            LOG.warn(
                    "Rotor source {} failed to forget a secret: {}",
                    e.gate.name(),
                    ex.getClass().getName());
        }
    }

    /** How many entries each per-secret structure holds (for tests of the bounds). */
    Map<String, Integer> stateSizes() {
        return Map.of(
                "entries", entries.size(),
                "aliases", byText.size(),
                "parsedRefs", parsedRefs.size(),
                "retired", retired.size());
    }

    private void checkOpen() {
        if (closed) {
            throw new SecretConfigurationException("Secrets client is closed", null, null);
        }
    }

    static SecretException timeout(SecretRef ref, String source, Duration waited) {
        return new SourceUnavailableException("timed out after " + waited + " waiting for the source", ref, source);
    }

    static <T> T await(CompletableFuture<T> f, SecretRef ref, String source, Duration timeout) {
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof SecretException) {
                throw (SecretException) c;
            }
            throw new SourceUnavailableException(
                    "load failed with "
                            + (c == null ? "unknown error" : c.getClass().getName()),
                    ref,
                    source);
        } catch (TimeoutException e) {
            throw timeout(ref, source, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceUnavailableException("interrupted while waiting for the source", ref, source);
        }
    }

    /** A live view: one volatile read and a type check while a servable version is held. */
    static final class Handle implements SecretHandle {
        private final Entry entry;
        private final SecretRef ref;

        Handle(Entry entry, SecretRef ref) {
            this.entry = entry;
            this.ref = ref;
        }

        @Override
        public SecretRef ref() {
            return ref;
        }

        @Override
        public Secret current() {
            if (entry.countReads) {
                entry.reads++;
            }
            Object c = entry.current;
            if (c instanceof Secret) {
                return (Secret) c;
            }
            return entry.read();
        }

        @Override
        public String toString() {
            return "SecretHandle{" + ref + "}";
        }
    }
}
