package dev.rotor.secrets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A flight that logs, by class, and ignores what its observer throws (see {@link FlightObserver#startQuietly}). */
final class QuietFlight implements FlightObserver.Flight {
    private static final Logger LOG = LoggerFactory.getLogger(FlightObserver.class);
    private static final FlightObserver.Flight NONE = (outcome, error) -> {};

    private final FlightObserver.Flight flight;

    private QuietFlight(FlightObserver.Flight flight) {
        this.flight = flight;
    }

    static FlightObserver.Flight start(
            FlightObserver observer, FlightObserver.Kind kind, SecretRef ref, String source) {
        if (observer == null) {
            return NONE;
        }
        try {
            FlightObserver.Flight f = observer.start(kind, ref, source);
            return f == null ? NONE : new QuietFlight(f);
        } catch (RuntimeException e) {
            LOG.warn(
                    "Rotor flight observer {} threw {} at the start of a {}; ignored",
                    observer.getClass().getName(),
                    e.getClass().getName(),
                    kind);
            return NONE;
        }
    }

    @Override
    public void stop(FlightObserver.Outcome outcome, Class<? extends Throwable> error) {
        try {
            flight.stop(outcome, error);
        } catch (RuntimeException e) {
            LOG.warn(
                    "Rotor flight {} threw {} at its stop; ignored",
                    flight.getClass().getName(),
                    e.getClass().getName());
        }
    }
}
