package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.Health;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretDeclaration;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.vault.TokenSpec;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The start-up least-privilege check, against the test kit's Vault fake with real policies. */
class VaultCapabilityCheckTest {
    private static final String KV = "vault:secret/app/db";
    private static final String DB = "vault:database/creds/app";
    private static final String PKI = "vault:pki/issue/web?common_name=web.example.com";
    private final FakeVaultHarness h = new FakeVaultHarness();

    @BeforeEach
    void seed() {
        h.vault.kvPut("secret", "app/db", Map.of("password", "kv-planted-password"));
        h.vault.databaseRole("app", Duration.ofHours(1), Duration.ofHours(24));
        h.vault.pkiMount("pki");
        h.vault.pkiRole("pki", "web", java.util.List.of("example.com"), true, Duration.ofHours(24));
    }

    @AfterEach
    void close() {
        h.close();
    }

    private FakeVaultHarness start(VaultAuth auth, String... declared) {
        return h.start(h.sourceBuilder(auth), b -> {
            for (String d : declared) {
                b.declare(SecretDeclaration.of(d));
            }
            return b;
        });
    }

    private VaultAuth app() {
        return h.appRole(TokenSpec.policies("app").ttl(Duration.ofHours(1)));
    }

    @Test
    void exactlyTheNeededCapabilities_startClean_withOneCapabilityCall() {
        h.vault.policy("app", "secret/data/app/*", "read");
        h.vault.policy("app", "database/creds/app", "read");
        h.vault.policy("app", "sys/leases/revoke", "update");
        h.vault.policy("app", "pki/issue/web", "update");
        start(app(), KV, DB, PKI);

        assertThat(h.secrets.health().warnings()).isEmpty();
        assertThat(h.vault.count("POST", "sys/capabilities-self")).isEqualTo(1);
        assertThat(h.secrets.value(KV + "#password")).isEqualTo("kv-planted-password");
    }

    @Test
    void missingRead_failsTheBuild_namingRefPathNeededAndGranted() {
        h.vault.policy("app", "secret/data/app/*", "list");
        h.vault.policy("app", "database/creds/app", "read");
        Throwable t = catchThrowable(() -> start(app(), KV, DB));

        assertThat(t).isInstanceOf(SecretAccessDeniedException.class);
        assertThat(t.getMessage())
                .contains("ref=" + KV, "source=vault", "secret/data/app/db", "needs [read]", "granted [list]");
        assertThat(((SecretAccessDeniedException) t).isRetryable()).isFalse();
    }

    @Test
    void missingUpdateOnPkiIssue_failsTheBuild() {
        h.vault.policy("app", "pki/issue/web", "read");
        assertThatThrownBy(() -> start(app(), PKI))
                .isInstanceOf(SecretAccessDeniedException.class)
                .hasMessageContaining("pki/issue/web")
                .hasMessageContaining("needs [update]");
    }

    @Test
    void excessDelete_isAWarning_inTheLogAndInHealth_andTheClientStarts() {
        h.vault.policy("app", "secret/data/app/*", "read", "update", "delete");
        h.vault.policy("app", "database/creds/app", "read");
        h.vault.policy("app", "sys/leases/revoke", "update");
        try (LeakCheck logs = LeakCheck.start("kv-planted-password")) {
            start(app(), KV, DB);
            Health health = h.secrets.health();
            assertThat(health.status()).isEqualTo(Health.Status.UP);
            assertThat(health.warnings())
                    .singleElement()
                    .asString()
                    .contains("secret/data/app/db", "delete, update", "needs only read", KV);
            assertThat(logs.logLines()).anyMatch(l -> l.contains("permission check") && l.contains("delete"));
        }
    }

    // ---- the calls the client makes later: renewals and revocations ----

