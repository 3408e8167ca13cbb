package dev.rotor.secrets;

import java.time.Duration;
import java.util.Optional;

/**
 * The store refused the call because the client is over its request quota (AWS {@code ThrottlingException}, HTTP
 * 429). Retryable, and an outcome of its own: the engine waits at least {@link #retryAfter()} (with jitter) before
 * calling the source again for that secret, does not count it as a store failure for the circuit breaker, and
 * publishes a {@link SecretEventType#THROTTLED} event.
 *
 * <pre>{@code
 * throw new SourceThrottledException("GetSecretValue throttled (ThrottlingException)", ref, name(), retryAfter, null);
 * }</pre>
 */
public class SourceThrottledException extends SourceUnavailableException {
    private static final long serialVersionUID = 1L;
    /** The longest {@link #retryAfter()} taken from a store: an answer asking for more is capped at this. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);

    private final Duration retryAfter;

    /**
     * @param retryAfter how long the store asked to wait ({@code Retry-After}, rate-limit headers), null when it did
     *     not say; capped at {@link #MAX_RETRY_AFTER}, a negative value counts as none
     */
    public SourceThrottledException(
            String message, SecretRef ref, String source, Duration retryAfter, Throwable cause) {
        super(message, ref, source, cause);
        this.retryAfter = retryAfter == null || retryAfter.isNegative()
                ? null
                : retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
    }

    public SourceThrottledException(String message, SecretRef ref, String source) {
        this(message, ref, source, null, null);
    }

    /** How long the store asked the client to wait; empty when it did not say. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
