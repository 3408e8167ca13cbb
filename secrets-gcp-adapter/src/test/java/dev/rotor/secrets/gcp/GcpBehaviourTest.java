package dev.rotor.secrets.gcp;

import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.test.behaviour.SourceBehaviour;
import dev.rotor.secrets.test.behaviour.StoreUnderTest;
import dev.rotor.secrets.test.gcp.SecretManagerFake;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The behaviour every adapter shares, held against the Google Secret Manager adapter: the real client, in process, on
 * the stateful fake, whose own state each step changes.
 */
class GcpBehaviourTest extends SourceBehaviour {
    static final String PROJECT = "rotor-test";

    @Override
    protected StoreUnderTest store() {
        return new GcpStore();
    }

    private static final class GcpStore implements StoreUnderTest {
        private final SecretManagerFake fake = SecretManagerFake.start();
        private final Set<String> created = new HashSet<>();
        private final GoogleSecretManagerSource source =
                GoogleSecretManagerSource.builder().settings(fake.settings()).build();

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
            put(name, value);
            return SecretRef.parse("gcp-sm:" + PROJECT + "/" + name);
        }

        @Override
        public SecretRef writeFields(String name, Map<String, String> fields) {
            String json = fields.entrySet().stream()
                    .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"")
                    .collect(Collectors.joining(",", "{", "}"));
            put(name, json);
            return SecretRef.parse("gcp-sm:projects/" + PROJECT + "/secrets/" + name);
        }

        private void put(String name, String value) {
            if (created.add(name)) {
                fake.createSecret(PROJECT, name);
            }
            fake.addVersion(PROJECT, name, value);
        }

        @Override
        public SecretRef fieldRef(String name, String field) {
            return SecretRef.parse("gcp-sm:projects/" + PROJECT + "/secrets/" + name + "/versions/latest#" + field);
        }

        @Override
        public SecretRef missing(String name) {
            return SecretRef.parse("gcp-sm:" + PROJECT + "/" + name);
        }

        @Override
        public void delete(String name) {
            fake.deleteSecret(PROJECT, name);
        }

        @Override
        public void denyAccess(String name) {
            fake.denyAccess(PROJECT, name);
        }

        @Override
        public void throttle(Duration retryAfter) {
            fake.throttle(retryAfter);
        }

        @Override
        public void makeUnavailable() {
            fake.makeUnavailable();
        }

        @Override
        public void restore() {
            fake.clearFaults();
        }

        @Override
        public SecretRef malformed(String name) {
            put(name, "not a JSON object");
            return SecretRef.parse("gcp-sm:" + PROJECT + "/" + name + "#password");
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