    @Test
    void missingRevokeOfReplacedLeases_isAWarningNamingPathAndCapability_theClientStartsAndReads() {
        h.vault.policy("app", "database/creds/app", "read");
        start(app(), DB);

        Health health = h.secrets.health();
        assertThat(health.status()).isEqualTo(Health.Status.UP);
        assertThat(health.warnings())
                .singleElement()
                .asString()
                .contains("LIMITED", "sys/leases/revoke", "lacks update", "not revoked", "ref=" + DB);
        assertThat(h.secrets.get(DB).field("password")).isPresent();
        // what the warning foretold: the replaced lease's revocation is refused, the new credentials serve
        String first = h.secrets.get(DB).lease().orElseThrow().id().orElseThrow();
        h.secrets.refresh(DB);
        h.advance(Duration.ofMinutes(1));
        assertThat(h.events.ofType(SecretEventType.REVOKED)).singleElement().satisfies(ev -> assertThat(ev.outcome())
                .isEqualTo(SecretEvent.Outcome.FAILURE));
        assertThat(h.vault.leaseActive(first)).isTrue();
        assertThat(h.secrets.get(DB).lease().orElseThrow().id()).isNotEqualTo(Optional.of(first));
    }

    @Test
    void revokeGranted_noWarning_andTheReplacedLeaseIsRevoked() {
        h.vault.policy("app", "database/creds/app", "read");
        h.vault.policy("app", "sys/leases/revoke", "update");
        start(app(), DB);

        assertThat(h.secrets.health().warnings()).isEmpty();
        String first = h.secrets.get(DB).lease().orElseThrow().id().orElseThrow();
        h.secrets.refresh(DB);
        h.advance(Duration.ofMinutes(1));
        assertThat(h.vault.leaseActive(first)).isFalse();
    }

    @Test
    void missingLeaseRenewal_failsTheBuild_becauseTheSecretWouldEndWithItsFirstLease() {
        h.vault.policy("app", "database/creds/app", "read");
        h.vault.policy("app", "sys/leases/revoke", "update");
        h.vault.policy("app", "sys/leases/renew", "deny");
        assertThatThrownBy(() -> start(app(), DB))
                .isInstanceOf(SecretAccessDeniedException.class)
                .hasMessageContaining("ref=" + DB)
                .hasMessageContaining("sys/leases/renew")
                .hasMessageContaining("needs [update]");
    }

    @Test
    void pkiRefWithRevokeReplacedCertificates_missingUpdateOnTheMountsRevoke_isAWarning() {
        h.vault.policy("app", "pki/issue/web", "update");
        h.start(h.sourceBuilder(app()).revokeReplacedCertificates(true), b -> b.declare(SecretDeclaration.of(PKI)));

        assertThat(h.secrets.health().warnings())
                .singleElement()
                .asString()
                .contains("LIMITED", "pki/revoke", "lacks update", "certificates are not revoked");
        assertThat(h.secrets.get(PKI).field("certificate")).isPresent();
    }

    @Test
    void pkiRefWithRevokeReplacedCertificates_revokeGranted_noWarning() {
        h.vault.policy("app", "pki/issue/web", "update");
        h.vault.policy("app", "pki/revoke", "update");
        h.start(h.sourceBuilder(app()).revokeReplacedCertificates(true), b -> b.declare(SecretDeclaration.of(PKI)));
        assertThat(h.secrets.health().warnings()).isEmpty();
    }

    @Test
    void pkiRefWithoutRevocation_needsNoRevokeCapability() {
        h.vault.policy("app", "pki/issue/web", "update");
        start(app(), PKI);
        assertThat(h.secrets.health().warnings()).isEmpty();
    }

    @Test
    void renewableTokenThatMayNotRenewItself_isAWarning_aNonRenewableOneNeedsNothing() {
        h.vault.policy("app", "secret/data/app/*", "read");
        h.vault.policy("app", "auth/token/renew-self", "deny");
        start(app(), KV);
        assertThat(h.secrets.health().warnings())
                .singleElement()
                .asString()
                .contains("LIMITED", "auth/token/renew-self", "lacks update", "replaced by a new login");
        assertThat(h.secrets.value(KV + "#password")).isEqualTo("kv-planted-password");

        FakeVaultHarness other = new FakeVaultHarness();
        try {
            other.vault.kvPut("secret", "app/db", Map.of("password", "kv-planted-password"));
            other.vault.policy("app", "secret/data/app/*", "read");
            other.vault.policy("app", "auth/token/renew-self", "deny");
            String fixed = other.vault.createToken(
                    TokenSpec.policies("app").ttl(Duration.ofHours(1)).renewable(false));
            other.start(other.sourceBuilder(VaultAuth.token(fixed)), b -> b.declare(SecretDeclaration.of(KV)));
            assertThat(other.secrets.health().warnings()).isEmpty();
        } finally {
            other.close();
        }
    }

