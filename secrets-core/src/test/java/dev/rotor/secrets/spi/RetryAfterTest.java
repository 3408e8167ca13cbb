package dev.rotor.secrets.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Both forms of {@code Retry-After}, and everything else read as no wait. */
class RetryAfterTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void seconds_andAnHttpDate_areWaits_aDateInThePastIsZero() {
        assertThat(RetryAfter.parse(" 30 ", NOW)).contains(Duration.ofSeconds(30));
        assertThat(RetryAfter.parse("Tue, 01 Dec 2026 10:01:30 GMT", NOW)).contains(Duration.ofSeconds(90));
        assertThat(RetryAfter.parse("Tue, 01 Dec 2026 09:00:00 GMT", NOW)).contains(Duration.ZERO);
    }

    @Test
    void absentOrMalformed_isNoWait() {
        assertThat(RetryAfter.parse(null, NOW)).isEmpty();
        assertThat(RetryAfter.parse("", NOW)).isEmpty();
        assertThat(RetryAfter.parse("-5", NOW)).isEmpty();
        assertThat(RetryAfter.parse("1.5", NOW)).isEmpty();
        assertThat(RetryAfter.parse("soon", NOW)).isEmpty();
        assertThat(RetryAfter.parse("9".repeat(13), NOW)).isEmpty();
        assertThat(RetryAfter.parse("x".repeat(65), NOW)).isEmpty();
        assertThat(RetryAfter.seconds("Tue, 01 Dec 2026 10:01:30 GMT")).isEmpty();
        assertThat(RetryAfter.seconds("7")).contains(Duration.ofSeconds(7));
    }
}
