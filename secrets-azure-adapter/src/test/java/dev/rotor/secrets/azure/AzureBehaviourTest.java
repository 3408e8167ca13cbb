package dev.rotor.secrets.azure;

import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.test.azure.KeyVaultFake;
import dev.rotor.secrets.test.behaviour.SourceBehaviour;
import dev.rotor.secrets.test.behaviour.StoreUnderTest;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The behaviour every adapter shares, held against the Azure adapter on the test kit's Key Vault fake over HTTPS,
 * through the real Azure SDK (bearer challenge, token, TLS against the fake's own certificate).
 */
class AzureBehaviourTest extends SourceBehaviour {

    @Override
    protected StoreUnderTest store() {
        return new AzureStore();
    }

    private static final class AzureStore implements StoreUnderTest {
        private final KeyVaultFake fake = KeyVaultFake.start();
        private final AzureKeyVaultSource source = FakeVaults.sourceFor(fake).build();

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
            fake.setSecret(name, value);
            return FakeVaults.ref(name);
        }

        @Override
        public SecretRef writeFields(String name, Map<String, String> fields) {
            String json = fields.entrySet().stream()
                    .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"")
                    .collect(Collectors.joining(",", "{", "}"));
            fake.setSecret(name, json);
            return FakeVaults.ref(name);
        }

        @Override
        public SecretRef fieldRef(String name, String field) {
            return FakeVaults.ref(name).withField(field);
        }

        @Override
        public SecretRef missing(String name) {
            return FakeVaults.ref(name);
        }

        @Override
        public void delete(String name) {
            fake.deleteSecret(name);
        }

        @Override
        public void denyAccess(String name) {
            fake.denyAccess(name);
        }

        @Override
        public void throttle(Duration retryAfter) {
            fake.throttle(retryAfter);
        }

        @Override
        public void makeUnavailable() {
            fake.failInternally();
        }

        @Override
        public void restore() {
            fake.clearFaults();
        }

        @Override
        public SecretRef malformed(String name) {
            fake.setSecret(name, "not a JSON object");
            return FakeVaults.ref(name).withField("password");
        }

        @Override
        public void close() {
            try {
                source.close();
            } finally {
                fake.close();
            }
        }
    }
}
