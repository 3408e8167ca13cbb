package dev.rotor.secrets.vault;

import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.behaviour.SourceBehaviour;
import dev.rotor.secrets.test.behaviour.StoreUnderTest;
import dev.rotor.secrets.test.vault.TokenSpec;
import dev.rotor.secrets.test.vault.VaultFake;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/** The behaviour every adapter shares, held against the Vault adapter's KV v2 reads on the test kit's Vault fake. */
class VaultBehaviourTest extends SourceBehaviour {

    @Override
    protected StoreUnderTest store() {
        return new VaultStore();
    }

    private static final class VaultStore implements StoreUnderTest {
        private static final String MOUNT = "secret";
        private final VaultFake vault = VaultFake.start();
        private final VaultSource source;

        VaultStore() {
            vault.policy("app", "secret/data/app/*", "read");
            vault.policy("app", "secret/metadata/app/*", "read");
            VaultFake.AppRole role =
                    vault.appRole("app", TokenSpec.policies("app").ttl(Duration.ofHours(1)));
            source = VaultSource.builder()
                    .address(vault.address())
                    .auth(VaultAuth.appRole(role.roleId(), role.newSecretId()))
                    .readTimeout(Duration.ofSeconds(2))
                    .sessionExecutor(ManualScheduler.directExecutor())
                    .build();
        }

        @Override
        public Set<Behaviour> behaviours() {
            return EnumSet.allOf(Behaviour.class);
        }

        @Override
        public SecretSource source() {
            return source;
        }

        @Override
        public SecretRef write(String name, String value) {
            // a KV secret is a map: one key named value reads as the secret's single value
            vault.kvPut(MOUNT, "app/" + name, Map.of("value", value));
            return ref(name);
        }

        @Override
        public SecretRef writeFields(String name, Map<String, String> fields) {
            vault.kvPut(MOUNT, "app/" + name, fields);
            return ref(name);
        }

        @Override
        public SecretRef fieldRef(String name, String field) {
            return SecretRef.parse("vault:secret/app/" + name + "#" + field);
        }

        @Override
        public SecretRef missing(String name) {
            return ref(name);
        }

        private static SecretRef ref(String name) {
            return SecretRef.parse("vault:secret/app/" + name);
        }

        @Override
        public void delete(String name) {
            vault.kvDeleteLatest(MOUNT, "app/" + name);
        }

        @Override
        public void denyAccess(String name) {
            vault.policy("app", "secret/data/app/" + name, "deny");
        }

        @Override
        public void throttle(Duration retryAfter) {
            vault.rateLimit(retryAfter);
        }

        @Override
        public void makeUnavailable() {
            vault.seal();
        }

        @Override
        public void restore() {
            vault.stopRateLimit();
            vault.unseal();
        }

        @Override
        public SecretRef malformed(String name) {
            vault.kvPut(MOUNT, "app/" + name, Map.of("username", "app"));
            return fieldRef(name, "password");
        }

        @Override
        public void close() {
            try {
                source.close();
            } finally {
                vault.close();
            }
        }
    }
}
