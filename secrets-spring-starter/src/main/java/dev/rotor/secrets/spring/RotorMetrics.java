package dev.rotor.secrets.spring;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.Subscription;
import dev.rotor.secrets.TimeSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

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
 *   <li>{@value #AUTH}: a source's own logins and token renewals, tagged {@code operation} ({@code login} or
 *       {@code renew}) and {@code outcome}. {@code AUTH_LOGIN} (a token obtained or replaced) counts as a login,
 *       {@code AUTH_RENEWED} as a renewal; an {@code AUTH_FAILED} event is tagged {@code operation} {@code login} or
 *       {@code renew} when its detail names one of them, {@code expired} for an expired token, and {@code
 *       login_or_renew} when it names neither or both (the Vault adapter writes "token login failed (...)", "token
 *       renewal failed (...)" and "token expired (...)").
 * </ul>
 *
 * Tags: {@code ref} (scheme and path only, never a field or parameters) for the gauges, {@code source} everywhere.
 * Never a value. Gauges appear for every secret in the inventory when bound and for every secret an event names
 * afterwards.
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

    private final Secrets secrets;
    private final TimeSource clock;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private final Set<String> gauged = ConcurrentHashMap.newKeySet();
    private volatile Subscription subscription;
    // one inventory per scrape rather than one per gauge; dropped on every event and after a second
    private volatile Snapshot snapshot;

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
        for (InventoryEntry e : secrets.inventory()) {
            gauges(registry, tag(e.ref()), e.source());
        }
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
        for (MeterRegistry registry : registries) {
            ref.ifPresent(r -> gauges(registry, tag(r), source));
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

    private void gauges(MeterRegistry registry, String ref, String source) {
        if (!gauged.add(System.identityHashCode(registry) + " " + ref + " " + source)) {
            return;
        }
        Tags tags = Tags.of("ref", ref, "source", source);
        Gauge.builder(EXPIRY, this, m -> m.secondsToExpiry(ref))
                .description("Time left until the lease of the version in service ends")
                .baseUnit("seconds")
                .tags(tags)
                .strongReference(true)
                .register(registry);
        Gauge.builder(AGE, this, m -> m.ageSeconds(ref))
                .description("Time since the version in service was fetched")
                .baseUnit("seconds")
                .tags(tags)
                .strongReference(true)
                .register(registry);
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

    private Optional<InventoryEntry> entry(String ref) {
        long now = clock.nanoTime();
        Snapshot s = snapshot;
        if (s == null || now - s.takenAt >= SNAPSHOT_NANOS) {
            Map<String, InventoryEntry> byTag = new HashMap<>();
            for (InventoryEntry e : secrets.inventory()) {
                if (e.fetchedAt().isPresent()) {
                    byTag.putIfAbsent(tag(e.ref()), e);
                }
            }
            s = new Snapshot(now, byTag);
            snapshot = s;
        }
        return Optional.ofNullable(s.byTag.get(ref));
    }

    private static final long SNAPSHOT_NANOS = Duration.ofSeconds(1).toNanos();

    private static final class Snapshot {
        final long takenAt;
        final Map<String, InventoryEntry> byTag;

        Snapshot(long takenAt, Map<String, InventoryEntry> byTag) {
            this.takenAt = takenAt;
            this.byTag = byTag;
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
