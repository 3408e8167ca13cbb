package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.vault.TokenSpec;
import dev.rotor.secrets.test.vault.VaultFake;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code rotor.vault.revoke-replaced-certificates} reaches the Vault source: with it on, a certificate issued through
 * a PKI ref is revoked by serial on the test kit's Vault fake once the re-issued one replaced it; off (the default), it
 * is left to end at its {@code notAfter}.
 */
class RotorVaultPkiPropertiesTest {
    private static final String REF = "vault:pki/issue/server?common_name=localhost&ttl=1h";

    @TempDir
    Path dir;

    private VaultFake vault;
    private Path token;

    @BeforeEach
    void pki() throws Exception {
        vault = VaultFake.start();
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

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RotorAutoConfiguration.class))
                .withPropertyValues(
                        "rotor.audit.enabled=false",
                        "rotor.vault.address=" + vault.address(),
                        "rotor.vault.auth.token-ref=file:" + token);
    }

    /** Waits (bounded) for the revocation, which follows the hand-over off the caller's thread. */
    private boolean revokedWithin(String serial, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (vault.revoked(serial)) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        return vault.revoked(serial);
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
                    assertThat(revokedWithin(first.version(), Duration.ofSeconds(10)))
                            .isTrue();
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
            assertThat(revokedWithin(first.version(), Duration.ofMillis(500))).isFalse();
            assertThat(vault.count("POST", "pki/revoke")).isZero();
        });
    }
}
