package dev.rotor.secrets.aws;

import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.test.aws.SecretsManagerFake;
import dev.rotor.secrets.test.behaviour.SourceBehaviour;
import dev.rotor.secrets.test.behaviour.StoreUnderTest;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The behaviour every adapter shares, held against the AWS adapter on the test kit's Secrets Manager fake. */
class AwsBehaviourTest extends SourceBehaviour {

    @Override
    protected StoreUnderTest store() {
        return new AwsStore();
    }

    private static final class AwsStore implements StoreUnderTest {
        private final SecretsManagerFake fake = SecretsManagerFake.start();
        private final Set<String> created = new HashSet<>();
        private final AwsSecretsManagerSource source = AwsSecretsManagerSource.builder()
                .client(FakeClients.client(fake))
                .build();

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
            return SecretRef.parse("aws-sm:" + name);
        }

        @Override
        public SecretRef writeFields(String name, Map<String, String> fields) {
            String json = fields.entrySet().stream()
                    .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"")
                    .collect(Collectors.joining(",", "{", "}"));
            put(name, json);
            return SecretRef.parse("aws-sm:" + name);
        }

        private void put(String name, String value) {
            if (!created.add(name)) {
                fake.putSecretValue(name, value);
            } else {
                fake.createSecret(name, value);
            }
        }

        @Override
        public SecretRef fieldRef(String name, String field) {
            return SecretRef.parse("aws-sm:" + name + "#" + field);
        }

        @Override
        public SecretRef missing(String name) {
            return SecretRef.parse("aws-sm:" + name);
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
            // Secrets Manager's ThrottlingException carries no wait of its own
            fake.throttle();
        }

        @Override
        public boolean throttlingSaysHowLong() {
            return false;
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
            put(name, "not a JSON object");
            return SecretRef.parse("aws-sm:" + name + "#password");
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
