package dev.rotor.secrets.vault;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SourceUnavailableException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every call to Vault has a whole-call deadline: a server that drips its answer a byte at a time, each byte well inside
 * the read timeout, cannot hold a call past it. WireMock drip-feeds the body (a chunk every 300 ms).
 */
class VaultCallDeadlineTest {
    private static final String REF = "vault:secret/app/db#password";
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration DRIP = Duration.ofMillis(300);

    // without gzip: a compressed answer would be buffered by the server and sent at the end, not dripped
    private final VaultHarness h = new VaultHarness(wireMockConfig().gzipDisabled(true));

    @AfterEach
    void close() {
        h.close();
    }

    /** A KV v2 answer of at least {@code chunks} bytes, sent in {@code chunks} chunks, one every 300 ms. */
    private void tricklingKvAnswer(int chunks) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("password", "p".repeat(chunks));
        h.wm.stubFor(get(urlPathEqualTo("/v1/secret/data/app/db"))
                .willReturn(VaultStubs.ok(VaultStubs.kv2Body(1, fields))
                        .withChunkedDribbleDelay(chunks, (int) DRIP.toMillis() * chunks)));
    }

    private void start(Duration callTimeout) {
        h.stubs.lookupSelf("s.given", 3600, true);
        h.start(
                h.sourceBuilder(VaultAuth.token("s.given"))
                        .kvVersion("secret", 2)
                        .readTimeout(READ_TIMEOUT)
                        .callTimeout(callTimeout),
                b -> b);
    }

    @Test
    void answerTrickledOverThirtySeconds_endsAtTheCallDeadline_retryableUnavailable_namingRefAndSource() {
        Duration deadline = Duration.ofSeconds(2);
        tricklingKvAnswer(100); // 100 chunks, 300 ms apart: 30 s in all
        start(deadline);

        long t0 = System.nanoTime();
        Throwable t = catchThrowable(() -> h.secrets.get(REF));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        boolean interrupted = Thread.interrupted();

        assertThat(t).isInstanceOf(SourceUnavailableException.class);
        assertThat(((SourceUnavailableException) t).isRetryable()).isTrue();
        assertThat(t.getMessage())
                .contains("vault:secret/app/db")
                .contains("source=vault")
                .contains("call deadline")
                .contains("callTimeout");
        assertThat(took)
                .as("the call ends near its deadline of %s, not after the 30 s the answer would take", deadline)
                .isGreaterThanOrEqualTo(deadline.minusMillis(100))
                .isLessThan(deadline.plusSeconds(4));
        assertThat(took)
                .as("bytes kept arriving inside the read timeout of %s: it alone did not end the call", READ_TIMEOUT)
                .isGreaterThan(READ_TIMEOUT.multipliedBy(3).dividedBy(2));
        assertThat(interrupted)
                .as("a deadline is not an interrupt: the flag stays clear")
                .isFalse();
    }

    @Test
    void answerTrickledInsideTheReadTimeout_isNotEndedByTheReadTimeoutAlone() {
        tricklingKvAnswer(10); // 10 chunks, 300 ms apart: 3 s, three times the read timeout
        start(Duration.ofSeconds(20));

        long t0 = System.nanoTime();
        String value = h.secrets.value(REF);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(value).isEqualTo("p".repeat(10));
        assertThat(took).isGreaterThan(READ_TIMEOUT.multipliedBy(2));
    }

    @Test
    void defaultCallTimeout_isTenSeconds_belowTheEnginesDefaultLoadTimeout() {
        assertThat(VaultSource.Builder.DEFAULT_CALL_TIMEOUT).isEqualTo(Duration.ofSeconds(10));
        assertThat(VaultSource.Builder.DEFAULT_CALL_TIMEOUT)
                .isLessThan(RefreshPolicy.defaults().loadTimeout());
    }

    @Test
    void callTimeout_zeroOrNull_failsNamingIt() {
        VaultSource.Builder b =
                VaultSource.builder().address("https://vault:8200").auth(VaultAuth.token("s.x"));
        assertThatThrownBy(() -> b.callTimeout(Duration.ZERO).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("callTimeout");
        assertThatThrownBy(() -> b.callTimeout(null).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("callTimeout");
    }
}
