package dev.rotor.secrets.aws.internal;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * How long a throttled answer's {@code Retry-After} header asks the client to wait: delay-seconds, or an HTTP date
 * (RFC 9110 section 10.2.3). Secrets Manager sends none; a gateway or proxy in front of it may. A value in neither form
 * is ignored, never an error. Stateless and thread-safe.
 *
 * <pre>{@code
 * Duration wait = RetryAfter.of(response.firstMatchingHeader("Retry-After").orElse(null), clock.now());
 * }</pre>
 */
final class RetryAfter {
    /** Longer values are not a number of seconds or a date any server writes; ignored unparsed. */
    private static final int MAX_LENGTH = 64;
    /** Digits beyond these would overflow; any value this long is far past every cap anyway. */
    private static final int MAX_DIGITS = 12;

    private RetryAfter() {}

    /** The wait asked for, or null when absent or malformed; an HTTP date in the past is a wait of zero. */
    static Duration of(String value, Instant now) {
        if (value == null) {
            return null;
        }
        String v = value.strip();
        if (v.isEmpty() || v.length() > MAX_LENGTH) {
            return null;
        }
        if (v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return v.length() > MAX_DIGITS ? null : Duration.ofSeconds(Long.parseLong(v));
        }
        try {
            // IMF-fixdate, the form every current server sends ("Sun, 06 Nov 1994 08:49:37 GMT")
            Instant at =
                    ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration left = Duration.between(now, at);
            return left.isNegative() ? Duration.ZERO : left;
        } catch (DateTimeException malformed) {
            return null;
        }
    }
}
