package dev.rotor.secrets;

/** A validator vetoed a new version; the previous version stays in service and the refresh is tried again later. */
public class SecretRejectedException extends SecretException {
    private static final long serialVersionUID = 1L;

    public SecretRejectedException(String message, SecretRef ref, String source, Throwable cause) {
        super(message, ref, source, true, cause);
    }

    public SecretRejectedException(String message, SecretRef ref, String source) {
        this(message, ref, source, null);
    }
}
