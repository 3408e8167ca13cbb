package dev.rotor.secrets.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import dev.rotor.secrets.test.aws.SecretsManagerFake;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Throttling ({@code ThrottlingException}) is its own outcome, {@link SourceThrottledException}, carrying the answer's
 * {@code Retry-After} when it has one (Secrets Manager sends none; a gateway in front of it may). The real SDK talks to
 * the test kit's Secrets Manager fake, on the test's manual clock.
 */
class AwsThrottlingTest {
    private static final String DB = "prod/db";
    private static final String PLANTED = "{\"username\":\"app\",\"password\":\"s3cr3t-PLANTED\"}";
    private static final String REF = "aws-sm:prod/db";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final SecretsManagerFake aws =
            SecretsManagerFake.builder().scheduler(scheduler).start();
    // without SDK retries: each throttled call reaches the adapter at once
    private final SecretsManagerClient client = FakeClients.client(aws);

    @AfterEach
    void stop() {
        client.close();
        aws.close();
    }

    private AwsSecretsManagerSource started(AwsSecretsManagerSource s) {
        return ManualSourceContext.start(s, scheduler);
    }

    private AwsSecretsManagerSource source() {
        return started(AwsSecretsManagerSource.builder().client(client).build());
    }

    private static SourceThrottledException throttled(AwsSecretsManagerSource s) {
        return catchThrowableOfType(
                () -> s.fetch(FetchRequest.of(SecretRef.parse(REF), FetchReason.INITIAL)),
                SourceThrottledException.class);
    }

    @Test
    void throttlingException_isThrottled_withoutAWait_namingTheOperationTheCodeTheRefAndTheSource() {
        aws.createSecret(DB, PLANTED);
        aws.throttle("GetSecretValue");

        SourceThrottledException e = throttled(source());

        assertThat(e).isNotNull();
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.retryAfter()).as("Secrets Manager sends no Retry-After").isEmpty();
        assertThat(e.getMessage())
                .contains("GetSecretValue", "ThrottlingException", "ref=" + REF, "source=aws-sm")
                .doesNotContain("s3cr3t-PLANTED")
                .doesNotContain("Rate exceeded");
    }

    @Test
    void throttledDescribe_isThrottledToo() {
        aws.createSecret(DB, PLANTED);
        aws.throttle("DescribeSecret");

        SourceThrottledException e = throttled(source());

        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("DescribeSecret");
    }

    @Test
    void throttledWithRetryAfterSeconds_carriesThatWait() {
        aws.createSecret(DB, PLANTED);
        aws.throttle("GetSecretValue").throttleRetryAfter("4");

        assertThat(throttled(source()).retryAfter()).contains(Duration.ofSeconds(4));
    }

    @Test
    void throttledWithRetryAfterAsAnHttpDate_waitsUntilThatDateOnTheClientsClock() {
        aws.createSecret(DB, PLANTED);
        String in75s = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                scheduler.clock().now().plusSeconds(75).atOffset(ZoneOffset.UTC));
        aws.throttle("GetSecretValue").throttleRetryAfter(in75s);

        assertThat(throttled(source()).retryAfter()).contains(Duration.ofSeconds(75));
    }

    @Test
    void throttledWithAMalformedRetryAfter_isThrottledWithoutAWait() {
        aws.createSecret(DB, PLANTED);
        aws.throttle("GetSecretValue").throttleRetryAfter("in a while");

        SourceThrottledException e = throttled(source());

        assertThat(e).isNotNull();
        assertThat(e.retryAfter()).isEmpty();
    }

    @Test
    void throttledRotate_isThrottled() {
        aws.createSecret(DB, PLANTED);
        aws.throttle("RotateSecret");
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .client(client)
                .rotateOnCompromise(true)
                .build());

        assertThat(catchThrowableOfType(() -> s.rotate(SecretRef.parse(REF)), SourceThrottledException.class))
                .isNotNull();
    }

    @Test
    void throttledBatch_withNothingRead_isThrottled() {
        aws.createSecret(DB, PLANTED);
        aws.createSecret("prod/api", "k1");
        aws.throttle("BatchGetSecretValue");
        AwsSecretsManagerSource s = source();

        assertThat(catchThrowableOfType(
                        () -> s.fetchAll(List.of(SecretRef.parse(REF), SecretRef.parse("aws-sm:prod/api"))),
                        SourceThrottledException.class))
                .isNotNull();
    }

    /**
     * The client the source builds retries throttling itself (the SDK's standard mode: 3 attempts, backed off from 1 s
     * with jitter, within apiCallTimeout); only when those are spent does the engine's throttled wait take over.
     */
    @Test
    void builtClient_sdkRetriesThrottlingWithinTheCall_thenTheSourceReportsThrottled() {
        aws.createSecret(DB, PLANTED);
        aws.throttle("GetSecretValue");
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(aws.endpoint())
                .credentialsProvider(FakeClients.TEST_CREDENTIALS)
                .build());
        try {
            assertThat(throttled(s)).isNotNull();
            assertThat(aws.count("GetSecretValue"))
                    .as("the SDK's standard mode: 3 attempts")
                    .isEqualTo(3);
        } finally {
            s.close();
        }
    }

    @Test
    void builtClient_throttledOnceThenServed_theSdksRetryHidesIt() {
        aws.createSecret(DB, PLANTED);
        aws.throttleNext(1, "GetSecretValue");
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(aws.endpoint())
                .credentialsProvider(FakeClients.TEST_CREDENTIALS)
                .build());
        try {
            assertThat(s.fetch(FetchRequest.of(SecretRef.parse(REF + "#username"), FetchReason.INITIAL))
                            .field("username"))
                    .contains("app");
            assertThat(aws.count("GetSecretValue")).isEqualTo(2);
        } finally {
            s.close();
        }
    }
}
