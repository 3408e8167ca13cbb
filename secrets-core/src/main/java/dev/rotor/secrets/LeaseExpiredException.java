package dev.rotor.secrets;

/** The source no longer knows the lease (revoked, expired or issued under a token that was replaced). The engine answers it by fetching a new lease. */
public class LeaseExpiredException extends SecretException {
    private static final long serialVersionUID = 1L;

    public LeaseExpiredException(String message, SecretRef ref, String source, Throwable cause) {
        super(message, ref, source, true, cause);
    }

    public LeaseExpiredException(String message, SecretRef ref, String source) {
        this(message, ref, source, null);
    }
}
