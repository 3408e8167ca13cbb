package dev.rotor.secrets.test.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.test.ManualClock;
import dev.rotor.secrets.test.vault.FakeClient.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VaultFakeLeaseTest {
    private final ManualClock clock = new ManualClock();
    private final VaultFake vault = VaultFake.builder().clock(clock).build();
    private final FakeClient http = new FakeClient(vault);
    private final List<String> issued = new ArrayList<>();
    private final List<String> revoked = new ArrayList<>();
    private final List<String> rotated = new ArrayList<>();
    private String token;

    @BeforeEach
    void seed() {
        vault.policy("db", "database/*", "read");
        vault.policy("db", "sys/leases/revoke", "update");
        vault.databaseRole("app", Duration.ofHours(1), Duration.ofHours(3));
        vault.onDatabaseCredentials(new DatabaseCredentialsListener() {
            @Override
            public void issued(String role, String username, String password, String leaseId) {
                issued.add(username);
            }

            @Override
            public void revoked(String role, String username, String leaseId) {
                revoked.add(username);
            }

            @Override
            public void rotated(String role, String username, String password) {
                rotated.add(username + ":" + password);
            }
        });
        token = vault.createToken(TokenSpec.policies("db").ttl(Duration.ofDays(1)));
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    private Reply creds() {
        return http.get("database/creds/app", token);
    }

    private Reply renew(String leaseId, long increment) {
        return http.put(
                "sys/leases/renew", "{\"lease_id\":\"" + leaseId + "\",\"increment\":" + increment + "}", token);
    }

    @Test
    void dynamicCreds_newUserEachRead_leaseOfTheRolesDefaultTtl() {
        Reply a = creds();
        Reply b = creds();

        assertThat(a.status).isEqualTo(200);
        assertThat(a.body.path("lease_id").asText()).startsWith("database/creds/app/");
        assertThat(a.body.path("lease_duration").asLong()).isEqualTo(3600);
        assertThat(a.body.path("renewable").asBoolean()).isTrue();
        assertThat(a.body.path("data").path("username").asText())
                .isNotEqualTo(b.body.path("data").path("username").asText());
        assertThat(issued).hasSize(2);
    }

    @Test
    void leaseRenew_isCappedAtTheLeasesMaxTtl_withVaultsWarning() {
        String id = creds().body.path("lease_id").asText();
        clock.advance(Duration.ofMinutes(50));
        assertThat(renew(id, 3600).body.path("lease_duration").asLong()).isEqualTo(3600);
        clock.advance(Duration.ofMinutes(50));
        assertThat(renew(id, 3600).body.path("warnings").isNull()).isTrue();
        clock.advance(Duration.ofMinutes(50));

        Reply r = renew(id, 3600);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.body.path("lease_duration").asLong()).isEqualTo(1800);
        assertThat(r.body.path("warnings").get(0).asText()).contains("exceeded the effective max_ttl of \"30m0s\"");
    }

    @Test
    void leaseRenew_afterExpiry_isLeaseExpired400() {
        String id = creds().body.path("lease_id").asText();
        clock.advance(Duration.ofHours(1));

        Reply r = renew(id, 3600);

        assertThat(r.status).isEqualTo(400);
        assertThat(r.body.toString()).isEqualTo("{\"errors\":[\"lease expired\"]}");
        assertThat(revoked).hasSize(1);
    }

    @Test
    void leaseRenew_unknownLease_isLeaseNotFound400() {
        Reply r = renew("database/creds/app/nope", 3600);

        assertThat(r.status).isEqualTo(400);
        assertThat(r.body.toString()).isEqualTo("{\"errors\":[\"lease not found or lease is not renewable\"]}");
    }

    @Test
    void leaseRevoke_endsTheLease_andTheListenerDropsTheUser() {
        Reply c = creds();
        String id = c.body.path("lease_id").asText();

        assertThat(http.put("sys/leases/revoke", "{\"lease_id\":\"" + id + "\"}", token).status)
                .isEqualTo(204);

        assertThat(vault.leaseActive(id)).isFalse();
        assertThat(revoked).containsExactly(c.body.path("data").path("username").asText());
        assertThat(renew(id, 60).body.toString()).contains("lease not found");
    }

    @Test
    void revokingTheToken_revokesTheLeasesItOwns() {
        String id = creds().body.path("lease_id").asText();
        String other = vault.createToken(TokenSpec.policies("db"));
        String kept =
                http.get("database/creds/app", other).body.path("lease_id").asText();

        http.post("auth/token/revoke-self", null, token);

        assertThat(vault.leaseActive(id)).isFalse();
        assertThat(vault.leaseActive(kept)).isTrue();
    }

    @Test
    void tokenExpiry_revokesTheLeasesItOwns() {
        String shortToken = vault.createToken(TokenSpec.policies("db").ttl(Duration.ofMinutes(10)));
        String id =
                http.get("database/creds/app", shortToken).body.path("lease_id").asText();

        clock.advance(Duration.ofMinutes(10));
        vault.tick();

        assertThat(vault.leaseActive(id)).isFalse();
        assertThat(revoked).hasSize(1);
    }

    @Test
    void staticRole_isRotatedByTheClock_ttlCountsDownToTheNextRotation() {
        vault.databaseStaticRole("static-app", "app_user", Duration.ofHours(1));
        Reply first = http.get("database/static-creds/static-app", token);
        clock.advance(Duration.ofMinutes(20));
        Reply same = http.get("database/static-creds/static-app", token);

        clock.advance(Duration.ofMinutes(41));
        Reply next = http.get("database/static-creds/static-app", token);

        assertThat(first.body.path("data").path("username").asText()).isEqualTo("app_user");
        assertThat(first.body.path("data").path("rotation_period").asLong()).isEqualTo(3600);
        assertThat(same.body.path("data").path("ttl").asLong()).isEqualTo(2400);
        assertThat(same.body.path("data").path("password").asText())
                .isEqualTo(first.body.path("data").path("password").asText());
        assertThat(next.body.path("data").path("password").asText())
                .isNotEqualTo(first.body.path("data").path("password").asText());
        assertThat(next.body.path("data").path("last_vault_rotation").asText())
                .isEqualTo(clock.now().minusSeconds(60).toString());
        assertThat(next.body.path("data").path("ttl").asLong()).isEqualTo(3540);
        assertThat(next.body.path("lease_id").asText()).isEmpty();
        assertThat(rotated).hasSize(2);
    }
}
