package dev.rotor.secrets.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.Subscription;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.consumer.HandOverListener;
import dev.rotor.secrets.jdbc.internal.HikariPoolConsumer;
import dev.rotor.secrets.jdbc.internal.HikariSupport;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

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
 * <p><b>A consumer.</b> The binding is a {@link dev.rotor.secrets.consumer.ConsumerBinding} of the pool as a {@link
 * dev.rotor.secrets.consumer.SecretConsumer}: the same hand-over reports, counters and refusals as every other
 * consumer.
 *
 * <p><b>Threads.</b> Thread-safe. The swap runs on the engine thread that delivers the version; {@link
 * HandOverListener}s run there too. Closing the binding stops following the secret; the pool keeps the credentials it
 * has.
 */
public final class HikariSecretBinding implements Subscription {
    private final HikariDataSource pool;
    private final SecretRef ref;
    private final String name;
    private final ConsumerBinding binding;
    private volatile boolean closed;

    private HikariSecretBinding(Builder b) {
        this.pool = b.pool;
        this.ref = b.ref;
        this.name = b.name;
        HikariPoolConsumer consumer =
                new HikariPoolConsumer(b.pool, b.fields, this::poolName, b.drainTimeout, () -> closed);
        ConsumerBinding.Builder cb = ConsumerBinding.builder(b.secrets, consumer, b.ref.toString())
                .validateOnDelivery(b.validateBeforeSwap)
                .onHandOver(b.listener);
        if (b.time != null) {
            cb.timeSource(b.time);
        }
        this.binding = cb.bind();
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
        return ConsumerBinding.validator(
                HikariPoolConsumer.forValidation(pool, fields, () -> HikariPoolConsumer.nameOf(pool, "(unnamed)")));
    }

    /**
     * As {@link #validator(HikariDataSource, CredentialFields)}, named {@code "HikariCP pool <name>"} whatever the
     * pool's own name: for a pool that has none yet (HikariCP names an unnamed pool only when it starts).
     */
    public static SecretValidator validator(HikariDataSource pool, CredentialFields fields, String name) {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(fields, "fields");
        Objects.requireNonNull(name, "name");
        return ConsumerBinding.validator(HikariPoolConsumer.forValidation(pool, fields, () -> name));
    }

    /** The ref this binding follows. */
    public SecretRef ref() {
        return ref;
    }

    /** How many versions were handed over to the pool (the first one included when it changed the pool). */
    public int handOvers() {
        return binding.handOvers();
    }

    /** How many versions {@link Builder#validateBeforeSwap} refused. */
    public int refused() {
        return binding.refused();
    }

    /**
     * The name events, logs and refusals give the pool: {@link Builder#name(String)} when given, else its HikariCP
     * pool name, else {@code "pool"}.
     */
    public String poolName() {
        return name != null ? name : HikariPoolConsumer.nameOf(pool, "pool");
    }

    /**
     * The version whose credentials the pool holds; empty before the first delivery. It stays on the older version
     * when a version was refused ({@link Builder#validateBeforeSwap}) or lacked a field.
     */
    public Optional<String> poolVersion() {
        return binding.consumerVersion();
    }

    /** The latest version the client delivered to this binding (handed over or refused); empty before the first. */
    public Optional<String> latestVersion() {
        return binding.latestVersion();
    }

    /** Whether the pool holds an older version than the latest one delivered to it: a refusal left it behind. */
    public boolean behind() {
        return binding.behind();
    }

    /** The latest hand-over (or refusal); empty before the first. */
    public Optional<HandOver> lastHandOver() {
        return binding.lastHandOver();
    }

    /** Stops following the secret; the pool keeps its current credentials. Idempotent. */
    @Override
    public void close() {
        closed = true;
        binding.close();
    }

    @Override
    public String toString() {
        return "HikariSecretBinding{ref=" + ref + ", pool=" + poolName() + ", api=" + HikariSupport.api()
                + ", handOvers=" + binding.handOvers() + ", refused=" + binding.refused() + (closed ? ", closed" : "")
                + "}";
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
            return new HikariSecretBinding(this);
        }
    }
}
