package dev.rotor.secrets.spi;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * Reads the wait a store asks for in an HTTP {@code Retry-After} header (RFC 9110: a number of seconds, or an HTTP
 * date), for the {@link dev.rotor.secrets.SourceThrottledException} an adapter throws. Anything malformed is no wait,
 * never an exception; a date in the past is a wait of zero. Stateless.
 *
 * <pre>{@code
 * Optional<Duration> wait = RetryAfter.parse(response.header("Retry-After"), clock.now());
 * }</pre>
 */
public final class RetryAfter {
    /** Longer values are not a number of seconds or a date any server writes; ignored unparsed. */
    private static final int MAX_LENGTH = 64;
    /** Digits beyond these would overflow; any value this long is far past every cap anyway. */
    private static final int MAX_DIGITS = 12;

    private RetryAfter() {}

    /**
     * The wait {@code value} asks for, counted from {@code now} when it is a date; empty when it is null, blank or
     * malformed.
     */
    public static Optional<Duration> parse(String value, Instant now) {
        Optional<Duration> s = seconds(value);
        if (s.isPresent() || value == null) {
            return s;
        }
        String v = value.strip();
        if (v.isEmpty() || v.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        try {
            // IMF-fixdate, the form every current server sends ("Sun, 06 Nov 1994 08:49:37 GMT")
            Instant at =
                    ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration left = Duration.between(now, at);
            return Optional.of(left.isNegative() ? Duration.ZERO : left);
        } catch (DateTimeException malformed) {
            return Optional.empty();
        }
    }

    /**
     * A whole, non-negative number of seconds ({@code Retry-After}'s first form, and headers such as Vault's {@code
     * X-Ratelimit-Reset} that only have that one); empty for anything else.
     */
    public static Optional<Duration> seconds(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String v = value.strip();
        if (v.isEmpty() || v.length() > MAX_DIGITS) {
            return Optional.empty();
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return Optional.empty();
            }
        }
        return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
    }
}
