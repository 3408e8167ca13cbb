package dev.rotor.secrets.test.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.test.vault.FakeClient.Reply;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VaultFakeModesTest {
    private final VaultFake vault = VaultFake.start();
    private final FakeClient http = new FakeClient(vault);
    private final String root = vault.rootToken();

    @AfterEach
    void stop() {
        vault.close();
    }

    @Test
    void sealed_answers503_healthSaysSealed_unsealServesAgain() {
        vault.kvPut("secret", "a", Map.of("k", "v"));
        vault.seal();

        Reply r = http.get("secret/data/a", root);

        assertThat(r.status).isEqualTo(503);
        assertThat(r.body.toString()).contains("Vault is sealed");
        assertThat(http.get("sys/health", null).status).isEqualTo(503);
        vault.unseal();
        assertThat(http.get("secret/data/a", root).status).isEqualTo(200);
    }

    @Test
    void standby_answers429() {
        vault.standby(true);

        assertThat(http.get("secret/data/a", root).status).isEqualTo(429);
        assertThat(http.get("sys/health", null).status).isEqualTo(429);
    }

    @Test
    void rateLimited_answers429WithRetryAfter() {
        vault.rateLimit(Duration.ofSeconds(7));

        Reply r = http.get("secret/data/a", root);

        assertThat(r.status).isEqualTo(429);
        assertThat(r.raw.headers().firstValue("Retry-After")).contains("7");
        assertThat(r.body.toString()).contains("rate limit quota exceeded");
        vault.stopRateLimit();
        assertThat(http.get("secret/data/a", root).status).isEqualTo(404);
    }

    @Test
    void failing_answers500() {
        vault.failing(true);

        assertThat(http.get("secret/data/a", root).status).isEqualTo(500);
    }

    @Test
    void slow_holdsEveryAnswerBack_pastAClientsTimeout() {
        vault.slow(Duration.ofMillis(400));
        http.timeout = Duration.ofMillis(100);

        assertThatThrownBy(() -> http.get("sys/health", null))
                .hasRootCauseInstanceOf(java.net.http.HttpTimeoutException.class);
    }

    @Test
    void requestLog_showsMethodPathAccessorAndStatus_neverTheToken() {
        String token = vault.createToken(TokenSpec.policies());
        String accessor = http.get("auth/token/lookup-self", token)
                .body
                .path("data")
                .path("accessor")
                .asText();
        http.get("secret/data/a", "hvs.unknown");
        http.get("sys/health", null);

        assertThat(vault.requests())
                .extracting(VaultFake.LoggedRequest::toString)
                .containsExactly(
                        "GET auth/token/lookup-self [" + accessor + "] -> 200",
                        "GET secret/data/a [****] -> 403",
                        "GET sys/health [none] -> 200");
        assertThat(vault.requests().toString()).doesNotContain(token);
        assertThat(vault.count("GET", "auth/token/lookup-self")).isEqualTo(1);
        assertThat(vault.requestCount()).isEqualTo(3);
        assertThat(vault.toString()).doesNotContain(root);
    }
}
