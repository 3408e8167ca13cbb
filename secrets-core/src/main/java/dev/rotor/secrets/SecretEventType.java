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
    DRILL_RESULT,
    /**
     * A secret stopped meeting its freshness objective ({@link SecretSlo}); the detail names the breach. Published once
     * per transition, from the engine's periodic evaluation (never from a read).
     */
    SLO_BREACHED,
    /** A secret that had breached its freshness objective meets it again. Published once per transition. */
    SLO_RECOVERED,
    /**
     * A secret got more than three new versions within one declared {@linkplain
     * SecretDeclaration#rotationCadence(java.time.Duration) rotation cadence}. Once per episode: again only after the
     * count within a cadence fell back to three or fewer. The count is {@link SignalThresholds#versionsPerCadence()}.
     */
    ROTATION_TOO_FREQUENT,
    /**
     * A new version that neither this client caused nor the store scheduled: seen by a poll or probe of a static
     * secret without a known rotation date, or replacing a leased secret before its renewal point.
     */
    UNEXPECTED_VERSION,
    /**
     * A burst of access denied answers from one source: five or more within one minute. Once per burst: again only
     * after a minute with fewer. Count and window are {@link SignalThresholds#deniedBurst()} and {@link
     * SignalThresholds#deniedWindow()}.
     */
    ACCESS_DENIED_BURST,
    /**
     * New versions of a secret refused three times in a row: vetoed by a validator (reset by an accepted version), or
     * refused by a consumer (reset by a hand-over that succeeded). Once per run of refusals. The count is {@link
     * SignalThresholds#refusals()}.
     */
    CONSUMER_REFUSING,
    /**
     * A ref no declaration names was used, while the application declares at least one secret. Once per ref (up to
     * a bound on the refs remembered).
     */
    UNDECLARED_READ,
    /**
     * A secret read far more often than its own baseline: at least 100 reads in one evaluation interval and more than
     * ten times the moving average of its earlier intervals. Once per spike. The numbers are {@link
     * SignalThresholds#spikeMinReads()} and {@link SignalThresholds#spikeFactor()}.
     */
    READ_RATE_SPIKE
}
