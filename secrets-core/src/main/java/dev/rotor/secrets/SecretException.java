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
        super(describe(message, ref, source), redact(cause));
        this.ref = ref;
        this.source = source;
        this.retryable = retryable;
    }

    /**
     * Rotor's exceptions never carry a foreign exception as their cause: its message (and its causes' and suppressed
     * exceptions' messages) may quote what a store answered. The cause is kept as a {@link RedactedCause}: the same
     * class name and stack trace, no message.
     */
    private static Throwable redact(Throwable cause) {
        if (cause == null || cause instanceof SecretException || cause instanceof RedactedCause) {
            return cause;
        }
        return new RedactedCause(cause);
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

    /**
     * Stands in for a foreign exception that caused one of Rotor's: it keeps the original class name and stack trace,
     * and the chain of causes the same way, but no message and no suppressed exceptions.
     */
    public static final class RedactedCause extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String originalClass;

        RedactedCause(Throwable original) {
            super(original.getClass().getName() + " (message withheld)", causeOf(original), false, true);
            this.originalClass = original.getClass().getName();
            setStackTrace(original.getStackTrace());
        }

        private static Throwable causeOf(Throwable original) {
            Throwable c = original.getCause();
            if (c == null || c == original) {
                return null;
            }
            return c instanceof SecretException ? c : new RedactedCause(c);
        }

        /** The class name of the exception this one stands in for. */
        public String originalClass() {
            return originalClass;
        }
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
