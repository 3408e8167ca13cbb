package dev.rotor.secrets;

/**
 * A validator vetoed a new version; the previous version stays in service and the refresh is tried again later.
 *
 * <p>A validator may throw one itself to say why, in words a person can act on: the missing field, the SQLState the
 * database answered, the consumer that refused. Never a value.
 */
public class SecretRejectedException extends SecretException {
    private static final long serialVersionUID = 1L;

    private final String reason;

    public SecretRejectedException(String message, SecretRef ref, String source, Throwable cause) {
        super(message, ref, source, true, cause);
        this.reason = message;
    }

    public SecretRejectedException(String message, SecretRef ref, String source) {
        this(message, ref, source, null);
    }

    /** A refusal a validator throws, before the engine knows which ref and source it concerns. */
    public SecretRejectedException(String reason) {
        this(reason, null, null, null);
    }

    /** Why the version was refused, without the ref and source the message adds. */
    public String reason() {
        return reason;
    }
}
