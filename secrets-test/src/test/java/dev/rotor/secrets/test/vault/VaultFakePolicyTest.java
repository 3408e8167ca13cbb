package dev.rotor.secrets.test.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.test.vault.FakeClient.Reply;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VaultFakePolicyTest {
    private final VaultFake vault = VaultFake.start();
    private final FakeClient http = new FakeClient(vault);

    @AfterEach
    void stop() {
        vault.close();
    }

    @Test
    void tokenMayReadData_butIsDeniedMetadata() {
        vault.policy("app", "secret/data/app/*", "read");
        vault.kvPut("secret", "app/db", Map.of("password", "pw"));
        String token = vault.createToken(TokenSpec.policies("app"));

        assertThat(http.get("secret/data/app/db", token).status).isEqualTo(200);
        assertThat(http.get("secret/metadata/app/db", token).status).isEqualTo(403);
    }

    @Test
    void exactRule_winsOverGlob_andDenyWins() {
        vault.policy("app", "secret/data/*", "read");
        vault.policy("app", "secret/data/admin", "deny");
        vault.kvPut("secret", "admin", Map.of("k", "v"));
        vault.kvPut("secret", "other", Map.of("k", "v"));
        String token = vault.createToken(TokenSpec.policies("app"));

        assertThat(http.get("secret/data/other", token).status).isEqualTo(200);
        assertThat(http.get("secret/data/admin", token).status).isEqualTo(403);
    }

    @Test
    void plusMatchesOneSegment() {
        vault.policy("app", "secret/data/+/db", "read");
        vault.kvPut("secret", "team-a/db", Map.of("k", "v"));
        vault.kvPut("secret", "team-a/x/db", Map.of("k", "v"));
        String token = vault.createToken(TokenSpec.policies("app"));

        assertThat(http.get("secret/data/team-a/db", token).status).isEqualTo(200);
        assertThat(http.get("secret/data/team-a/x/db", token).status).isEqualTo(403);
    }

    @Test
    void capabilitiesSelf_answersFromTheTokensPolicies() {
        vault.policy("app", "secret/data/app/*", "read", "list");
        String token = vault.createToken(TokenSpec.policies("app"));

        Reply r = http.post(
                "sys/capabilities-self", "{\"paths\":[\"secret/data/app/db\",\"secret/metadata/app/db\"]}", token);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.body.path("secret/data/app/db").toString()).isEqualTo("[\"list\",\"read\"]");
        assertThat(r.body.path("secret/metadata/app/db").toString()).isEqualTo("[\"deny\"]");
        assertThat(r.body.path("data").path("secret/data/app/db").toString()).isEqualTo("[\"list\",\"read\"]");
    }

    @Test
    void defaultPolicy_letsATokenLookUpRenewAndRevokeItself_butNotRevokeLeases() {
        String token = vault.createToken(TokenSpec.policies());

        assertThat(http.get("auth/token/lookup-self", token).status).isEqualTo(200);
        assertThat(http.put("sys/leases/revoke", "{\"lease_id\":\"x\"}", token).status)
                .isEqualTo(403);
    }
}
