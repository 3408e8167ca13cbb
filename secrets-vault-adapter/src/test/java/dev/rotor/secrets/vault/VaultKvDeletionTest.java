package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.Health;
import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretState;
import dev.rotor.secrets.test.vault.TokenSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A KV v2 secret deleted or destroyed in Vault while the application holds it, on the test kit's Vault fake. */
class VaultKvDeletionTest {
    private static final String REF = "vault:secret/app/api";
    private final FakeVaultHarness h = new FakeVaultHarness();

    @BeforeEach
    void start() {
        h.vault.policy("app", "secret/data/app/*", "read");
        h.vault.policy("app", "secret/metadata/app/*", "read");
        h.vault.kvPut("secret", "app/api", Map.of("key", "k1"));
        h.start(h.appRole(TokenSpec.policies("app").ttl(Duration.ofHours(1))));
        assertThat(h.secrets.value(REF + "#key")).isEqualTo("k1");
    }

    @AfterEach
    void close() {
        h.close();
    }

    private void nextPoll() {
        h.advance(VaultHarness.POLICY.pollInterval().plusSeconds(1));
    }

    private InventoryEntry entry() {
        return h.secrets.inventory().stream()
                .filter(e -> e.ref().toString().equals(REF))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void latestVersionSoftDeletedWhileHeld_nextPoll_failsTyped_degrades_andKeepsServingTheLastGoodValue() {
        h.vault.kvDeleteLatest("secret", "app/api");

        nextPoll();

        List<SecretEvent> failed = h.events.ofType(SecretEventType.REFRESH_FAILED);
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).errorClass()).contains(SecretNotFoundException.class.getName());
        assertThat(entry().state()).isEqualTo(SecretState.DEGRADED);
        assertThat(entry().lastError().orElseThrow())
                .contains("version 1 was deleted at")
                .doesNotContain("not found");
        assertThat(h.secrets.health().status()).isEqualTo(Health.Status.DEGRADED);
        assertThat(h.secrets.value(REF + "#key")).isEqualTo("k1");
    }

    @Test
    void latestVersionDestroyedWhileHeld_nextPoll_saysDestroyed_andKeepsServingTheLastGoodValue() {
        h.vault.kvDestroy("secret", "app/api", 1);

        nextPoll();

        assertThat(h.events.ofType(SecretEventType.REFRESH_FAILED)).hasSize(1);
        assertThat(entry().state()).isEqualTo(SecretState.DEGRADED);
        assertThat(entry().lastError().orElseThrow()).contains("version 1 was destroyed");
        assertThat(h.secrets.value(REF + "#key")).isEqualTo("k1");
    }

    @Test
    void readOfADeletedLatestVersion_vaultAnswers404WithMetadata_typedDeletedError() {
        h.vault.kvPut("secret", "app/gone", Map.of("key", "x"));
        h.vault.kvPut("secret", "app/gone", Map.of("key", "y"));
        h.vault.kvDeleteLatest("secret", "app/gone");

        assertThatThrownBy(() -> h.secrets.get("vault:secret/app/gone"))
                .isInstanceOf(SecretNotFoundException.class)
                .hasMessageContaining("version 2 was deleted at")
                .hasMessageContaining("vault:secret/app/gone")
                .hasMessageNotContaining("not found");
    }

    @Test
    void deletedThenUndeleted_pollRecovers_stateActiveAgain() {
        h.vault.kvDeleteLatest("secret", "app/api");
        nextPoll();
        assertThat(entry().state()).isEqualTo(SecretState.DEGRADED);

        h.vault.kvUndelete("secret", "app/api", 1);
        h.advance(VaultHarness.POLICY.maxBackoff().plusSeconds(1));

        assertThat(entry().state()).isEqualTo(SecretState.ACTIVE);
        assertThat(h.secrets.value(REF + "#key")).isEqualTo("k1");
    }

    @Test
    void metadataDenied_pollFallsBackToARead_followsNewVersions_withoutLoggingInAgain() {
        h.vault.policy("data-only", "secret/data/app/*", "read");
        h.vault.kvPut("secret", "app/other", Map.of("key", "o1"));
        FakeVaultHarness d = new FakeVaultHarness();
        try {
            d.vault.policy("data-only", "secret/data/app/*", "read");
            d.vault.kvPut("secret", "app/other", Map.of("key", "o1"));
            d.start(d.appRole(TokenSpec.policies("data-only").ttl(Duration.ofHours(1))));
            assertThat(d.secrets.value("vault:secret/app/other#key")).isEqualTo("o1");

            d.vault.kvPut("secret", "app/other", Map.of("key", "o2"));
            d.advance(VaultHarness.POLICY.pollInterval().plusSeconds(1));
            assertThat(d.secrets.value("vault:secret/app/other#key")).isEqualTo("o2");

            d.advance(VaultHarness.POLICY.pollInterval().plusSeconds(1));
            assertThat(d.vault.logins()).isEqualTo(1);
            assertThat(d.vault.count("GET", "secret/metadata/app/other"))
                    .as("after one refusal the metadata is not asked again")
                    .isEqualTo(1);
            assertThat(d.events.ofType(SecretEventType.REFRESH_FAILED)).isEmpty();
        } finally {
            d.close();
        }
    }
}
