package dev.rotor.secrets.spring;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.Subscription;
import dev.rotor.secrets.TimeSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rotor's Micrometer meters, driven from {@link SecretEvent}s and {@link Secrets#inventory()}:
 *
 * <ul>
 *   <li>{@value #EXPIRY} (gauge, seconds): time left to the lease end, per secret; NaN for a secret without lease.
 *   <li>{@value #AGE} (gauge, seconds): time since the version in service was fetched, per secret.
 *   <li>{@value #REFRESHES}: new versions loaded (first loads and rotations), per source.
 *   <li>{@value #RENEWALS}: lease renewals, per source.
 *   <li>{@value #ROTATIONS}: versions replaced by newer ones, per source.
 *   <li>{@value #FAILURES}: failed refreshes, rejected versions, expiries and versions a pool refused to take
 *       ({@code handed_over}; the source tag is then the pool), per source, tagged {@code event}.
 *   <li>{@value #STALE}: versions served past their lease end, per source.
 *   <li>{@value #THROTTLED}: calls the store refused for being over its request quota (HTTP 429, {@code
 *       ThrottlingException}), per source. Throttling is not a failure: the engine waits as the store asked and
 *       retries, so these are not counted in {@value #FAILURES}.
 *   <li>{@value #SLO_FRESH} (gauge, 1 or 0): whether the secret meets its freshness objective ({@link
 *       dev.rotor.secrets.SecretSlo}), per secret.
 *   <li>{@value #LAST_CHECK_AGE} (gauge, seconds): time since the store last confirmed the version held (a load, a
 *       poll or probe, a renewal), per secret; NaN when none is held.
 *   <li>{@value #MAX_AGE} (gauge, seconds): the declared maximum age, per secret; NaN when none is declared.
 *   <li>{@value #REFRESH_FAILING} (gauge, 1 or 0): whether the last look at the store for the secret failed, per
 *       secret (a throttled one is not failing).
 *   <li>{@value #SLO_BREACHES}: transitions into a breach of the freshness objective, per source.
 *   <li>{@value #ANOMALIES}: anomaly signals, per source, tagged {@code type}: {@code rotation_too_frequent}, {@code
 *       unexpected_version}, {@code access_denied_burst}, {@code consumer_refusing}, {@code undeclared_read}, {@code
 *       read_rate_spike} (see {@link dev.rotor.secrets.SecretEventType}).
 *   <li>{@value #CIRCUIT_OPEN} (gauge, 1 or 0): whether the source's circuit breaker is open, per source.
 *   <li>{@value #CONSUMER_BEHIND} (gauge, 1 or 0): whether a consumer (a pool, an SSL context) refused the newest
 *       version of a secret and runs on a replaced one, per consumer ({@code consumer}) and secret; it appears with
 *       the consumer's first hand-over.
 *   <li>{@value #AUTH}: a source's own logins and token renewals, tagged {@code operation} ({@code login} or
 *       {@code renew}) and {@code outcome}. {@code AUTH_LOGIN} (a token obtained or replaced) counts as a login,
 *       {@code AUTH_RENEWED} as a renewal; an {@code AUTH_FAILED} event is tagged {@code operation} {@code login} or
 *       {@code renew} when its detail names one of them, {@code expired} for an expired token, and {@code
 *       login_or_renew} when it names neither or both (the Vault adapter writes "token login failed (...)", "token
 *       renewal failed (...)" and "token expired (...)").
 * </ul>
 *
 * Tags: {@code ref} (scheme and path only, never a field or parameters) for the gauges, {@code source} everywhere;
 * the freshness gauges ({@value #SLO_FRESH}, {@value #LAST_CHECK_AGE}, {@value #MAX_AGE}, {@value #REFRESH_FAILING})
 * also carry {@code owner} ({@code none} when undeclared) and {@code criticality} (lower case). Prometheus sees the
 * names with dots as underscores, seconds gauges with {@code _seconds} and counters with {@code _total}, for example
 * {@code rotor_secret_age_seconds} and {@code rotor_anomalies_total}; the shipped alert rules and dashboard
 * ({@code docs/monitoring/}) use those names.
 * Never a value. The per-secret gauges follow {@link Secrets#inventory()}: they exist only for the secrets the client
 * holds (or declares), so they are bounded by its cache ({@code maximumEntries}) however many distinct refs the
 * application reads. They are reconciled against the inventory when bound, on every event that names a secret without
 * gauges, and whenever the gauges' inventory snapshot is rebuilt (at most once a second while they are read, and after
 * events): a secret that has left the inventory loses its gauges in every registry, and an event naming a secret that
 * is no longer held creates none. The per-source counters stay (they are bounded by the sources).
 *
 * <pre>{@code
 * RotorMetrics metrics = new RotorMetrics(secrets);   // gauges on secrets.timeSource()
 * metrics.bindTo(registry);   // Spring Boot does this for every MeterBinder bean
 * }</pre>
 *
 * <p>Thread-safe: events arrive on engine threads.
 */
public final class RotorMetrics implements MeterBinder, AutoCloseable {
    public static final String EXPIRY = "rotor.secret.expiry";
    public static final String AGE = "rotor.secret.age";
    public static final String REFRESHES = "rotor.refreshes";
    public static final String RENEWALS = "rotor.renewals";
    public static final String ROTATIONS = "rotor.rotations";
    public static final String FAILURES = "rotor.failures";
    public static final String STALE = "rotor.stale.served";
    public static final String AUTH = "rotor.auth";
    public static final String THROTTLED = "rotor.throttled";
    public static final String SLO_FRESH = "rotor.secret.slo.fresh";
    public static final String LAST_CHECK_AGE = "rotor.secret.last.check.age";
    public static final String MAX_AGE = "rotor.secret.max.age";
    public static final String REFRESH_FAILING = "rotor.secret.refresh.failing";
    public static final String SLO_BREACHES = "rotor.slo.breaches";
    public static final String ANOMALIES = "rotor.anomalies";
    public static final String CIRCUIT_OPEN = "rotor.source.circuit.open";
    public static final String CONSUMER_BEHIND = "rotor.consumer.behind";
    /** The most consumer and secret pairs with a {@value #CONSUMER_BEHIND} gauge. */
    private static final int MAX_CONSUMERS = 1_000;

    private final Secrets secrets;
    private final TimeSource clock;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    // per-secret gauges by "ref source", each with the meters registered for it in every registry; guarded by this
    private final Map<String, Gauged> gauged = new HashMap<>();
    private final AtomicLong generations = new AtomicLong();
    private long applied; // the newest generation reconciled; guarded by this
    private volatile Subscription subscription;
    // one inventory per scrape rather than one per gauge; dropped on every event and after a second
    private volatile Snapshot snapshot;
    // per source: 1 while its circuit is open; per consumer and ref (NUL between): 1 while the consumer is behind
    private final Map<String, AtomicLong> circuits = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, AtomicLong> consumers = new java.util.concurrent.ConcurrentHashMap<>();

    /** Meters whose gauges count time on the client's own clock ({@link Secrets#timeSource()}). */
    public RotorMetrics(Secrets secrets) {
        this(secrets, secrets.timeSource());
    }

    /** Meters whose gauges count time on {@code clock}. */
    public RotorMetrics(Secrets secrets, TimeSource clock) {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        registries.add(registry);
        circuits.forEach((source, state) -> circuitGauge(registry, source, state));
        consumers.forEach((key, state) -> {
            int cut = key.indexOf('\0');
            consumerGauge(registry, key.substring(0, cut), key.substring(cut + 1), state);
        });
        rebuild();
        synchronized (this) {
            if (subscription == null) {
                subscription = secrets.addEventListener(this::onEvent);
            }
        }
    }

    /** Stops listening to the client's events. */
    @Override
    public synchronized void close() {
        if (subscription != null) {
            subscription.close();
            subscription = null;
        }
    }

    private void onEvent(SecretEvent event) {
        snapshot = null;
        String source = event.source().orElse("unknown");
        Optional<SecretRef> ref = event.ref();
        if (event.type() == SecretEventType.CIRCUIT_OPENED || event.type() == SecretEventType.CIRCUIT_CLOSED) {
            circuit(source).set(event.type() == SecretEventType.CIRCUIT_OPENED ? 1 : 0);
        }
        if (event.type() == SecretEventType.HANDED_OVER && ref.isPresent()) {
            AtomicLong behind = consumer(source, tag(ref.get()));
            if (behind != null) {
                behind.set(event.outcome() == SecretEvent.Outcome.FAILURE ? 1 : 0);
            }
        }
        boolean consumerEvent = event.type() == SecretEventType.HANDED_OVER;
        if (ref.isPresent() && !consumerEvent && !isGauged(key(tag(ref.get()), source))) {
            // a secret without gauges: held now (gauge it) or no longer (none), and evicted ones lose theirs
            rebuild();
        }
        for (MeterRegistry registry : registries) {
            Tags tags = Tags.of("source", source);
            switch (event.type()) {
                case LOADED:
                    registry.counter(REFRESHES, tags).increment();
                    break;
                case ROTATED:
                    registry.counter(REFRESHES, tags).increment();
                    registry.counter(ROTATIONS, tags).increment();
                    break;
                case RENEWED:
                    registry.counter(RENEWALS, tags).increment();
                    break;
                case REFRESH_FAILED:
                case REJECTED:
                case EXPIRED:
                    registry.counter(
                                    FAILURES,
                                    tags.and("event", lower(event.type().name())))
                            .increment();
                    break;
                case HANDED_OVER:
                    if (event.outcome() == SecretEvent.Outcome.FAILURE) {
                        // a pool that refused a version (validation before the swap) and kept older credentials
                        registry.counter(FAILURES, tags.and("event", "handed_over"))
                                .increment();
                    }
                    break;
                case STALE_SERVED:
                    registry.counter(STALE, tags).increment();
                    break;
                case THROTTLED:
                    registry.counter(THROTTLED, tags).increment();
                    break;
                case SLO_BREACHED:
                    registry.counter(SLO_BREACHES, tags).increment();
                    break;
                case ROTATION_TOO_FREQUENT:
                case UNEXPECTED_VERSION:
                case ACCESS_DENIED_BURST:
                case CONSUMER_REFUSING:
                case UNDECLARED_READ:
                case READ_RATE_SPIKE:
                    registry.counter(
                                    ANOMALIES,
                                    tags.and("type", lower(event.type().name())))
                            .increment();
                    break;
                case AUTH_LOGIN:
                    registry.counter(
                                    AUTH,
                                    tags.and(
                                            "operation",
                                            "login",
                                            "outcome",
                                            lower(event.outcome().name())))
                            .increment();
                    break;
                case AUTH_RENEWED:
                    registry.counter(
                                    AUTH,
                                    tags.and(
                                            "operation",
                                            "renew",
                                            "outcome",
                                            lower(event.outcome().name())))
                            .increment();
                    break;
                case AUTH_FAILED:
                    registry.counter(AUTH, tags.and("operation", failedOperation(event), "outcome", "failure"))
                            .increment();
                    break;
                default:
                    break;
            }
        }
    }

    /**
     * What a failed {@code AUTH_FAILED} event was: {@code renew} or {@code login} when its detail names only one of
     * them (the Vault adapter's "token login failed (...)" and "token renewal failed (...)"), {@code expired} when it
     * says the token expired, else {@code login_or_renew} (no detail, or one naming both or neither).
     */
    static String failedOperation(SecretEvent event) {
        String detail = event.detail().orElse("").toLowerCase(Locale.ROOT);
        boolean renew = detail.contains("renew");
        boolean login = detail.contains("login") || detail.contains("log in");
        if (renew && !login) {
            return "renew";
        }
        if (login && !renew) {
            return "login";
        }
        if (!renew && !login && detail.contains("expired")) {
            return "expired";
        }
        return "login_or_renew";
    }

    private synchronized boolean isGauged(String key) {
        return gauged.containsKey(key);
    }

    private static String key(String ref, String source) {
        return ref + " " + source;
    }

    /** Takes a new inventory snapshot and reconciles the gauges with it. */
    private Snapshot rebuild() {
        long generation = generations.incrementAndGet();
        long now = clock.nanoTime();
        List<InventoryEntry> inventory = secrets.inventory();
        Map<String, InventoryEntry> byTag = new HashMap<>();
        Map<String, InventoryEntry> every = new HashMap<>();
        Map<String, String[]> wanted = new LinkedHashMap<>();
        for (InventoryEntry e : inventory) {
            String ref = tag(e.ref());
            if (e.fetchedAt().isPresent()) {
                byTag.putIfAbsent(ref, e);
            }
            every.putIfAbsent(ref, e);
            wanted.putIfAbsent(key(ref, e.source()), new String[] {
                ref, e.source(), e.owner().orElse("none"), lower(e.criticality().name())
            });
            circuit(e.source());
        }
        Snapshot s = new Snapshot(now, byTag, every);
        snapshot = s;
        reconcile(generation, wanted);
        return s;
    }

    private synchronized void reconcile(long generation, Map<String, String[]> wanted) {
        if (generation <= applied) {
            return; // a newer inventory has been applied already
        }
        applied = generation;
        for (Iterator<Map.Entry<String, Gauged>> it = gauged.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Gauged> g = it.next();
            if (!wanted.containsKey(g.getKey())) {
                g.getValue().removeFromAll();
                it.remove();
            }
        }
        for (Map.Entry<String, String[]> w : wanted.entrySet()) {
            Gauged g = gauged.computeIfAbsent(w.getKey(), k -> new Gauged());
            for (MeterRegistry registry : registries) {
                g.registerIn(registry, w.getValue());
            }
        }
    }

    /** The circuit state of {@code source}, its gauge registered in every registry on first sight. */
    private AtomicLong circuit(String source) {
        AtomicLong state = circuits.get(source);
        if (state != null) {
            return state;
        }
        AtomicLong fresh = new AtomicLong();
        state = circuits.putIfAbsent(source, fresh);
        if (state != null) {
            return state;
        }
        for (MeterRegistry registry : registries) {
            circuitGauge(registry, source, fresh);
        }
        return fresh;
    }

    private static void circuitGauge(MeterRegistry registry, String source, AtomicLong state) {
        Gauge.builder(CIRCUIT_OPEN, state, AtomicLong::get)
                .description("Whether the source's circuit breaker is open (1) or closed (0)")
                .tags("source", source)
                .strongReference(true)
                .register(registry);
    }

    private static void consumerGauge(MeterRegistry registry, String consumer, String ref, AtomicLong state) {
        Gauge.builder(CONSUMER_BEHIND, state, AtomicLong::get)
                .description("Whether the consumer refused the newest version and runs on a replaced one")
                .tags("consumer", consumer, "ref", ref)
                .strongReference(true)
                .register(registry);
    }

    /** Whether {@code consumer} runs behind on {@code ref}; null past {@link #MAX_CONSUMERS} pairs. */
    private AtomicLong consumer(String consumer, String ref) {
        String key = consumer + '\0' + ref;
        AtomicLong state = consumers.get(key);
        if (state != null || consumers.size() >= MAX_CONSUMERS) {
            return state;
        }
        AtomicLong fresh = new AtomicLong();
        state = consumers.putIfAbsent(key, fresh);
        if (state != null) {
            return state;
        }
        for (MeterRegistry registry : registries) {
            consumerGauge(registry, consumer, ref, fresh);
        }
        return fresh;
    }

    /** The gauges of one secret, per registry. */
    private final class Gauged {
        private final Map<MeterRegistry, List<Meter>> meters = new IdentityHashMap<>();

        void registerIn(MeterRegistry registry, String[] labels) {
            if (meters.containsKey(registry)) {
                return;
            }
            String ref = labels[0];
            Tags tags = Tags.of("ref", ref, "source", labels[1]);
            Tags sloTags = tags.and("owner", labels[2], "criticality", labels[3]);
            Gauge expiry = Gauge.builder(EXPIRY, RotorMetrics.this, m -> m.secondsToExpiry(ref))
                    .description("Time left until the lease of the version in service ends")
                    .baseUnit("seconds")
                    .tags(tags)
                    .strongReference(true)
                    .register(registry);
            Gauge age = Gauge.builder(AGE, RotorMetrics.this, m -> m.ageSeconds(ref))
                    .description("Time since the version in service was fetched")
                    .baseUnit("seconds")
                    .tags(tags)
                    .strongReference(true)
                    .register(registry);
            Gauge fresh = Gauge.builder(SLO_FRESH, RotorMetrics.this, m -> m.sloFresh(ref))
                    .description("Whether the secret meets its freshness objective (1) or not (0)")
                    .tags(sloTags)
                    .strongReference(true)
                    .register(registry);
            Gauge checked = Gauge.builder(LAST_CHECK_AGE, RotorMetrics.this, m -> m.lastCheckSeconds(ref))
                    .description("Time since the store last confirmed the version in service")
                    .baseUnit("seconds")
                    .tags(sloTags)
                    .strongReference(true)
                    .register(registry);
            Gauge maxAge = Gauge.builder(MAX_AGE, RotorMetrics.this, m -> m.maxAgeSeconds(ref))
                    .description("The declared maximum age of the secret")
                    .baseUnit("seconds")
                    .tags(sloTags)
                    .strongReference(true)
                    .register(registry);
            Gauge failing = Gauge.builder(REFRESH_FAILING, RotorMetrics.this, m -> m.refreshFailing(ref))
                    .description("Whether the last look at the store for the secret failed (1) or not (0)")
                    .tags(sloTags)
                    .strongReference(true)
                    .register(registry);
            meters.put(registry, List.of(expiry, age, fresh, checked, maxAge, failing));
        }

        void removeFromAll() {
            meters.forEach((registry, ms) -> ms.forEach(registry::remove));
            meters.clear();
        }
    }

    private double secondsToExpiry(String ref) {
        return entry(ref)
                .flatMap(InventoryEntry::expiresAt)
                .map(t -> seconds(Duration.between(clock.now(), t)))
                .orElse(Double.NaN);
    }

    private double ageSeconds(String ref) {
        return entry(ref)
                .flatMap(InventoryEntry::fetchedAt)
                .map(t -> seconds(Duration.between(t, clock.now())))
                .orElse(Double.NaN);
    }

    private double sloFresh(String ref) {
        return any(ref).map(e -> e.slo().met() ? 1.0 : 0.0).orElse(Double.NaN);
    }

    private double lastCheckSeconds(String ref) {
        return entry(ref)
                .flatMap(InventoryEntry::checkedAt)
                .map(t -> seconds(Duration.between(t, clock.now())))
                .orElse(Double.NaN);
    }

    private double maxAgeSeconds(String ref) {
        return any(ref).flatMap(InventoryEntry::maxAge)
                .map(RotorMetrics::seconds)
                .orElse(Double.NaN);
    }

    private double refreshFailing(String ref) {
        return any(ref).map(
                        e -> e.lastError().isPresent() && e.state() != dev.rotor.secrets.SecretState.ACTIVE ? 1.0 : 0.0)
                .orElse(Double.NaN);
    }

    private Optional<InventoryEntry> entry(String ref) {
        return Optional.ofNullable(current().byTag.get(ref));
    }

    /** The entry of {@code ref}, loaded or not. */
    private Optional<InventoryEntry> any(String ref) {
        return Optional.ofNullable(current().every.get(ref));
    }

    private Snapshot current() {
        Snapshot s = snapshot;
        if (s == null || clock.nanoTime() - s.takenAt >= SNAPSHOT_NANOS) {
            s = rebuild();
        }
        return s;
    }

    private static final long SNAPSHOT_NANOS = Duration.ofSeconds(1).toNanos();

    private static final class Snapshot {
        final long takenAt;
        final Map<String, InventoryEntry> byTag;
        final Map<String, InventoryEntry> every;

        Snapshot(long takenAt, Map<String, InventoryEntry> byTag, Map<String, InventoryEntry> every) {
            this.takenAt = takenAt;
            this.byTag = byTag;
            this.every = every;
        }
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    /** The ref as a tag: scheme and path, never a field or parameters. */
    static String tag(SecretRef ref) {
        return ref.scheme() + ":" + ref.path();
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "RotorMetrics{registries=" + registries.size() + "}";
    }
}
