package dev.rotor.secrets;

import java.util.Optional;

/**
 * The root of every exception Rotor throws. Unchecked, so that reading a secret does not force a try block on
 * callers that cannot act on a failure anyway.
 *
 * <p>Messages name the {@linkplain #ref() secret reference} and the {@linkplain #source() source}; they never
 * contain a secret value, a token or a response body. {@link #isRetryable()} tells whether trying again later can
 * succeed (a source that is unavailable) or not (a secret that does not exist, access that is denied, bad input).
 */
public class SecretException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient SecretRef ref;
    private final String source;
    private final boolean retryable;

    public SecretException(String message, SecretRef ref, String source, boolean retryable, Throwable cause) {
        super(describe(message, ref, source), cause);
        this.ref = ref;
        this.source = source;
        this.retryable = retryable;
    }

    public SecretException(String message, SecretRef ref, String source, boolean retryable) {
        this(message, ref, source, retryable, null);
    }

    private static String describe(String message, SecretRef ref, String source) {
        if (ref == null && source == null) {
            return message;
        }
        StringBuilder sb = new StringBuilder(message).append(" [");
        if (ref != null) {
            sb.append("ref=").append(ref);
        }
        if (source != null) {
            sb.append(ref != null ? ", " : "").append("source=").append(source);
        }
        return sb.append(']').toString();
    }

    /** The secret this failure concerns, when it concerns one. */
    public Optional<SecretRef> ref() {
        return Optional.ofNullable(ref);
    }

    /** The name of the source that failed, when a source was involved. */
    public Optional<String> source() {
        return Optional.ofNullable(source);
    }

    /** Whether the same call may succeed later without any change of configuration or permissions. */
    public boolean isRetryable() {
        return retryable;
    }
}
