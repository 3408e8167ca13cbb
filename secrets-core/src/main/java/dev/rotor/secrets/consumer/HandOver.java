package dev.rotor.secrets.consumer;

import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One hand-over of a secret version to a {@link SecretConsumer} (a connection pool, a data source, a client): which
 * version replaced which, how long the hand-over took (validation, the swap itself and, for a pool, the eviction of
 * its idle connections), and whether it succeeded. Never a value: a failure says why in words ({@code "field
 * 'password' missing"}, {@code "login refused: SQLState 28000"}), never with a driver's or a client's message, which
 * can quote a user name. Immutable and thread-safe.
 *
 * <pre>{@code
 * HikariSecretBinding.builder(secrets, pool, ref)
 *         .onHandOver(h -> log.info("{} now on {} after {}", h.target(), h.version(), h.duration()))
 *         .bind();
 * }</pre>
 */
public final class HandOver {
    private final SecretRef ref;
    private final String target;
    private final String version;
    private final String previousVersion;
    private final Instant time;
    private final Duration duration;
    private final String failure;

    HandOver(
            SecretRef ref,
            String target,
            String version,
            String previousVersion,
            Instant time,
            Duration duration,
            String failure) {
        this.ref = Objects.requireNonNull(ref, "ref");
        this.target = Objects.requireNonNull(target, "target");
        this.version = Objects.requireNonNull(version, "version");
        this.previousVersion = previousVersion;
        this.time = Objects.requireNonNull(time, "time");
        this.duration = Objects.requireNonNull(duration, "duration");
        this.failure = failure;
    }

    public SecretRef ref() {
        return ref;
    }

    /** The consumer's name ({@link SecretConsumer#name()}): for a HikariCP binding, the pool's name. */
    public String target() {
        return target;
    }

    /** The version handed over (or refused, see {@link #succeeded()}). */
    public String version() {
        return version;
    }

    /** The version the consumer used before; empty for the first one. */
    public Optional<String> previousVersion() {
        return Optional.ofNullable(previousVersion);
    }

    /** When the hand-over finished. */
    public Instant time() {
        return time;
    }

    /**
     * How long the hand-over took, from the delivery of the new version until the consumer had it in use (for a pool:
     * until it had evicted its idle connections), measured on the binding's clock.
     */
    public Duration duration() {
        return duration;
    }

    /** Whether the consumer now uses this version; false when it refused it and kept the one it had. */
    public boolean succeeded() {
        return failure == null;
    }

    /**
     * Why the hand-over was refused, as the consumer said it ({@link SecretRejectedException#reason()}): the missing
     * field ({@code "field 'password' missing"}), the SQLState the database answered ({@code "login refused: SQLState
     * 28000"}); for a consumer that failed otherwise, only the exception's class. Never a driver's message.
     */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public String toString() {
        return "HandOver{" + ref + " -> " + target + " version=" + version
                + (previousVersion == null ? "" : " previous=" + previousVersion) + " took=" + duration
                + (failure == null ? "" : " failed=" + failure) + "}";
    }
}
