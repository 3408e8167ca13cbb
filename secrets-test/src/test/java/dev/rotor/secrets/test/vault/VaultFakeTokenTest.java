package dev.rotor.secrets.test.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.test.ManualClock;
import dev.rotor.secrets.test.vault.FakeClient.Reply;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VaultFakeTokenTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T00:00:00Z"));
    private final VaultFake vault = VaultFake.builder().clock(clock).build();
    private final FakeClient http = new FakeClient(vault);

    @AfterEach
    void stop() {
        vault.close();
    }

    @Test
    void lookupSelf_tellsAccessorPoliciesTtlAndExplicitMaxTtl() {
        vault.policy("app", "secret/data/app/*", "read");
        String token = vault.createToken(
                TokenSpec.policies("app").ttl(Duration.ofHours(1)).explicitMaxTtl(Duration.ofHours(3)));
        clock.advance(Duration.ofMinutes(10));

        Reply r = http.get("auth/token/lookup-self", token);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.body.path("data").path("ttl").asLong()).isEqualTo(3000);
        assertThat(r.body.path("data").path("creation_ttl").asLong()).isEqualTo(3600);
        assertThat(r.body.path("data").path("explicit_max_ttl").asLong()).isEqualTo(3 * 3600);
        assertThat(r.body.path("data").path("creation_time").asLong())
                .isEqualTo(Instant.parse("2026-03-01T00:00:00Z").getEpochSecond());
        assertThat(r.body.path("data").path("policies").toString()).contains("default", "app");
        assertThat(r.body.path("data").path("renewable").asBoolean()).isTrue();
        assertThat(r.body.path("data").path("accessor").asText()).isNotBlank().isNotEqualTo(token);
    }

    @Test
    void renewSelf_extendsTheTtlByTheIncrement() {
        String token = vault.createToken(TokenSpec.policies().ttl(Duration.ofHours(1)));
        clock.advance(Duration.ofMinutes(40));

        Reply r = http.post("auth/token/renew-self", "{\"increment\":\"3600s\"}", token);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.body.path("auth").path("client_token").asText()).isEqualTo(token);
        assertThat(r.body.path("auth").path("lease_duration").asLong()).isEqualTo(3600);
        assertThat(r.body.path("warnings").isNull()).isTrue();
        clock.advance(Duration.ofMinutes(59));
        assertThat(http.get("auth/token/lookup-self", token).status).isEqualTo(200);
    }

    @Test
    void renewSelf_pastTheMaxTtl_isCappedWithVaultsWarning() {
        String token =
                vault.createToken(TokenSpec.policies().ttl(Duration.ofHours(1)).maxTtl(Duration.ofHours(2)));
        clock.advance(Duration.ofMinutes(50));
        http.post("auth/token/renew-self", "{\"increment\":3600}", token);
        clock.advance(Duration.ofMinutes(40));

        Reply r = http.post("auth/token/renew-self", "{\"increment\":3600}", token);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.body.path("auth").path("lease_duration").asLong()).isEqualTo(1800);
        assertThat(r.body.path("warnings").get(0).asText())
                .isEqualTo("TTL of \"1h0m0s\" exceeded the effective max_ttl of \"30m0s\"; TTL value is capped"
                        + " accordingly");
    }

    @Test
    void revokeSelf_thenEveryRequestWithTheToken_isPermissionDenied() {
        String token = vault.createToken(TokenSpec.policies());

        assertThat(http.post("auth/token/revoke-self", null, token).status).isEqualTo(204);

        Reply r = http.get("auth/token/lookup-self", token);
        assertThat(r.status).isEqualTo(403);
        assertThat(r.body.toString()).isEqualTo("{\"errors\":[\"permission denied\"]}");
    }

    @Test
    void unknownToken_isPermissionDenied() {
        Reply r = http.get("secret/data/app", "hvs.not-a-token");

        assertThat(r.status).isEqualTo(403);
        assertThat(r.body.toString()).isEqualTo("{\"errors\":[\"permission denied\"]}");
    }

    @Test
    void expiredToken_isPermissionDenied() {
        String token = vault.createToken(TokenSpec.policies().ttl(Duration.ofMinutes(5)));
        clock.advance(Duration.ofMinutes(5));

        assertThat(http.get("auth/token/lookup-self", token).status).isEqualTo(403);
        assertThat(vault.tokenValid(token)).isFalse();
    }

    @Test
    void deniedPath_andBadToken_bothAnswer403_lookupSelfTellsThemApart() {
        vault.policy("app", "secret/data/app/*", "read");
        String token = vault.createToken(TokenSpec.policies("app"));

        assertThat(http.get("secret/data/other", token).status).isEqualTo(403);
        assertThat(http.get("secret/data/other", "hvs.unknown").status).isEqualTo(403);

        assertThat(http.get("auth/token/lookup-self", token).status).isEqualTo(200);
        assertThat(http.get("auth/token/lookup-self", "hvs.unknown").status).isEqualTo(403);
    }

    @Test
    void rootToken_neverExpires_andMayDoAnything() {
        clock.advance(Duration.ofDays(400));
        vault.kvPut("secret", "x", java.util.Map.of("k", "v"));

        assertThat(http.get("secret/data/x", vault.rootToken()).status).isEqualTo(200);
        assertThat(http.get("auth/token/lookup-self", vault.rootToken())
                        .body
                        .path("data")
                        .path("expire_time")
                        .isNull())
                .isTrue();
    }
}
