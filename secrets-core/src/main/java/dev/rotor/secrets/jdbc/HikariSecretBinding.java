package dev.rotor.secrets.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.Subscription;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.jdbc.internal.AuthFailures;
import dev.rotor.secrets.jdbc.internal.HikariSupport;
import dev.rotor.secrets.jdbc.internal.LoginCheck;
import java.sql.Connection;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a running HikariCP pool on the current version of a credentials secret. On each new version it optionally
 * opens one connection with it, then gives the pool the new credentials ({@code setCredentials(Credentials.of(user,
 * password))} on HikariCP 6 and 7, {@code setUsername}/{@code setPassword} on 5, found at run time) and calls {@code
 * softEvictConnections()}: work in flight finishes on the old connections, which close when they come back, and every
 * new connection logs in with the new credentials.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder()
 *         .validator("vault:database/creds/app", HikariSecretBinding.validator(pool, CredentialFields.defaults()))
 *         .build();
 * try (HikariSecretBinding binding = HikariSecretBinding.builder(secrets, pool, "vault:database/creds/app")
 *         .drainTimeout(Duration.ofSeconds(30))
 *         .onHandOver(h -> log.info("{}", h))
 *         .bind()) {
 *     // the pool follows every rotation until the binding is closed
 * }
 * }</pre>
 *
 * <p><b>Validation.</b> Prefer {@link #validator(HikariDataSource, CredentialFields)} registered on the {@link
 * Secrets.Builder}: its veto keeps the old version in service (and its lease alive) and the engine retries later.
 * {@link Builder#validateBeforeSwap(boolean)} checks inside the listener instead: the pool keeps its old credentials,
 * but the engine has already moved on to the new version and will revoke the old lease, so use it only for secrets
 * without leases (mounted files, static passwords).
 *
 * <p><b>Revocation of the old lease.</b> When the previous version has a lease, the binding holds it (see {@link
 * SecretChange#holdPrevious(Duration)}) until the pool has no borrowed connections left or for {@link
 * Builder#drainTimeout(Duration)} (default 30 s), whichever comes first, so that queries in flight on the old
 * credentials are not cut off; the engine revokes the old lease then. Later versions are delivered meanwhile.
 *
 * <p><b>Events.</b> Each hand-over (and each refusal, as a failure) is published to the client's event listeners and
 * audit log as {@link SecretEventType#HANDED_OVER}, with the pool's name as the source and the hand-over's duration,
 * and told to the {@link Builder#onHandOver(HandOverListener)} listener.
 *
 * <p><b>Threads.</b> Thread-safe. The swap runs on the engine thread that delivers the version; {@link
 * HandOverListener}s run there too. Closing the binding stops following the secret; the pool keeps the credentials it
 * has.
 */
public final class HikariSecretBinding implements Subscription {
    private static final Logger LOG = LoggerFactory.getLogger(HikariSecretBinding.class);
    private static final long DRAIN_POLL_MILLIS = 10;

    private final HikariDataSource pool;
    private final SecretRef ref;
    private final CredentialFields fields;
    private final boolean validateBeforeSwap;
    private final Duration drainTimeout;
    private final HandOverListener listener;
    private final TimeSource time;
    private final Secrets secrets;
    private final AtomicInteger handOvers = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicReference<HandOver> last = new AtomicReference<>();
    private volatile String poolVersion; // the version the pool holds; touched by the serial delivery only
    private volatile String latestVersion; // the latest version delivered to this binding; same
    private final String name;
    private volatile boolean closed;
    private volatile Subscription watch;

    private HikariSecretBinding(Builder b) {
        this.pool = b.pool;
        this.ref = b.ref;
        this.fields = b.fields;
        this.validateBeforeSwap = b.validateBeforeSwap;
        this.drainTimeout = b.drainTimeout;
        this.listener = b.listener;
        this.secrets = b.secrets;
        this.time = b.time == null ? b.secrets.timeSource() : b.time;
        this.name = b.name;
    }

    /**
     * Binds {@code pool} to {@code ref} with the default options; see {@link #builder} for the others.
     *
     * @throws dev.rotor.secrets.SecretException when the secret cannot be loaded
     */
    public static HikariSecretBinding bind(
            Secrets secrets, HikariDataSource pool, String ref, CredentialFields fields) {
        return builder(secrets, pool, ref).fields(fields).bind();
    }

    /** Options for binding {@code pool} to {@code ref}. */
    public static Builder builder(Secrets secrets, HikariDataSource pool, String ref) {
        return new Builder(secrets, pool, ref);
    }

    /**
     * A validator to register on the {@link Secrets.Builder} for the pool's secret: it opens (and closes) one
     * connection with each candidate version, configured as the pool is, and vetoes the version when that fails. A
     * vetoed version never reaches the pool; the old one stays in service and the engine retries with backoff.
     *
     * <p>It is named {@code "HikariCP pool <pool name>"} (the name the pool has when it refuses a version), and its
     * refusals say why without the driver's message: {@code "field 'password' missing"}, {@code "login refused:
     * SQLState 28000"}. The engine's refusal then reads {@code HikariCP pool orders vetoed version 7 (login refused:
     * SQLState 28000)}.
     *
     * <pre>{@code
     * Secrets.builder().validator(ref, HikariSecretBinding.validator(pool, CredentialFields.defaults()))
     * }</pre>
     */
    public static SecretValidator validator(HikariDataSource pool, CredentialFields fields) {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(fields, "fields");
        return new SecretValidator() {
            @Override
            public void validate(Secret candidate, Optional<Secret> current) throws SecretRejectedException {
                LoginCheck.check(candidate, fields, (user, password) -> HikariSupport.open(pool, user, password));
            }

            @Override
            public String name() {
                return "HikariCP pool " + nameOf(pool, "(unnamed)");
            }

            @Override
            public String toString() {
                return "SecretValidator{" + name() + "}";
            }
        };
    }

    /**
     * As {@link #validator(HikariDataSource, CredentialFields)}, named {@code "HikariCP pool <name>"} whatever the
     * pool's own name: for a pool that has none yet (HikariCP names an unnamed pool only when it starts).
     */
    public static SecretValidator validator(HikariDataSource pool, CredentialFields fields, String name) {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(fields, "fields");
        Objects.requireNonNull(name, "name");
        return SecretValidator.named(
                "HikariCP pool " + name,
                (candidate, current) -> LoginCheck.check(
                        candidate, fields, (user, password) -> HikariSupport.open(pool, user, password)));
    }

    /** The ref this binding follows. */
    public SecretRef ref() {
        return ref;
    }

    /** How many versions were handed over to the pool (the first one included when it changed the pool). */
    public int handOvers() {
        return handOvers.get();
    }

    /** How many versions {@link Builder#validateBeforeSwap} refused. */
    public int refused() {
        return refused.get();
    }

    /**
     * The name events, logs and refusals give the pool: {@link Builder#name(String)} when given, else its HikariCP
     * pool name, else {@code "pool"}.
     */
    public String poolName() {
        return name != null ? name : nameOf(pool, "pool");
    }

    /**
     * The version whose credentials the pool holds; empty before the first delivery. It stays on the older version
     * when a version was refused ({@link Builder#validateBeforeSwap}) or lacked a field.
     */
    public Optional<String> poolVersion() {
        return Optional.ofNullable(poolVersion);
    }

    /** The latest version the client delivered to this binding (handed over or refused); empty before the first. */
    public Optional<String> latestVersion() {
        return Optional.ofNullable(latestVersion);
    }

    /** Whether the pool holds an older version than the latest one delivered to it: a refusal left it behind. */
    public boolean behind() {
        String latest = latestVersion;
        return latest != null && !latest.equals(poolVersion);
    }

    /** The latest hand-over (or refusal); empty before the first. */
    public Optional<HandOver> lastHandOver() {
        return Optional.ofNullable(last.get());
    }

    /** Stops following the secret; the pool keeps its current credentials. Idempotent. */
    @Override
    public void close() {
        closed = true;
        Subscription w = watch;
        if (w != null) {
            w.close();
        }
    }

    private HikariSecretBinding start(Secrets secrets) {
        watch = secrets.watch(ref.toString(), this::onChange);
        if (closed) {
            watch.close();
        }
        return this;
    }

    private void onChange(SecretChange change) {
        if (closed) {
            return;
        }
        long t0 = time.nanoTime();
        Secret current = change.current();
        Optional<Secret> previous = change.previous();
        // after a refusal the engine's previous version is not the pool's: report the one the pool really had
        String previousVersion = poolVersion;
        latestVersion = current.version();
        Optional<String> user = current.field(fields.usernameField());
        Optional<String> password = current.field(fields.passwordField());
        if (user.isEmpty() || password.isEmpty()) {
            refuse(
                    current,
                    previousVersion,
                    t0,
                    LoginCheck.missing(user.isEmpty() ? fields.usernameField() : fields.passwordField()));
            return;
        }
        if (previous.isEmpty() && HikariSupport.holds(pool, user.get(), password.get())) {
            poolVersion = current.version();
            return; // the pool was built with these credentials: nothing to hand over
        }
        if (validateBeforeSwap) {
            try (Connection c = HikariSupport.open(pool, user.get(), password.get())) {
                c.isValid(5);
            } catch (Exception e) {
                refuse(current, previousVersion, t0, AuthFailures.reason(e));
                return;
            }
        }
        HikariSupport.apply(pool, user.get(), password.get());
        HikariSupport.softEvict(pool);
        poolVersion = current.version();
        HandOver h = new HandOver(ref, poolName(), current.version(), previousVersion, time.now(), elapsed(t0), null);
        handOvers.incrementAndGet();
        report(h);
        LOG.info(
                "Rotor handed version {} of {} to pool {} in {} ms",
                h.version(),
                ref,
                h.target(),
                h.duration().toMillis());
        if (previous.flatMap(Secret::lease).flatMap(Lease::id).isPresent() && !drainTimeout.isZero()) {
            // the engine revokes the old lease once this hold is released (or its time is up), without holding up
            // the delivery of later versions
            SecretChange.Hold hold = change.holdPrevious(drainTimeout);
            releaseWhenDrained(hold, System.nanoTime() + drainTimeout.toNanos());
        }
    }

    /**
     * Releases {@code hold} once no connection is borrowed from the pool (checked every 10 ms on the common pool's
     * delayed executor, never on an engine thread), or at {@code deadline}. A connection the pool was opening with
     * the old credentials during the swap may have joined it after the first eviction: evict once more first.
     */
    private void releaseWhenDrained(SecretChange.Hold hold, long deadline) {
        boolean drained = closed || HikariSupport.activeConnections(pool) == 0;
        if (!drained && deadline - System.nanoTime() > 0) {
            CompletableFuture.delayedExecutor(DRAIN_POLL_MILLIS, TimeUnit.MILLISECONDS)
                    .execute(() -> releaseWhenDrained(hold, deadline));
            return;
        }
        if (!drained) {
            LOG.info("Rotor stopped waiting for pool {} to return its old connections of {}", poolName(), ref);
        }
        try {
            HikariSupport.softEvict(pool);
        } finally {
            hold.release();
        }
    }

    private void refuse(Secret current, String previousVersion, long t0, String reason) {
        refused.incrementAndGet();
        HandOver h = new HandOver(ref, poolName(), current.version(), previousVersion, time.now(), elapsed(t0), reason);
        report(h);
        LOG.warn(
                "Rotor kept pool {} on its current credentials: version {} of {} failed validation ({})",
                h.target(),
                h.version(),
                ref,
                h.failure().orElse(""));
    }

    private void report(HandOver h) {
        last.set(h);
        SecretEvent.Builder ev = SecretEvent.builder(SecretEventType.HANDED_OVER, h.time())
                .ref(ref)
                .source(h.target())
                .version(h.version())
                .duration(h.duration())
                .detail("pool");
        h.previousVersion().ifPresent(ev::previousVersion);
        // the reason only (a missing field, an SQLState): a driver's message may quote the user name
        h.failure()
                .ifPresent(f -> ev.failure(new SecretRejectedException(
                        "HikariCP pool " + h.target() + " refused version " + h.version() + " (" + f + ")",
                        ref,
                        h.target())));
        secrets.publish(ev.build());
        try {
            listener.onHandOver(h);
        } catch (RuntimeException e) {
            LOG.warn(
                    "Rotor hand-over listener {} threw {}; ignored",
                    listener.getClass().getName(),
                    e.getClass().getName());
        }
    }

    private static String nameOf(HikariDataSource pool, String fallback) {
        String name = pool.getPoolName();
        return name == null || name.isBlank() ? fallback : name;
    }

    private Duration elapsed(long t0) {
        return Duration.ofNanos(Math.max(0, time.nanoTime() - t0));
    }

    @Override
    public String toString() {
        return "HikariSecretBinding{ref=" + ref + ", pool=" + poolName() + ", api=" + HikariSupport.api()
                + ", handOvers=" + handOvers.get() + ", refused=" + refused.get() + (closed ? ", closed" : "") + "}";
    }

    /** Options of a {@link HikariSecretBinding}. {@link #bind()} checks them. Not thread-safe. */
    public static final class Builder {
        private final Secrets secrets;
        private final HikariDataSource pool;
        private final SecretRef ref;
        private CredentialFields fields = CredentialFields.defaults();
        private boolean validateBeforeSwap;
        private Duration drainTimeout = Duration.ofSeconds(30);
        private HandOverListener listener = h -> {};
        private TimeSource time;
        private String name;

        private Builder(Secrets secrets, HikariDataSource pool, String ref) {
            this.secrets = Objects.requireNonNull(secrets, "secrets");
            this.pool = Objects.requireNonNull(pool, "pool");
            this.ref = SecretRef.parse(Objects.requireNonNull(ref, "ref")).withoutField();
        }

        /** The user name and password fields (default {@link CredentialFields#defaults()}). */
        public Builder fields(CredentialFields fields) {
            this.fields = Objects.requireNonNull(fields, "fields");
            return this;
        }

        /**
         * Whether to open one connection with a new version before handing it to the pool (default false). A version
         * that fails keeps the pool on its current credentials and is reported as a refused {@link HandOver}. See the
         * class documentation for why a registered {@link #validator} is the better place for leased secrets.
         */
        public Builder validateBeforeSwap(boolean validate) {
            this.validateBeforeSwap = validate;
            return this;
        }

        /**
         * How long to hold back the revocation of a previous lease while the pool still has borrowed connections
         * (default 30 s; zero revokes as soon as the pool has the new credentials).
         */
        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = Objects.requireNonNull(timeout, "drainTimeout");
            return this;
        }

        /**
         * What events, logs and refusals call the pool (default: its HikariCP pool name as it is at each use, or
         * {@code "pool"} while it has none). HikariCP names an unnamed pool only when it starts; the Spring Boot starter
         * passes the pool name at binding time, else the bean name.
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = name;
            return this;
        }

        /** Told of every hand-over and refusal. */
        public Builder onHandOver(HandOverListener listener) {
            this.listener = Objects.requireNonNull(listener, "onHandOver");
            return this;
        }

        /** The clock for hand-over times and durations (default the client's, {@link Secrets#timeSource()}). */
        public Builder timeSource(TimeSource time) {
            this.time = Objects.requireNonNull(time, "timeSource");
            return this;
        }

        /**
         * Starts following the secret: loads it if needed and hands the current version to the pool unless the pool
         * already has it.
         *
         * @throws IllegalArgumentException naming {@code drainTimeout} when it is negative
         * @throws dev.rotor.secrets.SecretException when the secret cannot be loaded
         */
        public HikariSecretBinding bind() {
            if (drainTimeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout must not be negative, was " + drainTimeout);
            }
            return new HikariSecretBinding(this).start(secrets);
        }
    }
}
