package dev.rotor.secrets;

/** Where a secret stands, as {@link Secrets#inventory()} reports it. */
public enum SecretState {
    /** Declared, not read yet. */
    NOT_LOADED,
    /** The first load is under way, or it failed and no version is held. */
    LOADING,
    /** A version is in service and the last refresh (if any) succeeded. */
    ACTIVE,
    /** A version is in service, but the last refresh failed; retries are scheduled. */
    DEGRADED,
    /** The lease has ended without a newer version; served only if the stale policy allows. */
    EXPIRED
}
