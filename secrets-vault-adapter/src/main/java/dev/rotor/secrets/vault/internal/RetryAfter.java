package dev.rotor.secrets.vault.internal;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * How long a throttled answer asks the client to wait, from its headers: {@code Retry-After} (delay-seconds, or an
 * HTTP date, RFC 9110 section 10.2.3), else {@code X-Ratelimit-Reset} (the whole seconds until Vault's rate limit
 * bucket refills, sent with {@code enable_rate_limit_response_headers}). A value that is not one of those forms is
 * ignored, never an error: a malformed {@code Retry-After} falls back to {@code X-Ratelimit-Reset}, and two malformed
 * headers give none. Stateless and thread-safe.
 *
 * <pre>{@code
 * Duration wait = RetryAfter.of(resp.header("Retry-After"), resp.header("X-Ratelimit-Reset"), clock.now());
 * }</pre>
 */
final class RetryAfter {
    /** Longer values are not a number of seconds or a date any server writes; ignored unparsed. */
    private static final int MAX_LENGTH = 64;
    /** Digits beyond these would overflow; any value this long is far past every cap anyway. */
    private static final int MAX_DIGITS = 12;

    private RetryAfter() {}

    /**
     * The wait asked for, or null when neither header says; an HTTP date in the past is a wait of zero.
     *
     * @param retryAfter the {@code Retry-After} header, or null
     * @param rateLimitReset the {@code X-Ratelimit-Reset} header, or null
     * @param now the client's wall clock, to turn an HTTP date into a wait
     */
    static Duration of(String retryAfter, String rateLimitReset, Instant now) {
        Duration d = retryAfter(retryAfter, now);
        return d != null ? d : seconds(rateLimitReset);
    }

    /** {@code Retry-After}: delay-seconds or an HTTP date; null when absent or malformed. */
    static Duration retryAfter(String value, Instant now) {
        Duration s = seconds(value);
        if (s != null || value == null) {
            return s;
        }
        String v = value.strip();
        if (v.length() > MAX_LENGTH) {
            return null;
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

    /** A whole, non-negative number of seconds; null when absent or anything else. */
    static Duration seconds(String value) {
        if (value == null) {
            return null;
        }
        String v = value.strip();
        if (v.isEmpty() || v.length() > MAX_DIGITS) {
            return null;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
        }
        return Duration.ofSeconds(Long.parseLong(v));
    }
}
