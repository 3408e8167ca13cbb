package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.test.vault.TokenSpec;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** KV v2 and v1 reads, versions and polls, on the test kit's Vault fake. */
class VaultKvTest {
    private final FakeVaultHarness h = new FakeVaultHarness();
    private VaultAuth auth;

    @BeforeEach
    void seed() {
        h.vault.policy("app", "secret/*", "read");
        h.vault.policy("app", "kv/*", "read");
        auth = h.appRole(TokenSpec.policies("app").ttl(Duration.ofHours(1)));
    }

    @AfterEach
    void close() {
        h.close();
    }

    @Test
    void start_makesNoRequest_loginHappensOnFirstRead() {
        h.start(auth);
        assertThat(h.vault.requestCount()).isZero();
        h.vault.kvPut("secret", "app/db", Map.of("password", "pw-1", "user", "app"));

        assertThat(h.secrets.value("vault:secret/app/db#password")).isEqualTo("pw-1");
        assertThat(h.vault.logins()).isEqualTo(1);
    }

    @Test
    void kv2Read_usesDataPath_metadataVersionIsTheVersionId() {
        for (int v = 1; v < 7; v++) {
            h.vault.kvPut("secret", "app/db", Map.of("password", "pw-" + v));
        }
        h.vault.kvPut("secret", "app/db", Map.of("password", "pw-7", "port", 5432));
        h.start(auth);

        Secret s = h.secrets.get("vault:secret/app/db");

        assertThat(s.version()).isEqualTo("7");
        assertThat(s.field("password")).contains("pw-7");
        assertThat(s.field("port")).contains("5432");
        assertThat(s.lease()).isEmpty();
        assertThat(h.vault.count("GET", "secret/data/app/db")).isEqualTo(1);
    }

    @Test
    void kv2Read_withVersionParameter_readsThatVersion() {
        h.vault.kvPut("secret", "app/db", Map.of("password", "old"));
        h.vault.kvPut("secret", "app/db", Map.of("password", "new"));
        h.start(auth);

        assertThat(h.secrets.value("vault:secret/app/db#password?version=1")).isEqualTo("old");
        assertThat(h.secrets.value("vault:secret/app/db#password")).isEqualTo("new");
    }

    /**
     * Vault answers a read of a deleted latest version with 404 and the version's metadata (the WireMock stub this
     * replaces answered 200 with {@code data: null}, which Vault does not do).
     */
    @Test
    void kv2Read_deletedVersion_isNotFound_sayingDeleted() {
        h.vault.kvPut("secret", "gone", Map.of("k", "v"));
        h.vault.kvDeleteLatest("secret", "gone");
        h.start(auth);

        assertThatThrownBy(() -> h.secrets.get("vault:secret/gone"))
                .isInstanceOf(SecretNotFoundException.class)
                .hasMessageContaining("vault:secret/gone")
                .hasMessageContaining("version 1 was deleted");
    }

    @Test
    void kv2Read_missingSecret_isNotFound() {
        h.start(auth);

        assertThatThrownBy(() -> h.secrets.get("vault:secret/nothing"))
                .isInstanceOf(SecretNotFoundException.class)
                .hasMessageContaining("HTTP 404");
    }

    @Test
    void kv2Poll_unchangedMetadataVersion_doesNotReadAgain_changedVersionDoes() {
        h.vault.kvPut("secret", "app/api", Map.of("key", "k1"));
        h.start(auth);
        assertThat(h.secrets.value("vault:secret/app/api#key")).isEqualTo("k1");

        h.advance(VaultHarness.POLICY.pollInterval().plusSeconds(1));
        assertThat(h.vault.count("GET", "secret/metadata/app/api")).isEqualTo(1);
        assertThat(h.vault.count("GET", "secret/data/app/api")).isEqualTo(1);

        h.vault.kvPut("secret", "app/api", Map.of("key", "k2"));
        h.advance(VaultHarness.POLICY.pollInterval().plusSeconds(1));

        assertThat(h.vault.count("GET", "secret/data/app/api")).isEqualTo(2);
        assertThat(h.secrets.get("vault:secret/app/api").version()).isEqualTo("2");
        assertThat(h.secrets.value("vault:secret/app/api#key")).isEqualTo("k2");
    }

    @Test
    void kv1Mount_detected_readsThePathItself_contentCounterVersions() {
        h.vault.kvMount("kv", 1);
        h.vault.kvPut("kv", "app/api", Map.of("key", "v1-key"));
        h.start(auth);

        Secret s = h.secrets.get("vault:kv/app/api");

        assertThat(s.field("key")).contains("v1-key");
        assertThat(s.version()).isEqualTo("1");
        assertThat(s.lease())
                .as("KV v1's lease_duration is a refresh hint, not a lease")
                .isEmpty();
        assertThat(h.vault.countPrefix("kv/data/")).isZero();
    }

    @Test
    void kv1ContentChanged_pollSeesANewVersion() {
        h.vault.kvMount("kv", 1);
        h.vault.kvPut("kv", "app/api", Map.of("key", "one"));
        h.start(auth);
        h.secrets.get("vault:kv/app/api");

        h.vault.kvPut("kv", "app/api", Map.of("key", "two"));
        h.advance(VaultHarness.POLICY.pollInterval().plusSeconds(1));

        assertThat(h.secrets.get("vault:kv/app/api").version()).isEqualTo("2");
        assertThat(h.secrets.value("vault:kv/app/api#key")).isEqualTo("two");
    }

    @Test
    void configuredKvVersion_skipsMountDetection() {
        h.start(h.sourceBuilder(auth).kvVersion("secret", 2), b -> b);
        h.vault.kvPut("secret", "app/db", Map.of("password", "pw"));

        assertThat(h.secrets.value("vault:secret/app/db#password")).isEqualTo("pw");
        assertThat(h.vault.countPrefix("sys/internal/ui/mounts")).isZero();
    }

    @Test
    void unknownRefParameter_isRejected_beforeAnyRequest() {
        h.start(auth);
        assertThatThrownBy(() -> h.secrets.get("vault:secret/app/db?stage=x"))
                .isInstanceOf(SecretException.class)
                .hasMessageContaining("stage");
        assertThat(h.vault.requestCount()).isZero();
    }

    @Test
    void versionParameter_onKv1Mount_isAConfigurationError() {
        h.vault.kvMount("kv", 1);
        h.vault.kvPut("kv", "app/api", Map.of("key", "v1-key"));
        h.start(auth);

        assertThatThrownBy(() -> h.secrets.get("vault:kv/app/api?version=2"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("KV v2");
        assertThat(h.vault.count("GET", "kv/app/api")).isZero();
    }
}
