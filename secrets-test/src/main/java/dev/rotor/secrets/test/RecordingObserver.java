package dev.rotor.secrets.test;

import dev.rotor.secrets.FlightObserver;
import dev.rotor.secrets.SecretRef;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Records every flight a client reports (see {@link FlightObserver}), for assertions: each as one line, {@code
 * "RENEWAL mem:db mem SUCCESS"}, or with the failure's simple class name, {@code "REFRESH mem:db mem FAILURE
 * SourceUnavailableException"}; a flight not stopped yet reads {@code "... STARTED"}. Thread-safe.
 *
 * <pre>{@code
 * RecordingObserver flights = new RecordingObserver();
 * Secrets secrets = Secrets.builder().observer(flights).build();
 * secrets.get("mem:db");
 * assertThat(flights.lines()).containsExactly("REFRESH mem:db mem SUCCESS");
 * }</pre>
 */
public final class RecordingObserver implements FlightObserver {
    private final List<Recorded> flights = new CopyOnWriteArrayList<>();

    @Override
    public Flight start(Kind kind, SecretRef ref, String source) {
        Recorded r = new Recorded(kind, ref, source);
        flights.add(r);
        return r;
    }

    /** Every flight, in the order started. */
    public List<Recorded> flights() {
        return List.copyOf(flights);
    }

    /** Every flight as a line, in the order started. */
    public List<String> lines() {
        return flights.stream().map(Recorded::toString).collect(Collectors.toList());
    }

    /** The lines of the flights of {@code kind}. */
    public List<String> lines(Kind kind) {
        return flights.stream()
                .filter(f -> f.kind() == kind)
                .map(Recorded::toString)
                .collect(Collectors.toList());
    }

    public void clear() {
        flights.clear();
    }

    /** One flight: what it was for, and how it ended once stopped. */
    public static final class Recorded implements Flight {
        private final Kind kind;
        private final SecretRef ref;
        private final String source;
        private volatile Outcome outcome;
        private volatile Class<? extends Throwable> error;
        private volatile int stops;

        Recorded(Kind kind, SecretRef ref, String source) {
            this.kind = kind;
            this.ref = ref;
            this.source = source;
        }

        @Override
        public synchronized void stop(Outcome outcome, Class<? extends Throwable> error) {
            this.outcome = outcome;
            this.error = error;
            stops++;
        }

        public Kind kind() {
            return kind;
        }

        /** Null for a batch call. */
        public SecretRef ref() {
            return ref;
        }

        public String source() {
            return source;
        }

        /** Null until stopped. */
        public Outcome outcome() {
            return outcome;
        }

        /** Null on success, and until stopped. */
        public Class<? extends Throwable> error() {
            return error;
        }

        /** How many times it was stopped (once, for every flight the engine reports). */
        public int stops() {
            return stops;
        }

        @Override
        public String toString() {
            Outcome o = outcome;
            Class<? extends Throwable> e = error;
            return kind + " " + (ref == null ? "-" : ref.toString()) + " " + source + " "
                    + (o == null ? "STARTED" : o.name()) + (e == null ? "" : " " + e.getSimpleName());
        }
    }
}
