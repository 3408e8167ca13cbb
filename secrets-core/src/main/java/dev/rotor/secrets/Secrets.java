package dev.rotor.secrets;

import dev.rotor.secrets.internal.Engine;
import dev.rotor.secrets.internal.EventBus;
import dev.rotor.secrets.internal.RefAllowList;
import dev.rotor.secrets.internal.SystemScheduler;
import dev.rotor.secrets.spi.SecretSource;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * The Rotor client: built once, it holds the sources, the refresh engine and the listeners.
 *
 * <pre>{@code
 * try (Secrets secrets = Secrets.builder().build()) {          // file: and env: sources are found automatically
 *     Secret db = secrets.get("file:/run/secrets/db");          // first read loads; later reads never wait
 *     SecretHandle key = secrets.handle("env:API_KEY");          // live view: key.current() is one volatile read
 *     secrets.watch("file:/run/secrets/db", change -> pool.swap(change.current()));
 * }
 * }</pre>
 *
 * <p><b>Reads.</b> The first read of a secret waits for the source (at most {@link RefreshPolicy#loadTimeout()}).
 * After that, reads are a map lookup and a volatile read: the engine refreshes in the background before the lease
 * ends and keeps serving the last good version while the source fails. Past the lease end, {@link StalePolicy}
 * decides.
 *
 * <p><b>Threads.</b> Thread-safe. Blocking source calls run on the engine's executor (a daemon pool unless one is
 * given), at most {@link RefreshPolicy#maxInFlightPerSource()} at once per source; timing runs on the {@link
 * Scheduler}. Listeners and event listeners run on engine threads; one that throws is logged and isolated.
 */
public final class Secrets implements AutoCloseable {
    private final Engine engine;

    private Secrets(Engine engine) {
        this.engine = engine;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The version of the secret in service. A ref with a field returns the whole secret; use {@link #value(String)}
     * for the field's value.
     *
     * @throws SecretException typed by cause when the secret cannot be loaded or has expired
     */
    public Secret get(String ref) {
        return engine.get(ref);
    }

    /** As {@link #get(String)}, for a parsed ref. */
    public Secret get(SecretRef ref) {
        return engine.get(ref);
    }

    /** The secret mapped onto {@code type} with Jackson (see {@link Secret#as(Class)}). */
    public <T> T get(String ref, Class<T> type) {
        return engine.get(ref).as(type);
    }

    /**
     * The value of the ref's field, or the raw value when it names none: the same {@code String} on every call while
     * one version is in service, made when first asked for (see {@link Secret#value()}; a {@code String} cannot be
     * wiped, so code that must erase a value reads {@link Secret#bytes()}). Allocates nothing once the value is loaded
     * and read.
     */
    public String value(String ref) {
        // a ref in canonical form (no field) is one map lookup; any other text is parsed once, then remembered
        return engine.value(ref);
    }

    /** Loads the secret if needed and returns a live view of it. */
    public SecretHandle handle(String ref) {
        return engine.handle(ref);
    }

    /**
     * Loads the secret if needed and calls {@code listener} with the current version, then with every new one. See
     * {@link SecretListener} for the delivery guarantees.
     */
    public Subscription watch(String ref, SecretListener listener) {
        return engine.watch(ref, listener);
    }

    /** Fetches the secret now (joining a refresh already under way) and returns the version in service after it. */
    public Secret refresh(String ref) {
        return engine.refresh(ref);
    }

    /**
     * Reports the secret compromised: revokes its lease where the source can, fetches (or, where the source can,
     * rotates to) a new version, hands it to the listeners and wipes the old one.
     */
    public Secret compromised(String ref) {
        return engine.compromised(ref);
    }

    /**
     * Loads many secrets at once: in parallel, and through one batch call per source where the source supports it.
     *
     * @throws SecretException the first failure, with the others attached as suppressed exceptions; the secrets that
     *     loaded stay loaded
     */
    public List<Secret> preload(Collection<String> refs) {
        return engine.preload(refs);
    }

    /**
     * The other versions the store may accept while a rotation is under way (the pending one first, then the
     * previous one), for a consumer whose current credentials were just refused. Asks the source each time, off the
     * read path, through the same bound on calls in flight and circuit breaker as refreshes; waits at most {@link
     * RefreshPolicy#loadTimeout()}. Empty when the source has none or cannot tell (see {@link
     * dev.rotor.secrets.spi.SourceCapability#ALTERNATES}). The versions returned are the caller's: the engine does not
     * hold, hand over or wipe them.
     */
    public List<Secret> alternates(String ref) {
        return engine.alternates(ref);
    }

    /**
     * A rotation drill, with a timeout of {@link #DEFAULT_DRILL_TIMEOUT} per secret: see {@link #drill(Collection,
     * Duration)}.
     */
    public DrillReport drill(Collection<String> refs) {
        return drill(refs, DEFAULT_DRILL_TIMEOUT);
    }

    /**
     * A rotation drill: proves, on demand, that the named secrets can be replaced and that everything using them
     * follows. For each secret, one after another: a leased secret is re-issued (a new lease, as when the old one
     * ends); a secret whose source can rotate ({@link dev.rotor.secrets.spi.SourceCapability#ROTATE}) is rotated;
     * any other is reported {@link DrillReport.Outcome#NOT_SUPPORTED}. Then the drill waits, at most {@code timeout}
     * on the client's clock (and at most as long in real time), for every {@link
     * dev.rotor.secrets.consumer.ConsumerBinding} bound to the secret to report the hand-over of the new version (a
     * HikariCP pool getting the new credentials), and reports per secret and per consumer what happened and how long
     * it took. The previous version is retired as after any re-issue or rotation: its lease is revoked once the
     * consumers let go of it.
     *
     * <p>The drill is audited: {@link SecretEventType#DRILL_STARTED}, then one {@link SecretEventType#DRILL_RESULT}
     * per secret. It replaces real credentials, so run it when a rotation would be acceptable. Blocks the caller; a
     * secret's re-issue waits at most its {@link RefreshPolicy#loadTimeout()}.
     *
     * @throws InvalidSecretRefException before anything is done, when a ref does not parse
     */
    public DrillReport drill(Collection<String> refs, Duration timeout) {
        Objects.requireNonNull(refs, "refs");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new SecretConfigurationException("drill timeout must be positive, was " + timeout, null, null);
        }
        return engine.drill(refs, timeout);
    }

    /** How long {@link #drill(Collection)} waits for the consumers of each secret: 30 s. */
    public static final Duration DEFAULT_DRILL_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Tells the client that {@code binding} follows its secret, so that a {@link #drill rotation drill} waits for its
     * hand-overs; {@link dev.rotor.secrets.consumer.ConsumerBinding} calls it itself when bound, and closing the
     * answer (the binding's {@code close()} does) forgets it. Reads nothing and calls no source.
     */
    public Subscription attach(dev.rotor.secrets.consumer.ConsumerBinding binding) {
        return engine.attachConsumer(Objects.requireNonNull(binding, "binding"));
    }

    /** Every secret held or declared, with its state and freshness. Never a value. */
    public List<InventoryEntry> inventory() {
        return engine.inventory();
    }

    /**
     * The refresh policy in force for {@code ref}: the documented defaults, its source's own defaults, the client-wide
     * policy, the policy given for its source and the declared secret's own, layered in that order (see {@link
     * RefreshPolicy}). Starts the source if it was not in use yet; makes no call to it.
     */
    public RefreshPolicy refreshPolicy(String ref) {
        return engine.policyFor(ref);
    }

    /** Up, degraded or down, as the inventory implies (see {@link Health}). */
    public Health health() {
        return Health.of(engine.inventory(), engine.accessWarnings());
    }

    /**
     * The clock the client runs on (its scheduler's): what ages, expiries and next refreshes in the {@link
     * #inventory()} are measured against. A metrics or health exporter should read the time here, not from the
     * system clock, so that it agrees with the engine (and with a test's manual clock).
     */
    public TimeSource timeSource() {
        return engine.timeSource();
    }

    /**
     * Who the application is to the source of {@code scheme}, as the client last learned it (see {@link
     * dev.rotor.secrets.spi.SecretSource#identity()}): {@link SourceIdentity#pending()} until one of its secrets
     * loaded and the source answered, empty when the source was not started yet. Never blocks.
     */
    public Optional<SourceIdentity> identity(String scheme) {
        return engine.identity(scheme);
    }

    /**
     * The flight observer given to the builder ({@link Builder#observer(FlightObserver)}), for code that runs steps
     * of its own on this client (a consumer binding's hand-overs); empty when none was given.
     */
    public Optional<FlightObserver> observer() {
        return Optional.ofNullable(engine.observer());
    }

    /** Adds a listener for every lifecycle event. */
    public Subscription addEventListener(SecretEventListener listener) {
        engine.addEventListener(listener);
        return () -> engine.removeEventListener(listener);
    }

    /** Publishes an event to the listeners: sources use it for their own steps (login, token renewal). */
    public void publish(SecretEvent event) {
        engine.publish(event);
    }

    /** Stops the engine's threads, revokes leases when the builder said so, wipes every held value. Idempotent. */
    @Override
    public void close() {
        engine.close();
    }

    private static Engine monitored(Duration interval, Engine engine) {
        if (!interval.isZero()) {
            engine.monitor(interval);
        }
        return engine;
    }

    /**
     * Builds {@link Secrets}. Every option has a default; {@link #build()} rejects conflicting options with a
     * message naming them. Not thread-safe.
     */
    public static final class Builder {
        private final List<SecretSource> sources = new ArrayList<>();
        private boolean discover = true;
        private ClassLoader classLoader;
        private Scheduler scheduler;
        private Executor executor;
        private RefreshPolicy refreshPolicy = RefreshPolicy.defaults();
        private final Map<String, RefreshPolicy> sourcePolicies = new LinkedHashMap<>();
        private StalePolicy stalePolicy = StalePolicy.strict();
        private RandomGenerator random;
        private final List<SecretEventListener> eventListeners = new ArrayList<>();
        private boolean auditLog = true;
        private final List<SecretValidator> validators = new ArrayList<>();
        private final Map<SecretRef, List<SecretValidator>> refValidators = new LinkedHashMap<>();
        private final Map<SecretRef, SecretDeclaration> declarations = new LinkedHashMap<>();
        private long maximumEntries = 10_000;
        private boolean revokeOnClose;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private CircuitBreakerConfig circuitBreaker;
        private AuditContext auditContext;
        private final List<String> allowedRefs = new ArrayList<>();
        private boolean allowRefsCalled;
        private FlightObserver observer;
        private Duration monitorInterval;
        private boolean readRateSignal;
        private SignalThresholds signalThresholds = SignalThresholds.defaults();

        private Builder() {}

        /**
         * The only secrets this client may read: exact refs and patterns, each {@code scheme:path}. Any other ref is
         * refused where the client would first load it (by {@code get}, {@code value}, {@code handle}, {@code watch},
         * {@code refresh}, {@code compromised}, {@code preload}, {@code alternates} or a drill), before any call to a
         * store, with a {@link SecretPolicyException} naming the ref and the source, and a {@link
         * SecretEventType#REFUSED_BY_POLICY} audit event (at most one per ref a minute). A declared secret outside the
         * list fails {@link #build()}. May be called more than once; the entries add up.
         *
         * <pre>{@code
         * Secrets.builder().allowRefs("vault:secret/orders/*", "vault:database/creds/orders", "file:/run/secrets/**")
         * }</pre>
         *
         * <p><b>Syntax.</b> The scheme is literal. In the path, {@code *} matches any run of characters within one
         * segment (no {@code /}), {@code **} any run of characters across segments ({@code /} included, so {@code
         * vault:secret/**} allows every path under {@code secret/}, and {@code vault:secret/app/*} allows {@code
         * secret/app/db} but not {@code secret/app/db/admin}); every other character matches itself. An entry without
         * a wildcard is an exact ref (and is also handed to the sources' start-up permission check). The match is on
         * scheme and path only: a ref's {@code #field} and {@code ?params} take no part (every field and every
         * parameter of an allowed secret is allowed), and an entry holding {@code #} or {@code ?} is rejected.
         *
         * <p><b>Default.</b> Without it every ref is allowed. That is acceptable because refs come from the
         * application's own code and configuration, not from its users, and the store's own policy (Vault's, IAM's)
         * is what decides access; the allow-list is a second, local line for applications that build refs from
         * input or want a typo or an injected ref refused before it reaches the store. The check runs only when a
         * ref is first loaded: reads of a loaded secret cost the same with or without it.
         */
        public Builder allowRefs(String... exactRefsOrPatterns) {
            Objects.requireNonNull(exactRefsOrPatterns, "allowRefs");
            allowRefsCalled = true;
            allowedRefs.addAll(java.util.Arrays.asList(exactRefsOrPatterns));
            return this;
        }

        /** Registers a source; it wins over any discovered one for its scheme. */
        public Builder source(SecretSource source) {
            sources.add(Objects.requireNonNull(source, "source"));
            return this;
        }

        /** Whether to find sources for other schemes through {@link java.util.ServiceLoader} (default true). */
        public Builder discoverSources(boolean discover) {
            this.discover = discover;
            return this;
        }

        /** The class loader for discovery (default: the thread's context class loader). */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = loader;
            return this;
        }

        /** The scheduler, and through it the clock (default: one daemon thread on the system clock). */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Where blocking source calls and listener deliveries run (default: an owned daemon pool). */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * The client-wide refresh policy: the options set on it apply to every source, over each source's own
         * defaults (a local file polls often, a store does not; see {@link RefreshPolicy}). Default: none set, so each
         * source runs on its own defaults.
         */
        public Builder refreshPolicy(RefreshPolicy policy) {
            this.refreshPolicy = Objects.requireNonNull(policy, "refreshPolicy");
            return this;
        }

        /**
         * The refresh policy for one source, named by its {@link SecretSource#name()} or its scheme: the options set
         * on it apply over the client-wide policy, for this source's secrets only.
         *
         * <pre>{@code
         * Secrets.builder().refreshPolicy("vault", RefreshPolicy.builder().maxInFlightPerSource(4).build())
         * }</pre>
         */
        public Builder refreshPolicy(String source, RefreshPolicy policy) {
            Objects.requireNonNull(source, "source");
            sourcePolicies.put(source, Objects.requireNonNull(policy, "refreshPolicy"));
            return this;
        }

        public Builder stalePolicy(StalePolicy policy) {
            this.stalePolicy = Objects.requireNonNull(policy, "stalePolicy");
            return this;
        }

        /**
         * The random source for jitter (default: each engine thread's {@link ThreadLocalRandom}); fix it to make jitter
         * repeatable in tests. It is called from several engine threads, so it must be thread-safe.
         */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        public Builder eventListener(SecretEventListener listener) {
            eventListeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Whether to log every event as JSON to the SLF4J logger {@code rotor.audit} (default true). */
        public Builder auditLog(boolean enabled) {
            this.auditLog = enabled;
            return this;
        }

        /** A validator for every secret. */
        public Builder validator(SecretValidator validator) {
            validators.add(Objects.requireNonNull(validator, "validator"));
            return this;
        }

        /** A validator for one secret. */
        public Builder validator(String ref, SecretValidator validator) {
            refValidators
                    .computeIfAbsent(SecretRef.parse(ref).withoutField(), k -> new ArrayList<>())
                    .add(Objects.requireNonNull(validator, "validator"));
            return this;
        }

        /**
         * How often the engine evaluates freshness objectives ({@link SecretSlo}) and anomaly signals (the {@link
         * SecretEventType} values from {@code SLO_BREACHED} on), on its scheduler. Default: every 30 s when the
         * application declares at least one secret, off otherwise; {@link Duration#ZERO} turns it off.
         */
        public Builder monitorInterval(Duration interval) {
            Objects.requireNonNull(interval, "monitorInterval");
            if (interval.isNegative()) {
                throw new SecretConfigurationException(
                        "monitorInterval must not be negative, was " + interval, null, null);
            }
            this.monitorInterval = interval;
            return this;
        }

        /**
         * Whether the monitor also watches each secret's read rate for spikes against its own baseline ({@link
         * SecretEventType#READ_RATE_SPIKE}; default false). On, every read adds one to a counter on its secret: no
         * allocation and no clock read, but a write that readers of one secret on several cores contend for, which
         * makes hot reads several times slower (see {@code benchmarks/README.md}). Needs the monitor ({@link
         * #monitorInterval}).
         */
        public Builder readRateSignal(boolean on) {
            this.readRateSignal = on;
            return this;
        }

        /**
         * When the anomaly signals fire: versions per declared cadence, access denied bursts, refusals in a row, the
         * undeclared-ref bound and the read-rate spike (default {@link SignalThresholds#defaults()}; its Javadoc lists
         * each default and why). Needs the monitor ({@link #monitorInterval}).
         *
         * <pre>{@code
         * Secrets.builder().signalThresholds(SignalThresholds.builder().deniedBurst(3).build())
         * }</pre>
         */
        public Builder signalThresholds(SignalThresholds thresholds) {
            this.signalThresholds = Objects.requireNonNull(thresholds, "signalThresholds");
            return this;
        }

        public Builder declare(SecretDeclaration declaration) {
            declarations.put(declaration.ref(), declaration);
            return this;
        }

        /**
         * The most secrets held at once (default 10,000); entries with a handle or a watcher never count and are never
         * evicted. Past the bound, making a new entry evicts one that was not read since the eviction sweep last passed
         * it (a clock sweep over marks the reads set): a secret read now and then stays, one read once goes.
         */
        public Builder maximumEntries(long maximum) {
            this.maximumEntries = maximum;
            return this;
        }

        /**
         * The longest {@link Secrets#close()} waits for the store: lease revocations and the sources' own shutdown (a
         * Vault token revoking itself) run in parallel, and whatever is still under way then is abandoned with a
         * warning (default 5 s).
         */
        public Builder closeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "closeTimeout");
            if (timeout.isNegative()) {
                throw new SecretConfigurationException("closeTimeout must not be negative, was " + timeout, null, null);
            }
            this.closeTimeout = timeout;
            return this;
        }

        /** Whether {@link Secrets#close()} revokes the leases it holds (default false). */
        public Builder revokeOnClose(boolean revoke) {
            this.revokeOnClose = revoke;
            return this;
        }

        /**
         * The circuit breaker configuration used for each source. The default opens when half of the last 10 calls
         * (at least 5) failed and stays open for 5 s, or for the refresh policy's maximum backoff if that is shorter.
         * Rotor keeps two parts of any configuration its own: the breaker
         * counts time on Rotor's clock, and only failures of the source itself (retryable ones) count against it; a
         * missing secret or a denied access never opens the circuit.
         */
        public Builder circuitBreaker(CircuitBreakerConfig config) {
            this.circuitBreaker = Objects.requireNonNull(config, "circuitBreaker");
            return this;
        }

        /**
         * Where the application runs, for the {@code where} of every audit record and event (default: {@link
         * AuditContext#detect()}, once per process). Start from the detected one to add a field: {@code
         * auditContext(AuditContext.detect().newBuilder().deployment("blue").build())}.
         */
        public Builder auditContext(AuditContext context) {
            this.auditContext = Objects.requireNonNull(context, "auditContext");
            return this;
        }

        /**
         * Sees each store call (load, poll, probe, renewal, rotation, a source's own login) and each hand-over to a
         * consumer from its start to its end, off the read path (default: none, and no work is done for it).
         */
        public Builder observer(FlightObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer");
            return this;
        }

        public Secrets build() {
            if (maximumEntries < 1) {
                throw new SecretConfigurationException(
                        "maximumEntries must be at least 1, was " + maximumEntries, null, null);
            }
            if (!discover && sources.isEmpty()) {
                throw new SecretConfigurationException(
                        "no sources: register one with source(...) or leave discoverSources on", null, null);
            }
            if (allowRefsCalled && allowedRefs.isEmpty()) {
                throw new SecretConfigurationException("allowRefs needs at least one ref or pattern", null, null);
            }
            RefAllowList allowList = RefAllowList.of(allowedRefs);
            SystemScheduler ownedScheduler = null;
            Scheduler sched = scheduler;
            if (sched == null) {
                ownedScheduler = new SystemScheduler();
                sched = ownedScheduler;
            }
            ExecutorService ownedExecutor = null;
            Executor exec = executor;
            if (exec == null) {
                AtomicInteger n = new AtomicInteger();
                ownedExecutor = Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, "rotor-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
                exec = ownedExecutor;
            }
            EventBus bus = new EventBus();
            if (auditLog) {
                bus.add(new JsonAuditLogger());
            }
            eventListeners.forEach(bus::add);
            ClassLoader loader = classLoader;
            if (loader == null) {
                loader = Thread.currentThread().getContextClassLoader();
            }
            if (loader == null) {
                loader = Secrets.class.getClassLoader();
            }
            Engine engine = null;
            try {
                engine = new Engine(
                        sources,
                        discover,
                        loader,
                        sched,
                        ownedScheduler,
                        exec,
                        ownedExecutor,
                        refreshPolicy,
                        sourcePolicies,
                        stalePolicy,
                        // jitter is drawn on several engine threads at once: each thread its own generator
                        random != null
                                ? random
                                : (RandomGenerator)
                                        () -> ThreadLocalRandom.current().nextLong(),
                        bus,
                        validators,
                        refValidators,
                        declarations,
                        maximumEntries,
                        revokeOnClose,
                        closeTimeout,
                        circuitBreaker,
                        auditContext != null ? auditContext : Detected.CONTEXT);
                engine.observe(observer);
                Duration monitorEvery = monitorInterval != null
                        ? monitorInterval
                        : declarations.isEmpty() ? Duration.ZERO : Engine.defaultMonitorInterval();
                engine.countReads(readRateSignal);
                engine.signalThresholds(signalThresholds);
                monitored(monitorEvery, engine);
                engine.allowList(allowList);
                engine.checkAccess();
                return new Secrets(engine);
            } catch (RuntimeException e) {
                if (engine != null) {
                    engine.close();
                }
                if (ownedScheduler != null) {
                    ownedScheduler.close();
                }
                if (ownedExecutor != null) {
                    ownedExecutor.shutdownNow();
                }
                throw e;
            }
        }
    }

    /** The context detected from this process's environment, once, at the first client built without one. */
    private static final class Detected {
        static final AuditContext CONTEXT = AuditContext.detect();
    }
}
