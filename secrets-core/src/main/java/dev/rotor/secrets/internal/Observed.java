package dev.rotor.secrets.internal;

import dev.rotor.secrets.FlightObserver;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.FetchReason;
import java.util.concurrent.Callable;

/** Store calls through a {@link SourceGate}, seen by the client's {@link FlightObserver} when it has one. */
final class Observed {
    private Observed() {}

    /** {@link SourceGate#call} as a flight of {@code kind}; just the call when {@code observer} is null. */
    static <T> T call(
            FlightObserver observer, FlightObserver.Kind kind, SourceGate gate, SecretRef ref, Callable<T> call) {
        if (observer == null) {
            return gate.call(ref, call);
        }
        FlightObserver.Flight flight = FlightObserver.startQuietly(observer, kind, ref, gate.name());
        T answer;
        try {
            answer = gate.call(ref, call);
        } catch (RuntimeException | Error e) {
            flight.stop(e);
            throw e;
        }
        flight.stop(null);
        return answer;
    }

    /**
     * The kind of a fetch made for {@code reason} while {@code held} is in service (null before the first load): a
     * fetch that replaces a leased version (new credentials, early, at the soft deadline or after the lease ended) or
     * a compromised one is a rotation; any other read is a refresh.
     */
    static FlightObserver.Kind fetchKind(FetchReason reason, Secret held) {
        return reason == FetchReason.COMPROMISED
                        || (held != null && held.lease().isPresent())
                ? FlightObserver.Kind.ROTATION
                : FlightObserver.Kind.REFRESH;
    }
}
