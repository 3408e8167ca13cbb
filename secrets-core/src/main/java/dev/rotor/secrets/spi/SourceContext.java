package dev.rotor.secrets.spi;

import dev.rotor.secrets.FlightObserver;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.TimeSource;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * What the client lends a source when it starts using it: the clock and scheduler everything else runs on (so that a
 * source's own timing, such as a token renewal, is testable on the same manual clock), the refresh policy, and the
 * event stream for the source's own steps (login, token renewal, authentication failure).
 */
public interface SourceContext {
    /** The client's clock. */
    TimeSource timeSource();

    /** The client's scheduler; tasks must be short and must not block. */
    Scheduler scheduler();

    /**
     * The refresh policy in force for this source (the documented defaults, the source's own defaults, the client-wide
     * policy and the one given for this source, in that order), for a source that times its own renewals the way the
     * engine does.
     */
    RefreshPolicy refreshPolicy();

    /** Publishes an event to the client's listeners and audit log. Never put a value or a token in it. */
    void publish(SecretEvent event);

    /**
     * The executor the client runs source calls on, for a source that runs blocking work of its own (a login) and
     * would otherwise need a pool of its own.
     */
    Executor executor();

    /** The client's random generator, for a source that jitters its own timing the way the engine does. */
    RandomGenerator random();

    /**
     * Asks the engine to fetch new versions now, in the background, of the held secrets whose ref matches
     * {@code which} and whose version has a lease: for a source whose credentials issued those leases were just
     * replaced (a Vault token that will soon end, taking its leases with it). Each is handed over as usual, and its old
     * lease revoked after the hand-over. Where a refresh of the secret is under way (it may have been sent with the
     * old credentials), the engine waits for it to end and then tests {@code which} again. Returns at once; {@code
     * which} may be called on engine threads.
     */
    void reissue(Predicate<SecretRef> which);

    /**
     * Tells the engine that the held secrets whose ref matches {@code which} may have changed (a file source's watch
     * saw their file change): each is refreshed now, in the background, through the usual single flight, without
     * waiting for its poll or for a retry's backoff. Returns at once; {@code which} may be called on engine threads.
     * The default does nothing, for contexts that have no engine behind them.
     */
    default void refresh(Predicate<SecretRef> which) {}

    /**
     * Tells the client that who the application is to the store may have changed (a new Vault token from a new
     * login): it asks {@link SecretSource#identity()} again, in the background, and later records carry the new
     * answer. Returns at once. The default does nothing, for contexts that have no client behind them.
     */
    default void identityChanged() {}

    /**
     * The client's flight observer, for a source that makes calls of its own outside the engine's (a login, the
     * renewal of its own token): it reports them as {@link FlightObserver.Kind#LOGIN} through {@link
     * FlightObserver#startQuietly}. Empty when the client has none (the default, for contexts with no engine behind
     * them).
     */
    default Optional<FlightObserver> observer() {
        return Optional.empty();
    }
}
