package dev.rotor.secrets;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a {@link SecretListener} receives: the version now in service and the one it replaced (empty for the first
 * delivery). Not a record, so that it cannot print values.
 *
 * <p>A listener whose consumers still use the previous version after it returns (a connection pool draining its old
 * connections) takes a {@link #holdPrevious(Duration) hold}: the engine revokes the previous lease and wipes the
 * previous values only once every hold is released, or when a hold's time is up. Later versions are delivered
 * meanwhile.
 *
 * <pre>{@code
 * secrets.watch(ref, change -> {
 *     pool.swap(change.current());
 *     SecretChange.Hold hold = change.holdPrevious(Duration.ofSeconds(30));
 *     pool.whenOldConnectionsClosed(hold::release);      // the old lease stays valid until then (30 s at most)
 * });
 * }</pre>
 */
public final class SecretChange {
    private static final Hold NO_HOLD = () -> {};

    private final SecretRef ref;
    private final Secret previous;
    private final Secret current;
    private final Function<Duration, Hold> holds;

    /** A change whose previous version can't be held (for tests of listeners). */
    public SecretChange(SecretRef ref, Secret previous, Secret current) {
        this(ref, previous, current, d -> NO_HOLD);
    }

    /**
     * A change whose previous version the engine retires after the holds {@code holds} hands out are released. For
     * the engine; a test double may pass its own.
     */
    public SecretChange(SecretRef ref, Secret previous, Secret current, Function<Duration, Hold> holds) {
        this.ref = ref;
        this.previous = previous;
        this.current = current;
        this.holds = Objects.requireNonNull(holds, "holds");
    }

    /**
     * Keeps the previous version alive (its lease not revoked, its values not wiped) until the returned hold is
     * released, or for {@code atMost}, whichever comes first. Without a previous version, or once it has been
     * retired, the hold does nothing. Thread-safe; may be called during or after the delivery.
     */
    public Hold holdPrevious(Duration atMost) {
        if (atMost.isNegative()) {
            throw new IllegalArgumentException("atMost must not be negative: " + atMost);
        }
        return previous == null ? NO_HOLD : holds.apply(atMost);
    }

    /** A hold on a replaced version; releasing it twice is harmless. */
    @FunctionalInterface
    public interface Hold extends AutoCloseable {
        /** Lets the engine retire the version as far as this hold is concerned. */
        void release();

        /** Same as {@link #release()}. */
        @Override
        default void close() {
            release();
        }
    }

    /** The ref the listener watches. */
    public SecretRef ref() {
        return ref;
    }

    /** The version that was in service before; empty on the first delivery to a listener. */
    public Optional<Secret> previous() {
        return Optional.ofNullable(previous);
    }

    /** The version now in service. */
    public Secret current() {
        return current;
    }

    @Override
    public String toString() {
        return "SecretChange{ref=" + ref + ", previous=" + (previous == null ? "-" : previous.version()) + ", current="
                + current.version() + "}";
    }
}
