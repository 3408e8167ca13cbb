package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.vault.TokenSpec;
import dev.rotor.secrets.test.vault.VaultFake;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code rotor.vault.revoke-replaced-certificates} reaches the Vault source: with it on, a certificate issued through
 * a PKI ref is revoked by serial on the test kit's Vault fake once the re-issued one replaced it; off (the default), it
 * is left to end at its {@code notAfter}. The engine runs on a manual scheduler with a direct executor: no waits.
 */
class RotorVaultPkiPropertiesTest {
    private static final String REF = "vault:pki/issue/server?common_name=localhost&ttl=1h";

    @TempDir
    Path dir;

    private VaultFake vault;
    private Path token;

    @BeforeEach
    void pki() throws Exception {
        // the fake issues on the engine's manual clock, so the certificates are valid at its "now"
        vault = VaultFake.builder().clock(scheduler.clock()).build();
        vault.pkiMount("pki");
        vault.pkiRole("server", List.of("localhost"), false, Duration.ofHours(24));
        vault.policy("app", "pki/issue/server", "update");
        vault.policy("app", "pki/revoke", "update");
        token = dir.resolve("token");
        Files.writeString(token, vault.createToken(TokenSpec.policies("app").ttl(Duration.ofHours(1))));
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    private final ManualScheduler scheduler = new ManualScheduler();

    /** The engine's calls run on the caller's thread and its timers on a manual clock: the revocation is done when
     * the refresh returns, or after the clock moves past the revoke delay (0 by default). */
    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RotorAutoConfiguration.class))
                .withBean(
                        RotorSecretsCustomizer.class,
                        () -> b -> b.scheduler(scheduler).executor(ManualScheduler.directExecutor()))
                .withPropertyValues(
                        "rotor.audit.enabled=false",
                        "rotor.vault.address=" + vault.address(),
                        "rotor.vault.auth.token-ref=file:" + token);
    }

    @Test
    void revokeReplacedCertificates_on_theReplacedCertificateIsRevoked() {
        runner().withPropertyValues("rotor.vault.revoke-replaced-certificates=true")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Secrets secrets = context.getBean(Secrets.class);
                    Secret first = secrets.get(REF);
                    Secret second = secrets.refresh(REF);
                    assertThat(second.version()).isNotEqualTo(first.version());
                    scheduler.advance(Duration.ofSeconds(1));
                    assertThat(vault.revoked(first.version())).isTrue();
                    assertThat(vault.revoked(second.version())).isFalse();
                });
    }

    @Test
    void revokeReplacedCertificates_default_leavesTheReplacedCertificateToExpire() {
        runner().run(context -> {
            assertThat(context).hasNotFailed();
            Secrets secrets = context.getBean(Secrets.class);
            Secret first = secrets.get(REF);
            Secret second = secrets.refresh(REF);
            assertThat(second.version()).isNotEqualTo(first.version());
            scheduler.advance(Duration.ofSeconds(1));
            assertThat(vault.revoked(first.version())).isFalse();
            assertThat(vault.count("POST", "pki/revoke")).isZero();
        });
    }
}
