package dev.rotor.secrets;

/** Every lifecycle step Rotor reports. */
public enum SecretEventType {
    /** A secret was loaded for the first time. */
    LOADED,
    /** A lease was extended. */
    RENEWED,
    /** A new version replaced the previous one. */
    ROTATED,
    /** A refresh, renewal or load failed; the last good version (if any) stays in service. */
    REFRESH_FAILED,
    /** A lease reached its hard deadline without a newer version. */
    EXPIRED,
    /** A lease was revoked. */
    REVOKED,
    /** A validator vetoed a new version. */
    REJECTED,
    /** A version past its hard deadline was served because the stale policy allows it. */
    STALE_SERVED,
    /** The application reported a secret compromised. */
    COMPROMISED,
    /**
     * A consumer (a connection pool) took a version into use: the event's source names the consumer and its duration
     * is how long the hand-over took. A failure means the consumer refused the version and kept the one it had.
     */
    HANDED_OVER,
    /** A source logged in to its store. */
    AUTH_LOGIN,
    /** A source renewed its own token. */
    AUTH_RENEWED,
    /** A source failed to log in or to renew its token. */
    AUTH_FAILED,
    /** A source's circuit breaker opened: calls fail fast for a while. */
    CIRCUIT_OPENED,
    /** A source's circuit breaker closed again. */
    CIRCUIT_CLOSED,
    /**
     * The store refused a call because the client is over its request quota ({@link SourceThrottledException}); the
     * detail says how long the engine waits before it calls again for that secret (at least what the store asked
     * for). Not a store failure: the circuit breaker does not count it.
     */
    THROTTLED
}
