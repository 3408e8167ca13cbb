package dev.rotor.secrets.jdbc;

import dev.rotor.secrets.SecretRef;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One hand-over of a secret version to a connection pool: which version replaced which, how long the hand-over took
 * (validation, credential swap and eviction), and whether it succeeded. Never a value: a failure says why in
 * words ({@code "field 'password' missing"}, {@code "login refused: SQLState 28000"}), never with the driver's message,
 * which can quote the user name. Immutable and thread-safe.
 *
 * <pre>{@code
 * HikariSecretBinding.builder(secrets, pool, ref)
 *         .onHandOver(h -> log.info("pool now on {} after {}", h.version(), h.duration()))
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

    /** The pool's name. */
    public String target() {
        return target;
    }

    /** The version handed over (or refused, see {@link #succeeded()}). */
    public String version() {
        return version;
    }

    /** The version the pool used before; empty for the first one. */
    public Optional<String> previousVersion() {
        return Optional.ofNullable(previousVersion);
    }

    /** When the hand-over finished. */
    public Instant time() {
        return time;
    }

    /** How long the hand-over took, from delivery of the new version to the pool evicting its old connections. */
    public Duration duration() {
        return duration;
    }

    /** Whether the pool now uses this version; false when validation refused it and the pool kept the old one. */
    public boolean succeeded() {
        return failure == null;
    }

    /**
     * Why the hand-over was refused: the missing field ({@code "field 'password' missing"}) or the SQLState the
     * database answered ({@code "login refused: SQLState 28000"}); never the driver's message.
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