    @Test
    void givenRenewableTokenThatMayNotRenewItself_theWarningSaysItEnds() {
        h.vault.policy("app", "secret/data/app/*", "read");
        h.vault.policy("app", "auth/token/renew-self", "deny");
        String given = h.vault.createToken(TokenSpec.policies("app").ttl(Duration.ofHours(1)));
        try (LeakCheck leaks = LeakCheck.start(given, "kv-planted-password")) {
            h.start(h.sourceBuilder(VaultAuth.token(given)), b -> b.declare(SecretDeclaration.of(KV)));
            assertThat(h.secrets.health().warnings())
                    .singleElement()
                    .asString()
                    .contains("auth/token/renew-self", "given token is not renewed");
            leaks.check(h.secrets.health(), h.secrets.health().warnings());
            leaks.assertNoLeaks();
        }
    }

    @Test
    void rootToken_isAWarning() {
        start(VaultAuth.token(h.vault.rootToken()), KV);
        assertThat(h.secrets.health().warnings()).singleElement().asString().contains("root policy");
        assertThat(h.secrets.get(KV)).isNotNull();
    }

    @Test
    void vaultRefusingCapabilitiesSelf_isAWarning_notAFailure() {
        h.vault.policy("app", "secret/data/app/*", "read");
        h.vault.policy("app", "sys/capabilities-self", "deny");
        start(app(), KV);
        assertThat(h.secrets.health().warnings())
                .singleElement()
                .asString()
                .contains("refused sys/capabilities-self", "not checked");
        assertThat(h.secrets.value(KV + "#password")).isEqualTo("kv-planted-password");
    }

    @Test
    void allowListExactRefs_areChecked_patternsAreNot() {
        h.vault.policy("app", "secret/data/app/*", "read");
        assertThatThrownBy(() -> h.start(h.sourceBuilder(app()), b -> b.allowRefs("vault:secret/app/*", DB)))
                .isInstanceOf(SecretAccessDeniedException.class)
                .hasMessageContaining("ref=" + DB);
    }

    @Test
    void checkTurnedOff_makesNoCallAtStart() {
        h.vault.policy("app", "secret/data/app/*", "list");
        h.start(h.sourceBuilder(app()).checkCapabilitiesAtStart(false), b -> b.declare(SecretDeclaration.of(KV)));
        assertThat(h.vault.count("POST", "sys/capabilities-self")).isZero();
        assertThat(h.secrets.health().warnings()).isEmpty();
    }

    @Test
    void findingsAndFailures_neverCarryTheTokenOrAValue() {
        String root = h.vault.rootToken();
        String weak = h.vault.createToken(TokenSpec.policies("none"));
        try (LeakCheck leaks = LeakCheck.start(root, weak, "kv-planted-password")) {
            Throwable missing = catchThrowable(
                    () -> h.start(h.sourceBuilder(VaultAuth.token(weak)), b -> b.declare(SecretDeclaration.of(KV))
                            .eventListener(leaks)));
            assertThat(missing).isInstanceOf(SecretAccessDeniedException.class);
            h.start(h.sourceBuilder(VaultAuth.token(root)), b -> b.declare(SecretDeclaration.of(KV))
                    .eventListener(leaks));
            h.secrets.get(KV);
            leaks.check(missing, h.secrets.health(), h.secrets.health().warnings(), h.secrets.inventory());
            leaks.assertNoLeaks();
        }
    }
}
