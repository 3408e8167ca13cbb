package dev.rotor.secrets;

import java.util.Optional;

/**
 * What a {@link SecretListener} receives: the version now in service and the one it replaced (empty for the first
 * delivery). Not a record, so that it cannot print values.
 */
public final class SecretChange {
    private final SecretRef ref;
    private final Secret previous;
    private final Secret current;

    public SecretChange(SecretRef ref, Secret previous, Secret current) {
        this.ref = ref;
        this.previous = previous;
        this.current = current;
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
