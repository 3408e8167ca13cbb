package dev.rotor.secrets.spi;

/** Why the engine asks a source for a secret. Sources may use it for logging or to choose a cheaper call. */
public enum FetchReason {
    /** The first load, on a cold read or a preload. */
    INITIAL,
    /** A scheduled refresh: the soft deadline fell, or a static secret's poll came round. */
    REFRESH,
    /** Renewal stopped paying (maximum TTL near): new credentials while the old lease is still valid. */
    ROTATE_EARLY,
    /** The lease ended or the source forgot it: a new lease is needed. */
    REISSUE,
    /** The application asked for it ({@code Secrets.refresh}). */
    MANUAL,
    /** The application reported the secret compromised. */
    COMPROMISED
}
