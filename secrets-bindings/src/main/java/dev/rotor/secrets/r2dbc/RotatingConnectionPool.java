package dev.rotor.secrets.r2dbc;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.consumer.HandOverListener;
import dev.rotor.secrets.consumer.SecretConsumer;
import dev.rotor.secrets.jdbc.CredentialFields;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.pool.PoolMetrics;
import io.r2dbc.spi.Closeable;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.ConnectionFactoryMetadata;
import io.r2dbc.spi.ConnectionFactoryOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * An R2DBC connection pool that follows a credentials secret: a {@link ConnectionFactory} whose {@link #create()}
 * borrows from an {@code r2dbc-pool} {@link ConnectionPool} opened with the version in service. On each new version
 * it opens a new pool with the new user name and password and sends every new borrow there, then disposes of the old
 * pool: its idle connections close at once, each borrowed one closes when it is given back (work in flight finishes on
 * the old credentials), and the old pool takes no more borrowers.
 *
 * <pre>{@code
 * ConnectionFactoryOptions db = ConnectionFactoryOptions.parse("r2dbc:postgresql://db:5432/app");
 * RotatingConnectionPool pool = RotatingConnectionPool.builder(secrets, "vault:database/creds/app", db)
 *         .pool(p -> p.maxSize(10).maxIdleTime(Duration.ofMinutes(5)))
 *         .onHandOver(h -> log.info("{}", h))
 *         .bind();
 * Mono.usingWhen(pool.create(), c -> Mono.from(c.createStatement("SELECT 1").execute()), Connection::close);
 * }</pre>
 *
 * <p><b>Why a pool per version.</b> {@code r2dbc-pool} has no soft eviction and reads its factory's options once;
 * a new pool per version is the one way, with its public API, to have every new connection log in with the new
 * credentials while the old connections drain.
 *
 * <p><b>Revocation of the old lease.</b> When the previous version has a lease, the binding holds it ({@link
 * SecretChange#holdPrevious(Duration)}) until the old pool has no borrowed connections left, or for {@link
 * Builder#drainTimeout(Duration)} (default 30 s), whichever comes first.
 *
 * <p><b>Validation.</b> {@link Builder#validateBeforeSwap(boolean)} (default false) opens one connection with each new
 * version before the swap; a version that fails it, or that lacks a field, is refused (a failed {@link HandOver}) and
 * the pool stays on the credentials it has. As with the HikariCP binding, prefer a validator on the {@link
 * Secrets.Builder} for leased secrets ({@link #validator()} once bound, or your own).
 *
 * <p><b>Threads.</b> Thread-safe. The swap runs on the engine thread that delivers the version; {@link #create()} may
 * be called from any thread. {@link #close()} stops following the secret and closes the pool in service.
 */
public final class RotatingConnectionPool implements ConnectionFactory, Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(RotatingConnectionPool.class);
    private static final long DRAIN_POLL_MILLIS = 10;

    private final ConnectionFactoryOptions options;
    private final Function<ConnectionFactoryOptions, ConnectionFactory> factories;
    private final Consumer<ConnectionPoolConfiguration.Builder> poolOptions;
    private final CredentialFields fields;
    private final String name;
    private final Duration drainTimeout;
    private final Duration validationTimeout;
    private final PoolConsumer consumer = new PoolConsumer();
    private volatile ConnectionPool pool;
    private volatile boolean closed;
    private final ConsumerBinding binding;

    private RotatingConnectionPool(Builder b) {
        this.options = b.options;
        this.factories = b.factories;
        this.poolOptions = b.poolOptions;
        this.fields = b.fields;
        this.name = b.name;
        this.drainTimeout = b.drainTimeout;
        this.validationTimeout = b.validationTimeout;
        ConsumerBinding.Builder cb =
                ConsumerBinding.builder(b.secrets, consumer, b.ref.toString()).validateOnDelivery(b.validateBeforeSwap);
        for (HandOverListener l : b.listeners) {
            cb.onHandOver(l);
        }
        if (b.time != null) {
            cb.timeSource(b.time);
        }
        this.binding = cb.bind();
    }

    /**
     * Options for a pool on {@code options} (host, database, driver; a user or password there is replaced) with the
     * credentials in {@code ref}.
     */
    public static Builder builder(Secrets secrets, String ref, ConnectionFactoryOptions options) {
        return new Builder(secrets, ref, options);
    }

    /**
     * Borrows a connection from the pool of the version in service; close the connection to give it back.
     *
     * @return a {@code Mono} that fails with {@link IllegalStateException} when no version was handed over yet or
     *     the pool is closed
     */
    @Override
    public Mono<Connection> create() {
        return Mono.defer(() -> {
            ConnectionPool p = pool;
            if (p == null || closed) {
                return Mono.error(new IllegalStateException(
                        closed ? "R2DBC pool " + name + " is closed" : "R2DBC pool " + name + " has no credentials"));
            }
            return p.create();
        });
    }

    @Override
    public ConnectionFactoryMetadata getMetadata() {
        ConnectionPool p = pool;
        if (p == null) {
            throw new IllegalStateException("R2DBC pool " + name + " has no credentials");
        }
        return p.getMetadata();
    }

    /** The metrics of the pool in service; empty before the first version or without metrics. */
    public Optional<PoolMetrics> metrics() {
        ConnectionPool p = pool;
        return p == null ? Optional.empty() : p.getMetrics();
    }

    /**
     * A validator to register on a {@link Secrets.Builder} for this secret: it opens (and closes) one connection with
     * each candidate version.
     */
    public dev.rotor.secrets.SecretValidator validator() {
        return ConsumerBinding.validator(consumer);
    }

    /** The ref followed. */
    public SecretRef ref() {
        return binding.ref();
    }

    /** How many versions were handed over (the first included). */
    public int handOvers() {
        return binding.handOvers();
    }

    /** How many versions were refused. */
    public int refused() {
        return binding.refused();
    }

    /** The version whose credentials the pool in service uses; empty before the first hand-over. */
    public Optional<String> poolVersion() {
        return binding.consumerVersion();
    }

    /** The latest hand-over (or refusal); empty before the first. */
    public Optional<HandOver> lastHandOver() {
        return binding.lastHandOver();
    }

    /** Stops following the secret and closes the pool in service (borrowed connections close when given back). */
    @Override
    public Mono<Void> close() {
        return Mono.defer(() -> {
            closed = true;
            binding.close();
            ConnectionPool p = pool;
            return p == null ? Mono.empty() : p.disposeLater();
        });
    }

    @Override
    public String toString() {
        return "RotatingConnectionPool{ref=" + binding.ref() + ", name=" + name + ", " + fields + ", version="
                + binding.consumerVersion().orElse("-") + ", handOvers=" + binding.handOvers()
                + (closed ? ", closed" : "") + "}";
    }

    private ConnectionFactory factory(String user, String password) {
        return factories.apply(options.mutate()
                .option(ConnectionFactoryOptions.USER, user)
                .option(ConnectionFactoryOptions.PASSWORD, password)
                .build());
    }

    private static String cause(Throwable e) {
        // the class only: a driver's message can quote the user name
        return e instanceof io.r2dbc.spi.R2dbcException && ((io.r2dbc.spi.R2dbcException) e).getSqlState() != null
                ? "login refused: SQLState " + ((io.r2dbc.spi.R2dbcException) e).getSqlState()
                : "login failed: " + e.getClass().getName();
    }

    /** The pool as a consumer: a new pool per version, the old one disposed of and drained. */
    private final class PoolConsumer implements SecretConsumer {
        @Override
        public String name() {
            return name;
        }

        @Override
        public String kind() {
            return "r2dbc-pool";
        }

        @Override
        public String displayName() {
            return "R2DBC pool " + name;
        }

        @Override
        public void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {
            String[] c = credentials(candidate);
            try {
                Mono.usingWhen(
                                Mono.from(factory(c[0], c[1]).create()),
                                conn -> Mono.from(conn.validate(io.r2dbc.spi.ValidationDepth.REMOTE)),
                                Connection::close)
                        .block(validationTimeout);
            } catch (RuntimeException e) {
                Throwable cause =
                        e.getCause() != null && !(e instanceof io.r2dbc.spi.R2dbcException) ? e.getCause() : e;
                throw new SecretRejectedException(cause(cause));
            }
        }

        @Override
        public void accept(SecretChange change) throws SecretRejectedException {
            String[] c = credentials(change.current());
            ConnectionPoolConfiguration.Builder config = ConnectionPoolConfiguration.builder(factory(c[0], c[1]));
            poolOptions.accept(config);
            config.name(name);
            ConnectionPool next = new ConnectionPool(config.build());
            ConnectionPool old = pool;
            pool = next;
            if (closed) {
                next.dispose();
                return;
            }
            if (old == null) {
                return;
            }
            old.disposeLater()
                    .subscribe(
                            v -> {},
                            e -> LOG.warn(
                                    "Rotor could not close the old R2DBC pool {} of {}: {}",
                                    name,
                                    change.ref(),
                                    e.getClass().getName()));
            if (change.previous().flatMap(Secret::lease).flatMap(Lease::id).isPresent() && !drainTimeout.isZero()) {
                SecretChange.Hold hold = change.holdPrevious(drainTimeout);
                releaseWhenDrained(change, old, hold, System.nanoTime() + drainTimeout.toNanos());
            }
        }

        private String[] credentials(Secret s) throws SecretRejectedException {
            Optional<String> user = s.field(fields.usernameField());
            Optional<String> password = s.field(fields.passwordField());
            if (user.isEmpty() || password.isEmpty()) {
                throw new SecretRejectedException(
                        "field '" + (user.isEmpty() ? fields.usernameField() : fields.passwordField()) + "' missing");
            }
            return new String[] {user.get(), password.get()};
        }
    }

    /** Releases {@code hold} once {@code old} lends no connection (checked every 10 ms, off the engine), or at the deadline. */
    private void releaseWhenDrained(SecretChange change, ConnectionPool old, SecretChange.Hold hold, long deadline) {
        boolean drained =
                closed || old.getMetrics().map(PoolMetrics::acquiredSize).orElse(0) == 0;
        if (!drained && deadline - System.nanoTime() > 0) {
            CompletableFuture.delayedExecutor(DRAIN_POLL_MILLIS, TimeUnit.MILLISECONDS)
                    .execute(() -> releaseWhenDrained(change, old, hold, deadline));
            return;
        }
        if (!drained) {
            LOG.info("Rotor stopped waiting for R2DBC pool {} to return its old connections of {}", name, change.ref());
        }
        hold.release();
    }

    /** Options of a {@link RotatingConnectionPool}; {@link #bind()} checks them. Not thread-safe. */
    public static final class Builder {
        private final Secrets secrets;
        private final SecretRef ref;
        private final ConnectionFactoryOptions options;
        private Function<ConnectionFactoryOptions, ConnectionFactory> factories = ConnectionFactories::get;
        private Consumer<ConnectionPoolConfiguration.Builder> poolOptions = p -> {};
        private CredentialFields fields = CredentialFields.defaults();
        private String name = "r2dbc";
        private boolean validateBeforeSwap;
        private Duration drainTimeout = Duration.ofSeconds(30);
        private Duration validationTimeout = Duration.ofSeconds(10);
        private final List<HandOverListener> listeners = new ArrayList<>();
        private TimeSource time;

        private Builder(Secrets secrets, String ref, ConnectionFactoryOptions options) {
            this.secrets = Objects.requireNonNull(secrets, "secrets");
            this.ref = SecretRef.parse(Objects.requireNonNull(ref, "ref")).withoutField();
            this.options = Objects.requireNonNull(options, "options");
        }

        /** The user name and password fields (default {@link CredentialFields#defaults()}). */
        public Builder fields(CredentialFields fields) {
            this.fields = Objects.requireNonNull(fields, "fields");
            return this;
        }

        /** Sizes and times of each pool ({@code maxSize}, {@code maxIdleTime}, ...); the name is set by the binding. */
        public Builder pool(Consumer<ConnectionPoolConfiguration.Builder> options) {
            this.poolOptions = Objects.requireNonNull(options, "pool");
            return this;
        }

        /** How a factory is made from options with credentials (default {@link ConnectionFactories#get}). */
        public Builder connectionFactories(Function<ConnectionFactoryOptions, ConnectionFactory> factories) {
            this.factories = Objects.requireNonNull(factories, "connectionFactories");
            return this;
        }

        /** What events, logs and the pools are called (default {@code "r2dbc"}). */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = name;
            return this;
        }

        /** Whether to open one connection with a new version before the swap (default false). */
        public Builder validateBeforeSwap(boolean validate) {
            this.validateBeforeSwap = validate;
            return this;
        }

        /** How long one validation login may take (default 10 s). */
        public Builder validationTimeout(Duration timeout) {
            this.validationTimeout = Objects.requireNonNull(timeout, "validationTimeout");
            return this;
        }

        /**
         * How long to hold back the revocation of a previous lease while the old pool lends connections (default 30
         * s; zero revokes as soon as the new pool is in service).
         */
        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = Objects.requireNonNull(timeout, "drainTimeout");
            return this;
        }

        /** Told of every hand-over and refusal; each call adds a listener. */
        public Builder onHandOver(HandOverListener listener) {
            listeners.add(Objects.requireNonNull(listener, "onHandOver"));
            return this;
        }

        /** The clock for hand-over times and durations (default the client's). */
        public Builder timeSource(TimeSource time) {
            this.time = Objects.requireNonNull(time, "timeSource");
            return this;
        }

        /**
         * Starts following the secret: loads it if needed and opens the pool with the current version.
         *
         * @throws IllegalArgumentException naming {@code drainTimeout} or {@code validationTimeout} when negative (or
         *     zero, for the validation)
         * @throws dev.rotor.secrets.SecretException when the secret cannot be loaded
         */
        public RotatingConnectionPool bind() {
            if (drainTimeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout must not be negative, was " + drainTimeout);
            }
            if (validationTimeout.isNegative() || validationTimeout.isZero()) {
                throw new IllegalArgumentException("validationTimeout must be positive, was " + validationTimeout);
            }
            return new RotatingConnectionPool(this);
        }
    }
}
