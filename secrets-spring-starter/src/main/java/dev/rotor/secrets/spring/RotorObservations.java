package dev.rotor.secrets.spring;

import dev.rotor.secrets.FlightObserver;
import dev.rotor.secrets.SecretRef;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Locale;
import java.util.Objects;

/**
 * Rotor's steps as Micrometer observations: each store call and each hand-over a {@link FlightObserver} sees becomes
 * one observation on an {@link ObservationRegistry}, so that timers and traces show how long loads, renewals and
 * rotations take and how often they fail. The Spring starter attaches one to its client when the context has an
 * {@link ObservationRegistry} bean (see {@link RotorObservationAutoConfiguration}); a client built by hand takes one
 * through {@code Secrets.builder().observer(new RotorObservations(registry))}.
 *
 * <table>
 *   <caption>Observations</caption>
 *   <tr><th>name</th><th>for</th></tr>
 *   <tr><td>{@code rotor.refresh}</td><td>a first load, a poll, a version probe, a batch load</td></tr>
 *   <tr><td>{@code rotor.renewal}</td><td>the renewal of a lease</td></tr>
 *   <tr><td>{@code rotor.rotation}</td><td>new credentials for a leased or a compromised secret</td></tr>
 *   <tr><td>{@code rotor.login}</td><td>a source's own login or token renewal (the Vault token)</td></tr>
 *   <tr><td>{@code rotor.handover}</td><td>the hand-over of a version to a consumer (a connection pool)</td></tr>
 * </table>
 *
 * <p>Low-cardinality keys: {@code source} (the source's name; for a hand-over the consumer's), {@code event} ({@code
 * refresh}, {@code renewal}, {@code rotation}, {@code login}, {@code handover}), {@code outcome} ({@code success},
 * {@code throttled}, {@code rejected}, {@code failure}) and {@code error} (the failure's simple class name, {@code
 * none} on success). High-cardinality key: {@code ref}, the scheme and path of the secret's ref, as the meters name it
 * ({@code batch} for a batch load). The
 * contextual name is the event and the source ({@code "refresh vault"}). No value, token or version appears in any
 * name or key value.
 *
 * <p>Thread-safe; observations are started and stopped on the engine thread that makes the call, never on the read
 * path.
 */
public final class RotorObservations implements FlightObserver {
    /** The low-cardinality key naming the source (or, for a hand-over, the consumer). */
    public static final String SOURCE = "source";
    /** The low-cardinality key naming the kind of step. */
    public static final String EVENT = "event";
    /** The low-cardinality key naming how the step ended. */
    public static final String OUTCOME = "outcome";
    /** The low-cardinality key naming the failure's class ({@code none} on success). */
    public static final String ERROR = "error";
    /** The high-cardinality key naming the secret's ref. */
    public static final String REF = "ref";

    private final ObservationRegistry registry;

    public RotorObservations(ObservationRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The observation name for {@code kind}: {@code rotor.refresh}, {@code rotor.renewal}, ... */
    public static String name(Kind kind) {
        return "rotor." + event(kind);
    }

    private static String event(Kind kind) {
        return kind == Kind.HAND_OVER ? "handover" : kind.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public Flight start(Kind kind, SecretRef ref, String source) {
        if (registry.isNoop()) {
            return (outcome, error) -> {};
        }
        String event = event(kind);
        String src = source == null ? "unknown" : source;
        Observation observation = Observation.createNotStarted("rotor." + event, registry)
                .contextualName(event + " " + src)
                .lowCardinalityKeyValue(SOURCE, src)
                .lowCardinalityKeyValue(EVENT, event)
                .highCardinalityKeyValue(REF, ref == null ? "batch" : ref.scheme() + ":" + ref.path())
                .start();
        return (outcome, error) -> {
            observation.lowCardinalityKeyValue(
                    KeyValue.of(OUTCOME, outcome.name().toLowerCase(Locale.ROOT)));
            observation.lowCardinalityKeyValue(KeyValue.of(ERROR, error == null ? "none" : error.getSimpleName()));
            observation.stop();
        };
    }

    @Override
    public String toString() {
        return "RotorObservations{" + registry.getClass().getSimpleName() + "}";
    }
}
