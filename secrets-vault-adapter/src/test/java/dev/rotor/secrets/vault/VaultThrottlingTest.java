package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.test.vault.TokenSpec;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Vault's 429 (a rate limit quota exceeded, or a standby without request forwarding) is its own outcome, {@link
 * SourceThrottledException}, carrying the wait the answer's headers ask for: {@code Retry-After} in seconds or as an
 * HTTP date, else {@code X-Ratelimit-Reset}, else none. On the test kit's Vault fake, over real HTTP, on the test's
 * manual clock.
 */
class VaultThrottlingTest {
    private static final String REF = "vault:secret/app/api";
    private static final String PLANTED = "k1-PLANTED-value";
    private final FakeVaultHarness h = new FakeVaultHarness();

    @BeforeEach
    void start() {
        h.vault.policy("app", "secret/data/app/*", "read");
        h.vault.policy("app", "secret/metadata/app/*", "read");
        h.vault.kvPut("secret", "app/api", Map.of("key", PLANTED));
        h.start(h.appRole(TokenSpec.policies("app").ttl(Duration.ofHours(1))));
        // logged in, the mount's KV version known: the next call is the read itself
        assertThat(h.secrets.value(REF + "#key")).isEqualTo(PLANTED);
    }

    @AfterEach
    void close() {
        h.close();
    }

    private SourceThrottledException readThrottled() {
        return catchThrowableOfType(
                () -> h.source.fetch(FetchRequest.of(SecretRef.parse(REF), FetchReason.REFRESH)),
                SourceThrottledException.class);
    }

    @Test
    void rateLimitedWithRetryAfterSeconds_isThrottled_withThatWait_namingTheReadTheRefAndTheSource() {
        h.vault.rateLimit(Duration.ofSeconds(7));

        SourceThrottledException e = readThrottled();

        assertThat(e).isNotNull();
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(e.getMessage())
                .contains("KV v2 read")
                .contains("HTTP 429")
                .contains(REF)
                .contains("source=vault")
                .doesNotContain(PLANTED);
    }

    @Test
    void rateLimitedWithRetryAfterAsAnHttpDate_waitsUntilThatDateOnTheClientsClock() {
        String in90s = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                h.scheduler.clock().now().plusSeconds(90).atOffset(ZoneOffset.UTC));
        h.vault.rateLimitAnswering(Map.of("Retry-After", in90s));

        SourceThrottledException e = readThrottled();

        assertThat(e.retryAfter()).contains(Duration.ofSeconds(90));
    }

    @Test
    void rateLimitedWithRetryAfterAsAnHttpDateInThePast_waitsZero() {
        String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                h.scheduler.clock().now().minusSeconds(30).atOffset(ZoneOffset.UTC));
        h.vault.rateLimitAnswering(Map.of("Retry-After", past));

        assertThat(readThrottled().retryAfter()).contains(Duration.ZERO);
    }

    @Test
    void quotaWithResponseHeaders_retryAfterWinsOverTheRateLimitHeaders() {
        h.vault.rateLimitQuota(50, Duration.ofSeconds(12), true);

        SourceThrottledException e = readThrottled();

        assertThat(e.retryAfter()).contains(Duration.ofSeconds(12));
    }

    @Test
    void onlyXRatelimitReset_isTheWait() {
        h.vault.rateLimitAnswering(
                Map.of("X-Ratelimit-Limit", "50", "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", "42"));

        assertThat(readThrottled().retryAfter()).contains(Duration.ofSeconds(42));
    }

    @Test
    void quotaWithoutResponseHeaders_vaultsDefault_isThrottledWithoutAWait() {
        h.vault.rateLimitQuota(50, Duration.ofSeconds(12), false);

        SourceThrottledException e = readThrottled();

        assertThat(e).isNotNull();
        assertThat(e.retryAfter()).isEmpty();
    }

    @Test
    void quotaBucketRefilledOnTheClock_theReadIsServedAgain() {
        h.vault.rateLimitQuota(50, Duration.ofSeconds(12), true);
        assertThat(readThrottled()).isNotNull();

        h.advance(Duration.ofSeconds(12));

        assertThat(h.source
                        .fetch(FetchRequest.of(SecretRef.parse(REF), FetchReason.REFRESH))
                        .field("key"))
                .contains(PLANTED);
    }

    @Test
    void standbyWithoutRequestForwarding_429_isThrottledWithoutAWait() {
        h.vault.standby(true);

        SourceThrottledException e = readThrottled();

        assertThat(e).isNotNull();
        assertThat(e.retryAfter()).isEmpty();
        assertThat(e.getMessage()).contains("standby");
    }

    @Test
    void malformedRetryAfter_isIgnored_fallingBackToXRatelimitReset() {
        h.vault.rateLimitAnswering(Map.of("Retry-After", "soon", "X-Ratelimit-Reset", "5"));

        assertThat(readThrottled().retryAfter()).contains(Duration.ofSeconds(5));
    }

    @Test
    void malformedRetryAfterAndReset_areIgnored_throttledWithoutAWait() {
        h.vault.rateLimitAnswering(Map.of("Retry-After", "-3", "X-Ratelimit-Reset", "1.5e3"));

        SourceThrottledException e = readThrottled();

        assertThat(e).isNotNull();
        assertThat(e.retryAfter()).isEmpty();
    }

    @Test
    void retryAfterOfAnHour_isCappedAtFiveMinutes() {
        h.vault.rateLimitAnswering(Map.of("Retry-After", "3600"));

        assertThat(readThrottled().retryAfter()).contains(SourceThrottledException.MAX_RETRY_AFTER);
    }

    @Test
    void loginRateLimited_isThrottledToo_namingTheLogin() {
        FakeVaultHarness cold = new FakeVaultHarness();
        try {
            cold.vault.policy("app", "secret/data/app/*", "read");
            cold.start(cold.appRole(TokenSpec.policies("app").ttl(Duration.ofHours(1))));
            cold.vault.rateLimit(Duration.ofSeconds(3));

            SourceThrottledException e =
                    catchThrowableOfType(() -> cold.secrets.get(REF), SourceThrottledException.class);

            assertThat(e).isNotNull();
            assertThat(e.retryAfter()).contains(Duration.ofSeconds(3));
            assertThat(e.getMessage()).contains("could not log in to Vault");
        } finally {
            cold.close();
        }
    }
}
