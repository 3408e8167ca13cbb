package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.test.vault.TokenSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A 403 on one path is the policy's answer, not a dead token: on the test kit's Vault fake. */
class VaultDeniedPathTest {
    private final FakeVaultHarness h = new FakeVaultHarness();

    @BeforeEach
    void seed() {
        h.vault.policy("app", "secret/data/app/*", "read");
        h.vault.policy("app", "secret/metadata/app/*", "read");
        h.vault.policy("app", "database/creds/app", "read");
        h.vault.policy("app", "sys/leases/revoke", "update");
        h.vault.databaseRole("app", Duration.ofHours(1), Duration.ofHours(24));
        h.vault.kvPut("secret", "app/api", Map.of("key", "k1"));
        h.vault.kvPut("secret", "admin/root", Map.of("key", "nope"));
    }

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void deniedPath_withAHealthyToken_failsAccessDenied_withoutALogin() {
        h.start(h.appRole(TokenSpec.policies("app").ttl(Duration.ofHours(1))));
        h.secrets.get("vault:secret/app/api");

        assertThatThrownBy(() -> h.secrets.get("vault:secret/admin/root"))
                .isInstanceOf(SecretAccessDeniedException.class);

        assertThat(h.vault.logins()).isEqualTo(1);
        assertThat(h.vault.count("GET", "auth/token/lookup-self")).isEqualTo(1);
    }

    @Test
    void tokenRevokedInVault_nextCallIsDenied_lookupSelfToo_soItLogsInOnceAndRetries() {
        h.start(h.appRole(TokenSpec.policies("app").ttl(Duration.ofHours(1))));
        h.secrets.get("vault:secret/app/api");
        String accessor = h.vault.requests().stream()
                .filter(r -> r.path().equals("secret/data/app/api"))
                .findFirst()
                .orElseThrow()
                .accessor();
        h.vault.revokeAccessor(accessor);
        h.vault.clearLog();

        assertThat(h.secrets.refresh("vault:secret/app/api").field("key")).contains("k1");

        assertThat(h.vault.logins()).isEqualTo(1);
        assertThat(h.vault.count("GET", "auth/token/lookup-self")).isEqualTo(1);
    }

    @Test
    void tokenRevokedInVault_andThePathDeniedToo_failsAccessDenied_afterExactlyOneLogin() {
        h.start(h.appRole(TokenSpec.policies("app").ttl(Duration.ofHours(1))));
        h.secrets.get("vault:secret/app/api");
        h.vault.revokeAccessor(
                h.vault.requests().get(h.vault.requests().size() - 1).accessor());
        h.vault.clearLog();

        assertThatThrownBy(() -> h.secrets.get("vault:secret/admin/root"))
                .isInstanceOf(SecretAccessDeniedException.class)
                .hasMessageContaining("vault:secret/admin/root");

        assertThat(h.vault.logins()).isEqualTo(1);
        assertThat(h.vault.count("GET", "secret/data/admin/root")).isEqualTo(2);
    }

    @Test
    void tenMinutesOfPolling_oneHealthyHourLongToken_oneDeniedSecret_atMostOneLogin_noLeaseReissued() {
        RefreshPolicy everyMinute = VaultHarness.POLICY
                .newBuilder()
                .pollInterval(Duration.ofMinutes(1))
                .build();
        h.vault.policy("app", "secret/metadata/app/api", "deny");
        h.start(
                h.sourceBuilder(h.appRole(TokenSpec.policies("app").ttl(Duration.ofHours(1)))),
                b -> b.refreshPolicy(everyMinute));
        h.secrets.get("vault:secret/app/api");
        String user =
                h.secrets.get("vault:database/creds/app").field("username").orElseThrow();
        List<Throwable> denied = new ArrayList<>();

        for (int minute = 0; minute < 10; minute++) {
            h.advance(Duration.ofMinutes(1));
            try {
                h.secrets.get("vault:secret/admin/root");
            } catch (SecretAccessDeniedException e) {
                denied.add(e);
            }
        }

        assertThat(h.vault.logins())
                .as("logins in ten minutes of polling with one denied secret")
                .isLessThanOrEqualTo(1);
        assertThat(denied).isNotEmpty();
        assertThat(h.vault.count("GET", "database/creds/app")).isEqualTo(1);
        assertThat(h.secrets.get("vault:database/creds/app").field("username")).contains(user);
    }
}
