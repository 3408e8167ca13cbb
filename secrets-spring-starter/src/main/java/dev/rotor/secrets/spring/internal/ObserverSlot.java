package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.FlightObserver;
import dev.rotor.secrets.SecretRef;

/**
 * The flight observer every client the starter builds carries: empty until the context has an observer for it (the
 * client of {@code spring.config.import=rotor:...} is built before any bean exists), then passing each flight on.
 * Costs one volatile read per store call while empty. Thread-safe.
 */
public final class ObserverSlot implements FlightObserver {
    private static final Flight NONE = (outcome, error) -> {};

    private volatile FlightObserver target;

    @Override
    public Flight start(Kind kind, SecretRef ref, String source) {
        FlightObserver t = target;
        return t == null ? NONE : t.start(kind, ref, source);
    }

    /** Passes flights to {@code observer} from now on; null empties the slot. */
    public void fill(FlightObserver observer) {
        this.target = observer;
    }

    /** Empties the slot if it still holds {@code observer}. */
    public void empty(FlightObserver observer) {
        if (target == observer) {
            target = null;
        }
    }

    @Override
    public String toString() {
        FlightObserver t = target;
        return "ObserverSlot{" + (t == null ? "empty" : t.getClass().getSimpleName()) + "}";
    }
}
