package dev.rotor.secrets.aws;

import dev.rotor.secrets.test.aws.SecretsManagerFake;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** The real SDK client on the test kit's Secrets Manager fake, for the adapter's tests. */
final class FakeClients {
    static final StaticCredentialsProvider TEST_CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLETEST", "test-secret-access-key"));

    private FakeClients() {}

    /**
     * A client configured as the adapter's README advises (error messages withheld, answers size-capped), without SDK retries, so that
     * the fake's request log shows every call the adapter makes.
     */
    static SecretsManagerClient client(SecretsManagerFake fake) {
        return SecretsManagerClient.builder()
                .endpointOverride(fake.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(TEST_CREDENTIALS)
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .addExecutionInterceptor(AwsSecretsManagerSource.errorMessageRedactor())
                        .addExecutionInterceptor(AwsSecretsManagerSource.responseSizeLimit()))
                .build();
    }
}
