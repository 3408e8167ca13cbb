package dev.rotor.secrets.spi;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.TimeSource;

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

    /** The client's refresh policy, for a source that times its own renewals the way the engine does. */
    RefreshPolicy refreshPolicy();

    /** Publishes an event to the client's listeners and audit log. Never put a value or a token in it. */
    void publish(SecretEvent event);
}
