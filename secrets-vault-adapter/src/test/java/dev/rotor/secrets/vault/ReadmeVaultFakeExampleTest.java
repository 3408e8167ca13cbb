package dev.rotor.secrets.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.vault.TokenSpec;
import dev.rotor.secrets.test.vault.VaultFake;
import dev.rotor.secrets.test.vault.VaultFakeExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The README's "Testing against Vault without Docker" example, as written there. */
class ReadmeVaultFakeExampleTest {
    final ManualScheduler scheduler = new ManualScheduler();

    @RegisterExtension
    final VaultFakeExtension vault = VaultFakeExtension.withClock(scheduler::timeSource);

    @Test
    void readsAStaticAndADynamicSecret() {
        VaultFake fake =
                vault.fake().policy("app", "secret/data/app/*", "read").policy("app", "database/creds/app", "read");
        fake.kvPut("secret", "app/db", Map.of("password", "pw"));
        fake.databaseRole("app", Duration.ofHours(1), Duration.ofHours(24));
        VaultFake.AppRole role = fake.appRole("app", TokenSpec.policies("app").ttl(Duration.ofHours(1)));
        VaultSource source = VaultSource.builder()
                .address(fake.address())
                .auth(VaultAuth.appRole(role.roleId(), role.newSecretId()))
                .build();
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .build()) {
            assertEquals("pw", secrets.value("vault:secret/app/db#password"));
            String first = secrets.get("vault:database/creds/app").version();
            scheduler.advance(Duration.ofHours(30)); // past the lease's 24 h maximum: new credentials
            assertNotEquals(first, secrets.get("vault:database/creds/app").version());
        }
    }
}
