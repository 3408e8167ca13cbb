package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.test.vault.TokenSpec;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Vault's real answers to a renewal of a lease it no longer holds, on the test kit's Vault fake. */
class VaultLeaseAnswersTest {
    private static final String REF = "vault:database/creds/app";
    private final FakeVaultHarness h = new FakeVaultHarness();

    @BeforeEach
    void start() {
        h.vault.policy("app", "database/creds/app", "read");
        h.vault.policy("app", "sys/leases/revoke", "update");
        h.vault.databaseRole("app", Duration.ofMinutes(30), Duration.ofHours(24));
        h.start(h.appRole(TokenSpec.policies("app").ttl(Duration.ofHours(24))));
    }

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void renewalAnsweredLeaseExpired_reissuesAtOnce_notAtTheLocalLeaseEnd() {
        Secret first = h.secrets.get(REF);
        String version = first.version();
        String user = first.field("username").orElseThrow();
        h.vault.expireLease(first.lease().orElseThrow().id().orElseThrow());

        h.advance(Duration.ofMinutes(20).plusSeconds(1));

        Secret now = h.secrets.get(REF);
        assertThat(now.version()).isNotEqualTo(version);
        assertThat(now.field("username")).isPresent().isNotEqualTo(java.util.Optional.of(user));
        assertThat(h.vault.count("GET", "database/creds/app")).isEqualTo(2);
        assertThat(h.vault.activeLeases())
                .containsExactly(now.lease().orElseThrow().id().orElseThrow());
        assertThat(h.events.ofType(SecretEventType.ROTATED)).hasSize(1);
    }

    @Test
    void renewalAnsweredLeaseNotFound_reissuesAtOnce() {
        Secret first = h.secrets.get(REF);
        String user = first.field("username").orElseThrow();
        h.vault.revokeLease(first.lease().orElseThrow().id().orElseThrow());

        h.advance(Duration.ofMinutes(20).plusSeconds(1));

        assertThat(h.secrets.get(REF).field("username")).isPresent().isNotEqualTo(java.util.Optional.of(user));
        assertThat(h.vault.count("GET", "database/creds/app")).isEqualTo(2);
    }
}
