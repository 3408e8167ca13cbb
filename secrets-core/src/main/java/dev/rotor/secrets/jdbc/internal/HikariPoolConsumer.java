package dev.rotor.secrets.jdbc.internal;

import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.consumer.SecretConsumer;
import dev.rotor.secrets.jdbc.CredentialFields;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running HikariCP pool as a {@link SecretConsumer}: validation opens (and closes) one connection with the
 * candidate, configured as the pool is; a hand-over gives the pool the new credentials and soft-evicts its
 * connections, then holds a leased previous version until no connection is borrowed any more, or for the drain
 * timeout. Thread-safe.
 */
public final class HikariPoolConsumer implements SecretConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(HikariPoolConsumer.class);
    private static final long DRAIN_POLL_MILLIS = 10;

    private final HikariDataSource pool;
    private final CredentialFields fields;
    private final Supplier<String> name;
    private final Duration drainTimeout;
    private final BooleanSupplier stopped;

    /**
     * @param name the pool's name at each use
     * @param drainTimeout how long to hold a leased previous version while connections are borrowed (zero: not at
     *     all)
     * @param stopped whether the binding was closed: a drain under way then lets go at once
     */
    public HikariPoolConsumer(
            HikariDataSource pool,
            CredentialFields fields,
            Supplier<String> name,
            Duration drainTimeout,
            BooleanSupplier stopped) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.fields = Objects.requireNonNull(fields, "fields");
        this.name = Objects.requireNonNull(name, "name");
        this.drainTimeout = Objects.requireNonNull(drainTimeout, "drainTimeout");
        this.stopped = Objects.requireNonNull(stopped, "stopped");
    }

    /** A consumer for validation only: it is never handed a version. */
    public static HikariPoolConsumer forValidation(
            HikariDataSource pool, CredentialFields fields, Supplier<String> name) {
        return new HikariPoolConsumer(pool, fields, name, Duration.ZERO, () -> true);
    }

    /** The pool's HikariCP name, or {@code fallback} while it has none. */
    public static String nameOf(HikariDataSource pool, String fallback) {
        String name = pool.getPoolName();
        return name == null || name.isBlank() ? fallback : name;
    }

    @Override
    public String name() {
        return name.get();
    }

    @Override
    public String kind() {
        return "pool";
    }

    @Override
    public String displayName() {
        return "HikariCP pool " + name();
    }

    /** Whether the pool was built with (or pulls from Rotor) these credentials. */
    @Override
    public boolean inUse(Secret version) {
        Optional<String> user = version.field(fields.usernameField());
        Optional<String> password = version.field(fields.passwordField());
        return user.isPresent() && password.isPresent() && HikariSupport.holds(pool, user.get(), password.get());
    }

    @Override
    public void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {
        LoginCheck.check(candidate, fields, (user, password) -> HikariSupport.open(pool, user, password));
    }

    @Override
    public void accept(SecretChange change) throws SecretRejectedException {
        Secret current = change.current();
        Optional<String> user = current.field(fields.usernameField());
        Optional<String> password = current.field(fields.passwordField());
        if (user.isEmpty() || password.isEmpty()) {
            throw new SecretRejectedException(
                    LoginCheck.missing(user.isEmpty() ? fields.usernameField() : fields.passwordField()));
        }
        HikariSupport.apply(pool, user.get(), password.get());
        HikariSupport.softEvict(pool);
        if (change.previous().flatMap(Secret::lease).flatMap(Lease::id).isPresent() && !drainTimeout.isZero()) {
            // the engine revokes the old lease once this hold is released (or its time is up), without holding up
            // the delivery of later versions
            SecretChange.Hold hold = change.holdPrevious(drainTimeout);
            releaseWhenDrained(change, hold, System.nanoTime() + drainTimeout.toNanos());
        }
    }

    /**
     * Releases {@code hold} once no connection is borrowed from the pool (checked every 10 ms on the common pool's
     * delayed executor, never on an engine thread), or at {@code deadline}. A connection the pool was opening with
     * the old credentials during the swap may have joined it after the first eviction: evict once more first.
     */
    private void releaseWhenDrained(SecretChange change, SecretChange.Hold hold, long deadline) {
        boolean drained = stopped.getAsBoolean() || HikariSupport.activeConnections(pool) == 0;
        if (!drained && deadline - System.nanoTime() > 0) {
            CompletableFuture.delayedExecutor(DRAIN_POLL_MILLIS, TimeUnit.MILLISECONDS)
                    .execute(() -> releaseWhenDrained(change, hold, deadline));
            return;
        }
        if (!drained) {
            LOG.info("Rotor stopped waiting for pool {} to return its old connections of {}", name(), change.ref());
        }
        try {
            HikariSupport.softEvict(pool);
        } finally {
            hold.release();
        }
    }

    @Override
    public String toString() {
        return "HikariPoolConsumer{pool=" + name() + ", api=" + HikariSupport.api() + "}";
    }
}
