package dev.rotor.secrets;

/** The source answered with something Rotor cannot accept: malformed or oversized content, a wrong content type, a missing field, or a value that does not map to the requested type. */
public class SecretFormatException extends SecretException {
    private static final long serialVersionUID = 1L;

    public SecretFormatException(String message, SecretRef ref, String source, Throwable cause) {
        super(message, ref, source, false, cause);
    }

    public SecretFormatException(String message, SecretRef ref, String source) {
        this(message, ref, source, null);
    }
}
