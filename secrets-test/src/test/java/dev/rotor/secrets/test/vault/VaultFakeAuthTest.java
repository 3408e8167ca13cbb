package dev.rotor.secrets.test.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.test.ManualClock;
import dev.rotor.secrets.test.vault.FakeClient.Reply;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VaultFakeAuthTest {
    private final ManualClock clock = new ManualClock();
    private final VaultFake vault = VaultFake.builder().clock(clock).build();
    private final FakeClient http = new FakeClient(vault);

    @AfterEach
    void stop() {
        vault.close();
    }

    @Test
    void appRoleLogin_roleIdAndSecretId_answerATokenOfTheRolesSpec() {
        VaultFake.AppRole role =
                vault.appRole("orders", TokenSpec.policies("orders").ttl(Duration.ofMinutes(30)));

        Reply r = http.post(
                "auth/approle/login",
                "{\"role_id\":\"" + role.roleId() + "\",\"secret_id\":\"" + role.newSecretId() + "\"}",
                null);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.body.path("auth").path("client_token").asText()).startsWith("hvs.");
        assertThat(r.body.path("auth").path("lease_duration").asLong()).isEqualTo(1800);
        assertThat(r.body.path("auth").path("policies").toString()).contains("default", "orders");
        assertThat(vault.logins()).isEqualTo(1);
    }

    @Test
    void appRoleLogin_wrongSecretId_is400() {
        VaultFake.AppRole role = vault.appRole("orders", TokenSpec.policies());

        Reply r =
                http.post("auth/approle/login", "{\"role_id\":\"" + role.roleId() + "\",\"secret_id\":\"nope\"}", null);

        assertThat(r.status).isEqualTo(400);
        assertThat(r.body.toString()).contains("invalid role or secret ID");
    }

    @Test
    void appRoleSecretId_withOneUse_secondLoginFails() {
        VaultFake.AppRole role = vault.appRole("orders", TokenSpec.policies());
        String secretId = role.newSecretId(1, Duration.ZERO);

        http.appRoleLogin(role, secretId);
        Reply again = http.post(
                "auth/approle/login",
                "{\"role_id\":\"" + role.roleId() + "\",\"secret_id\":\"" + secretId + "\"}",
                null);

        assertThat(again.status).isEqualTo(400);
    }

    @Test
    void wrappedSecretId_unwrapsOnce_secondUnwrapIs400() {
        VaultFake.AppRole role = vault.appRole("orders", TokenSpec.policies());
        String wrapping = role.wrappedSecretId(Duration.ofMinutes(5));

        Reply first = http.post("sys/wrapping/unwrap", null, wrapping);
        Reply second = http.post("sys/wrapping/unwrap", null, wrapping);

        assertThat(first.status).isEqualTo(200);
        String secretId = first.body.path("data").path("secret_id").asText();
        assertThat(http.appRoleLogin(role, secretId)).startsWith("hvs.");
        assertThat(second.status).isEqualTo(400);
        assertThat(second.body.toString()).contains("wrapping token is not valid or does not exist");
    }

    @Test
    void wrappingToken_pastItsTtl_cannotBeUnwrapped() {
        VaultFake.AppRole role = vault.appRole("orders", TokenSpec.policies());
        String wrapping = role.wrappedSecretId(Duration.ofMinutes(5));
        clock.advance(Duration.ofMinutes(5));

        assertThat(http.post("sys/wrapping/unwrap", null, wrapping).status).isEqualTo(400);
    }

    @Test
    void kubernetesLogin_registeredJwt_succeeds_otherJwtIsDenied() {
        vault.kubernetesRole("orders", "sa-jwt-1", TokenSpec.policies("orders"));

        Reply ok = http.post("auth/kubernetes/login", "{\"role\":\"orders\",\"jwt\":\"sa-jwt-1\"}", null);
        Reply bad = http.post("auth/kubernetes/login", "{\"role\":\"orders\",\"jwt\":\"other\"}", null);

        assertThat(ok.status).isEqualTo(200);
        assertThat(ok.body.path("auth").path("client_token").asText()).startsWith("hvs.");
        assertThat(bad.status).isEqualTo(403);
    }

    @Test
    void jwtLogin_atItsMount() {
        vault.jwtRole("oidc-ci", "deploy", "ci-jwt", TokenSpec.policies("deploy"));

        Reply ok = http.post("auth/oidc-ci/login", "{\"role\":\"deploy\",\"jwt\":\"ci-jwt\"}", null);
        Reply unknownRole = http.post("auth/oidc-ci/login", "{\"role\":\"x\",\"jwt\":\"ci-jwt\"}", null);

        assertThat(ok.status).isEqualTo(200);
        assertThat(unknownRole.status).isEqualTo(400);
    }

    @Test
    void userpassLogin_postsThePasswordToTheUsersPath() {
        vault.userpass("userpass", "alice", "pw", TokenSpec.policies());

        assertThat(http.post("auth/userpass/login/alice", "{\"password\":\"pw\"}", null).status)
                .isEqualTo(200);
        assertThat(http.post("auth/userpass/login/alice", "{\"password\":\"no\"}", null).status)
                .isEqualTo(400);
    }
}
