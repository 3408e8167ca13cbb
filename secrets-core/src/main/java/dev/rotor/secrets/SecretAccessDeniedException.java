package dev.rotor.secrets;

/** The source refused access to the secret: missing permission, failed authentication that a re-login did not fix, or a key the caller may not use to decrypt. Not retryable. */
public class SecretAccessDeniedException extends SecretException {
    private static final long serialVersionUID = 1L;

    public SecretAccessDeniedException(String message, SecretRef ref, String source, Throwable cause) {
        super(message, ref, source, false, cause);
    }

    public SecretAccessDeniedException(String message, SecretRef ref, String source) {
        this(message, ref, source, null);
    }
}
