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
    THROTTLED,
    /**
     * The client's allow-list refused a ref before any call to the store ({@link SecretPolicyException}). Published at
     * most once per ref per minute, and at most 100 times a minute in all, so a loop of refused reads cannot flood the
     * audit log; the detail counts the refusals left unreported.
     */
    REFUSED_BY_POLICY,
    /** A rotation drill started ({@link Secrets#drill}); the detail lists how many secrets it covers. */
    DRILL_STARTED,
    /**
     * A rotation drill finished one secret: a failure when the secret could not be re-issued or rotated, or a consumer
     * did not report its hand-over in time; the detail says how many consumers took the new version.
     */
    DRILL_RESULT
}
