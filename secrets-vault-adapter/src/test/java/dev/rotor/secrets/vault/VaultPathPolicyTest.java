package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.test.vault.TokenSpec;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Vault ref is a raw API path: which paths a source lets refs name, checked before any call (the fake's request
 * log stays empty for a refused ref: no login, no lookup, no read).
 */
class VaultPathPolicyTest {
    private final FakeVaultHarness h = new FakeVaultHarness();

    @BeforeEach
    void seed() {
        h.vault.policy("app", "secret/data/app/*", "read");
        h.vault.policy("app", "secret/data/admin/*", "read");
        h.vault.kvPut("secret", "app/api", Map.of("key", "k1"));
        h.vault.kvPut("secret", "admin/root", Map.of("key", "nope"));
    }

    @AfterEach
    void close() {
        h.close();
    }

    private VaultAuth auth() {
        return h.appRole(TokenSpec.policies("app").ttl(Duration.ofHours(1)));
    }

    @Test
    void allowPaths_aRefUnderAnAllowedPrefix_reads() {
        h.start(h.sourceBuilder(auth()).allowPaths("secret/app"), b -> b);

        assertThat(h.secrets.value("vault:secret/app/api#key")).isEqualTo("k1");
    }

    @Test
    void allowPaths_aRefElsewhere_isRefusedBeforeAnyCall_namingTheRefAndTheAllowedPaths() {
        h.start(h.sourceBuilder(auth()).allowPaths("secret/app", "database/creds/app"), b -> b);

        assertThatThrownBy(() -> h.secrets.get("vault:secret/admin/root"))
                .isInstanceOf(SecretAccessDeniedException.class)
                .hasMessageContaining("vault:secret/admin/root")
                .hasMessageContaining("source=vault")
                .hasMessageContaining("outside the allowed paths")
                .hasMessageContaining("secret/app, database/creds/app");
        assertThat(h.vault.requests()).isEmpty();
    }

    @Test
    void allowPaths_matchWholeSegments_notStringPrefixes() {
        h.vault.kvPut("secret", "app-admin/root", Map.of("key", "nope"));
        h.start(h.sourceBuilder(auth()).allowPaths("secret/app/"), b -> b);

        assertThatThrownBy(() -> h.secrets.get("vault:secret/app-admin/root"))
                .isInstanceOf(SecretAccessDeniedException.class)
                .hasMessageContaining("outside the allowed paths");
        assertThat(h.vault.requests()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "vault:auth/token/lookup-self",
                "vault:cubbyhole/x",
                "vault:sys/config/auditing",
                "vault:identity/entity/id/x",
                "vault:/auth/token/lookup-self",
                "vault:AUTH/token/lookup-self"
            })
    void byDefault_vaultsOwnEndpoints_areRefusedBeforeAnyCall_sayingHowToAllowThem(String ref) {
        h.start(auth());

        assertThatThrownBy(() -> h.secrets.get(ref))
                .isInstanceOf(SecretAccessDeniedException.class)
                .hasMessageContaining(ref)
                .hasMessageContaining("source=vault")
                .hasMessageContaining("allowPaths");
        assertThat(h.vault.requests()).isEmpty();
        assertThat(h.vault.logins()).isZero();
    }

    @Test
    void byDefault_otherPaths_read() {
        h.start(auth());

        assertThat(h.secrets.value("vault:secret/app/api#key")).isEqualTo("k1");
    }

    @Test
    void allowPaths_namingAReservedPath_allowsIt() {
        h.start(h.sourceBuilder(auth()).allowPaths("cubbyhole/app"), b -> b);

        // the fake's default policy lets a token use its own cubbyhole; nothing is stored there
        Throwable t = catchThrowable(() -> h.secrets.get("vault:cubbyhole/app/x"));

        assertThat(t).isNotInstanceOf(SecretAccessDeniedException.class);
        assertThat(h.vault.requests()).anyMatch(r -> r.path().equals("cubbyhole/app/x"));
    }

    @Test
    void theTokenSessionsOwnCalls_areNotRefs_andAreNotRefused() {
        h.start(h.sourceBuilder(auth()).allowPaths("secret/app"), b -> b);

        h.secrets.get("vault:secret/app/api");

        assertThat(h.vault.logins()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "/", "secret/*", "secret/data/+/x", "secret/../sys", "secret//x", "a\nb"})
    void allowPaths_aPrefixThatIsNotAPlainPath_failsAtBuild_namingTheOption(String prefix) {
        assertThatThrownBy(() -> h.sourceBuilder(auth()).allowPaths(prefix).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("allowPaths")
                .hasMessageNotContaining("a\nb");
    }

    @Test
    void allowPaths_withNoPrefix_failsAtBuild() {
        assertThatThrownBy(() -> h.sourceBuilder(auth()).allowPaths().build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("allowPaths needs at least one prefix");
    }
}
