package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.vault.TokenSpec;
import dev.rotor.secrets.test.vault.VaultFake;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The new failure paths (a denied path, a deleted or destroyed KV v2 version, an expired lease, a revoked token) leak
 * no credential or value into logs, events, exceptions or {@code toString()}, on the test kit's Vault fake.
 */
class VaultFakeLeakTest {
    @Test
    void deniedDeletedExpiredAndRevoked_leakNothing() {
        FakeVaultHarness h = new FakeVaultHarness();
        VaultFake v = h.vault;
        v.policy("app", "secret/data/app/*", "read");
        v.policy("app", "database/*", "read");
        v.policy("app", "sys/leases/revoke", "update");
        v.kvPut("secret", "app/api", Map.of("key", "kv-value-planted-1"));
        v.kvPut("secret", "admin/root", Map.of("key", "kv-value-planted-2"));
        v.databaseRole("app", Duration.ofMinutes(30), Duration.ofHours(24));
        v.databaseStaticRole("static-app", "static_user", Duration.ofHours(1));
        VaultFake.AppRole role = v.appRole("app", TokenSpec.policies("app").ttl(Duration.ofHours(1)));
        String secretId = role.newSecretId();
        try (LeakCheck leaks = LeakCheck.builder()
                .plant("kv-value-planted-1", "kv-value-planted-2", role.roleId(), secretId)
                .plant(v.staticRolePassword("static-app"))
                .start()) {
            h.start(h.sourceBuilder(VaultAuth.appRole(role.roleId(), secretId)), b -> b.eventListener(leaks));
            leaks.check(h.source);
            h.secrets.get("vault:secret/app/api");
            h.secrets.get("vault:database/static-creds/static-app");
            Secret dynamic = h.secrets.get("vault:database/creds/app");
            leaks.check(dynamic);

            try {
                h.secrets.get("vault:secret/admin/root");
            } catch (SecretException denied) {
                leaks.check(denied);
            }
            v.kvDeleteLatest("secret", "app/api");
            v.expireLease(dynamic.lease().orElseThrow().id().orElseThrow());
            h.advance(Duration.ofMinutes(21));
            v.revokeAccessor(v.requests().get(v.requests().size() - 1).accessor());
            h.advance(Duration.ofMinutes(6));
            try {
                h.secrets.refresh("vault:secret/app/api");
            } catch (SecretException deleted) {
                leaks.check(deleted);
            }
            leaks.check(h.secrets.inventory(), h.secrets.health(), v.requests(), v);
            h.close();
            leaks.assertNoLeaks();
            assertThat(leaks.capturesLogs()).isTrue();
        }
    }
}
