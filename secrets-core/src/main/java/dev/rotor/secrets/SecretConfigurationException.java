package dev.rotor.secrets;

/** Rotor or a source is configured wrongly, or a request names something that does not fit the source (an unknown scheme or parameter, a secret scheduled for deletion). */
public class SecretConfigurationException extends SecretException {
    private static final long serialVersionUID = 1L;

    public SecretConfigurationException(String message, SecretRef ref, String source, Throwable cause) {
        super(message, ref, source, false, cause);
    }

    public SecretConfigurationException(String message, SecretRef ref, String source) {
        this(message, ref, source, null);
    }
}
