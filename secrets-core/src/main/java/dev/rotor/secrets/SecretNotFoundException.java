package dev.rotor.secrets;

/** The source answered that the secret does not exist (or not at the requested version or stage). Not retryable. */
public class SecretNotFoundException extends SecretException {
    private static final long serialVersionUID = 1L;

    public SecretNotFoundException(String message, SecretRef ref, String source, Throwable cause) {
        super(message, ref, source, false, cause);
    }

    public SecretNotFoundException(String message, SecretRef ref, String source) {
        this(message, ref, source, null);
    }
}
