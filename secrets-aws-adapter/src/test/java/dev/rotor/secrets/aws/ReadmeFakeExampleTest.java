package dev.rotor.secrets.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.aws.SecretsManagerFakeExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** The README's "Testing against Secrets Manager without Docker" example, as written there. */
class ReadmeFakeExampleTest {
    final ManualScheduler scheduler = new ManualScheduler();

    @RegisterExtension
    final SecretsManagerFakeExtension aws = new SecretsManagerFakeExtension(b -> b.scheduler(scheduler));

    @Test
    void readsTheSecret() {
        aws.fake().createSecret("prod/db", "{\"username\":\"app\",\"password\":\"p1\"}");
        AwsSecretsManagerSource source = AwsSecretsManagerSource.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(aws.fake().endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build();
        try (Secrets secrets =
                Secrets.builder().source(source).scheduler(scheduler).build()) {
            assertEquals("p1", secrets.value("aws-sm:prod/db#password"));
        }
    }
}
