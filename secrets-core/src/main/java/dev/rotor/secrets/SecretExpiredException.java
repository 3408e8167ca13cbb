package dev.rotor.secrets;

/** The secret's lease has ended and no newer version could be loaded; the stale policy forbids serving the old version. */
public class SecretExpiredException extends SecretException {
    private static final long serialVersionUID = 1L;

    public SecretExpiredException(String message, SecretRef ref, String source, Throwable cause) {
        super(message, ref, source, true, cause);
    }

    public SecretExpiredException(String message, SecretRef ref, String source) {
        this(message, ref, source, null);
    }
}
