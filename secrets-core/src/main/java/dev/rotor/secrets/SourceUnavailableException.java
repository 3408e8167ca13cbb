package dev.rotor.secrets;

/** The source could not be reached or answered with a transient failure (timeout, connection reset, throttling, sealed or standby server, circuit open). Retryable. */
public class SourceUnavailableException extends SecretException {
    private static final long serialVersionUID = 1L;

    public SourceUnavailableException(String message, SecretRef ref, String source, Throwable cause) {
        super(message, ref, source, true, cause);
    }

    public SourceUnavailableException(String message, SecretRef ref, String source) {
        this(message, ref, source, null);
    }
}
