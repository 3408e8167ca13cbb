package dev.rotor.secrets.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.aws.FakeRequest;
import dev.rotor.secrets.test.aws.RotationFunction;
import dev.rotor.secrets.test.aws.SecretsManagerFake;
import dev.rotor.secrets.test.aws.SecretsManagerFakeExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.BatchGetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.CreateSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.DeleteSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.InternalServiceErrorException;
import software.amazon.awssdk.services.secretsmanager.model.InvalidParameterException;
import software.amazon.awssdk.services.secretsmanager.model.InvalidRequestException;
import software.amazon.awssdk.services.secretsmanager.model.PutSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceExistsException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.RotateSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.SecretListEntry;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

/**
 * The test kit's Secrets Manager fake, spoken to by the real AWS SDK v2 client (endpoint override, static credentials,
 * a region, SDK retries off so that every request shows): one test per behaviour the API reference documents.
 */
class SecretsManagerFakeTest {
    private static final String DB = "prod/db";
    private static final String TOKEN_A = "aaaaaaaa-1111-2222-3333-444444444444";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final SecretsManagerFake aws =
            SecretsManagerFake.builder().scheduler(scheduler).start();
    private final SecretsManagerClient client = client(aws);

    static SecretsManagerClient client(SecretsManagerFake fake) {
        return SecretsManagerClient.builder()
                .endpointOverride(fake.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        aws.close();
    }

    private static void assertErrorCode(Throwable e, String code) {
        assertThat(e).isInstanceOf(SecretsManagerException.class);
        assertThat(((SecretsManagerException) e).awsErrorDetails().errorCode()).isEqualTo(code);
        assertThat(((SecretsManagerException) e).statusCode()).isEqualTo(400);
    }

    private Instant now() {
        return scheduler.clock().now();
    }

    private static RotationFunction newPassword(String password) {
        return RotationFunction.generating(old -> "{\"password\":\"" + password + "\"}");
    }

    // ---- create, put, get ----

    @Test
    void createSecret_thenGetSecretValue_answersTheCurrentVersionWithItsArnAndStages() {
        CreateSecretResponse created = client.createSecret(b -> b.name(DB).secretString("{\"password\":\"p1\"}"));

        GetSecretValueResponse got = client.getSecretValue(b -> b.secretId(DB));

        assertThat(created.arn())
                .matches("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-[A-Za-z0-9]{6}");
        assertThat(got.arn()).isEqualTo(created.arn());
        assertThat(got.name()).isEqualTo(DB);
        assertThat(got.versionId()).isEqualTo(created.versionId());
        assertThat(got.secretString()).isEqualTo("{\"password\":\"p1\"}");
        assertThat(got.versionStages()).containsExactly("AWSCURRENT");
        assertThat(got.createdDate()).isEqualTo(now());
        assertThat(got.responseMetadata().requestId()).isNotBlank();
    }

    @Test
    void createSecret_nameTaken_isResourceExists() {
        aws.createSecret(DB, "p1");

        assertThatThrownBy(() -> client.createSecret(b -> b.name(DB).secretString("p2")))
                .isInstanceOf(ResourceExistsException.class);
    }

    @Test
    void getSecretValue_byFullArn_resolvesLikeTheName() {
        aws.createSecret(DB, "p1");
        String arn = aws.arn(DB);

        assertThat(client.getSecretValue(b -> b.secretId(arn)).secretString()).isEqualTo("p1");
        assertThatThrownBy(() -> client.getSecretValue(b -> b.secretId(arn.substring(0, arn.length() - 1) + "X")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void getSecretValue_unknownSecret_isResourceNotFoundWithStatus400() {
        assertThatThrownBy(() -> client.getSecretValue(b -> b.secretId("no/such")))
                .isInstanceOf(ResourceNotFoundException.class)
                .satisfies(
                        e -> assertThat(((AwsServiceException) e).statusCode()).isEqualTo(400));
    }

    @Test
    void putSecretValue_newVersionTakesCurrentAndTheOldCurrentBecomesPrevious() {
        String v1 = aws.createSecret(DB, "p1");
        String v0 = aws.putSecretValue(DB, "p0-older"); // v0 current, v1 previous
        aws.updateSecretVersionStage(DB, "AWSCURRENT", v1, v0); // v1 current, v0 previous

        PutSecretValueResponse put = client.putSecretValue(b -> b.secretId(DB).secretString("p2"));

        assertThat(put.versionStages()).containsExactly("AWSCURRENT");
        assertThat(aws.versionIdsToStages(DB))
                .containsOnly(Map.entry(put.versionId(), List.of("AWSCURRENT")), Map.entry(v1, List.of("AWSPREVIOUS")));
        assertThat(client.getSecretValue(b -> b.secretId(DB).versionStage("AWSPREVIOUS"))
                        .secretString())
                .isEqualTo("p1");
    }

    @Test
    void putSecretValue_repeatedTokenWithTheSameValueIsIdempotentAndWithAnotherValueIsRefused() {
        aws.createSecret(DB, "p1");

        PutSecretValueResponse first = client.putSecretValue(
                b -> b.secretId(DB).clientRequestToken(TOKEN_A).secretString("p2"));
        PutSecretValueResponse again = client.putSecretValue(
                b -> b.secretId(DB).clientRequestToken(TOKEN_A).secretString("p2"));

        assertThat(first.versionId()).isEqualTo(TOKEN_A);
        assertThat(again.versionId()).isEqualTo(TOKEN_A);
        assertThat(aws.versionIdsToStages(DB)).hasSize(2);
        assertThatThrownBy(() -> client.putSecretValue(
                        b -> b.secretId(DB).clientRequestToken(TOKEN_A).secretString("p3")))
                .isInstanceOf(ResourceExistsException.class);
    }

    @Test
    void putSecretValue_withStages_movesOnlyThoseLabels() {
        String v1 = aws.createSecret(DB, "p1");

        PutSecretValueResponse pending =
                client.putSecretValue(b -> b.secretId(DB).secretString("p2").versionStages("AWSPENDING"));

        assertThat(aws.versionIdsToStages(DB))
                .containsOnly(
                        Map.entry(v1, List.of("AWSCURRENT")), Map.entry(pending.versionId(), List.of("AWSPENDING")));
    }

    @Test
    void getSecretValue_byStageAndByVersionId_andAMissingStageIsNotFound() {
        String v1 = aws.createSecret(DB, "p1");
        aws.putSecretValue(DB, "p2");

        assertThat(client.getSecretValue(b -> b.secretId(DB)).secretString()).isEqualTo("p2");
        assertThat(client.getSecretValue(b -> b.secretId(DB).versionStage("AWSPREVIOUS"))
                        .versionId())
                .isEqualTo(v1);
        assertThat(client.getSecretValue(b -> b.secretId(DB).versionId(v1)).secretString())
                .isEqualTo("p1");
        assertThatThrownBy(() -> client.getSecretValue(b -> b.secretId(DB).versionStage("AWSPENDING")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> client.getSecretValue(b -> b.secretId(DB).versionId("no-such-version")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void secretBinary_isStoredAndAnsweredAsBytes() {
        byte[] key = {0, 1, 2, (byte) 0xfe, (byte) 0xff};
        client.createSecret(b -> b.name("tls/key").secretBinary(SdkBytes.fromByteArray(key)));

        GetSecretValueResponse got = client.getSecretValue(b -> b.secretId("tls/key"));

        assertThat(got.secretBinary().asByteArray()).containsExactly(key);
        assertThat(got.secretString()).isNull();
    }

    // ---- describe, stages ----

    @Test
    void describeSecret_answersVersionIdsToStagesAndDatesOnTheFakesClock() {
        Instant created = now();
        String v1 = aws.createSecret(DB, "p1");
        scheduler.advance(Duration.ofHours(1));
        String v2 = aws.putSecretValue(DB, "p2");

        DescribeSecretResponse d = client.describeSecret(b -> b.secretId(DB));

        assertThat(d.versionIdsToStages())
                .containsOnly(Map.entry(v2, List.of("AWSCURRENT")), Map.entry(v1, List.of("AWSPREVIOUS")));
        assertThat(d.createdDate()).isEqualTo(created);
        assertThat(d.lastChangedDate()).isEqualTo(created.plus(Duration.ofHours(1)));
        assertThat(d.rotationEnabled()).isFalse();
        assertThat(d.nextRotationDate()).isNull();
        assertThat(d.lastRotatedDate()).isNull();
        assertThat(d.deletedDate()).isNull();
    }

    @Test
    void updateSecretVersionStage_movesCurrentAndPreviousFollowsIt() {
        String v1 = aws.createSecret(DB, "p1");
        String v2 = aws.putSecretValue(DB, null, "p2", "AWSPENDING");

        client.updateSecretVersionStage(b ->
                b.secretId(DB).versionStage("AWSCURRENT").moveToVersionId(v2).removeFromVersionId(v1));

        assertThat(aws.versionIdsToStages(DB))
                .containsOnly(
                        Map.entry(v2, List.of("AWSPENDING", "AWSCURRENT")), Map.entry(v1, List.of("AWSPREVIOUS")));
    }

    @Test
    void updateSecretVersionStage_labelAttachedElsewhereWithoutRemoveFrom_isInvalidParameter() {
        aws.createSecret(DB, "p1");
        String v2 = aws.putSecretValue(DB, null, "p2", "AWSPENDING");

        assertThatThrownBy(() -> client.updateSecretVersionStage(
                        b -> b.secretId(DB).versionStage("AWSCURRENT").moveToVersionId(v2)))
                .isInstanceOf(InvalidParameterException.class);
    }

    @Test
    void updateSecretVersionStage_removeFromOnly_detachesTheLabel() {
        aws.createSecret(DB, "p1");
        String v2 = aws.putSecretValue(DB, null, "p2", "AWSPENDING");

        client.updateSecretVersionStage(
                b -> b.secretId(DB).versionStage("AWSPENDING").removeFromVersionId(v2));

        assertThat(aws.versionWith(DB, "AWSPENDING")).isEmpty();
        assertThat(aws.versionIdsToStages(DB)).doesNotContainKey(v2);
    }

    // ---- batch, list ----

    @Test
    void batchGetSecretValue_answersValuesAndAnErrorPerIdItCannotRead() {
        aws.createSecret("app/a", "value-a");
        aws.createSecret("app/denied", "value-d");
        aws.createSecret("app/deleted", "value-x");
        aws.deleteSecret("app/deleted");
        aws.denyAccess("app/denied", "GetSecretValue");

        BatchGetSecretValueResponse r = client.batchGetSecretValue(
                b -> b.secretIdList("app/a", aws.arn("app/denied"), "app/missing", "app/deleted"));

        assertThat(r.secretValues()).hasSize(1);
        assertThat(r.secretValues().get(0).name()).isEqualTo("app/a");
        assertThat(r.secretValues().get(0).secretString()).isEqualTo("value-a");
        assertThat(r.secretValues().get(0).versionStages()).containsExactly("AWSCURRENT");
        assertThat(r.errors())
                .extracting(e -> e.secretId() + " " + e.errorCode())
                .containsExactly(
                        aws.arn("app/denied") + " AccessDeniedException",
                        "app/missing ResourceNotFoundException",
                        "app/deleted InvalidRequestException");
    }

    @Test
    void batchGetSecretValue_withoutThePermission_isDeniedAltogether() {
        aws.createSecret("app/a", "value-a");
        aws.denyOperation("BatchGetSecretValue");

        assertThatThrownBy(() -> client.batchGetSecretValue(b -> b.secretIdList("app/a")))
                .satisfies(e -> assertErrorCode(e, "AccessDeniedException"));
    }

    @Test
    void listSecrets_leavesSecretsMarkedForDeletionOutUnlessAskedAndPages() {
        aws.createSecret("a", "1");
        aws.createSecret("b", "2");
        aws.createSecret("c", "3");
        aws.deleteSecret("b");

        assertThat(client.listSecrets(b -> {}).secretList())
                .extracting(SecretListEntry::name)
                .containsExactly("a", "c");
        assertThat(client.listSecrets(b -> b.includePlannedDeletion(true)).secretList())
                .extracting(SecretListEntry::name)
                .containsExactly("a", "b", "c");
        List<String> paged = new ArrayList<>();
        client.listSecretsPaginator(b -> b.maxResults(1))
                .forEach(page -> page.secretList().forEach(e -> paged.add(e.name())));
        assertThat(paged).containsExactly("a", "c");
    }

    // ---- delete, restore ----

    @Test
    void deleteSecret_recoveryWindow_marksItForDeletionAndReadsAreInvalidRequests() {
        aws.createSecret(DB, "p1");

        DeleteSecretResponse r = client.deleteSecret(b -> b.secretId(DB).recoveryWindowInDays(7L));

        assertThat(r.deletionDate()).isEqualTo(now().plus(Duration.ofDays(7)));
        assertThatThrownBy(() -> client.getSecretValue(b -> b.secretId(DB)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("marked for deletion");
        assertThatThrownBy(() -> client.putSecretValue(b -> b.secretId(DB).secretString("p2")))
                .isInstanceOf(InvalidRequestException.class);
        assertThat(client.describeSecret(b -> b.secretId(DB)).deletedDate()).isEqualTo(now());
    }

    @Test
    void deleteSecret_defaultWindowIsThirtyDaysAndAfterItTheSecretIsGone() {
        aws.createSecret(DB, "p1");

        DeleteSecretResponse r = client.deleteSecret(b -> b.secretId(DB));
        assertThat(r.deletionDate()).isEqualTo(now().plus(Duration.ofDays(30)));

        scheduler.advance(Duration.ofDays(30));
        assertThatThrownBy(() -> client.describeSecret(b -> b.secretId(DB)))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void deleteSecret_windowOutsideSevenToThirtyOrWithForce_isInvalidParameter() {
        aws.createSecret(DB, "p1");

        assertThatThrownBy(() -> client.deleteSecret(b -> b.secretId(DB).recoveryWindowInDays(6L)))
                .isInstanceOf(InvalidParameterException.class);
        assertThatThrownBy(() -> client.deleteSecret(b -> b.secretId(DB).recoveryWindowInDays(31L)))
                .isInstanceOf(InvalidParameterException.class);
        assertThatThrownBy(() -> client.deleteSecret(
                        b -> b.secretId(DB).recoveryWindowInDays(7L).forceDeleteWithoutRecovery(true)))
                .isInstanceOf(InvalidParameterException.class);
    }

    @Test
    void deleteSecret_forceWithoutRecovery_removesItAtOnce() {
        aws.createSecret(DB, "p1");

        client.deleteSecret(b -> b.secretId(DB).forceDeleteWithoutRecovery(true));

        assertThatThrownBy(() -> client.getSecretValue(b -> b.secretId(DB)))
                .isInstanceOf(ResourceNotFoundException.class);
        client.createSecret(b -> b.name(DB).secretString("again"));
    }

    @Test
    void restoreSecret_cancelsTheDeletion() {
        aws.createSecret(DB, "p1");
        aws.deleteSecret(DB);
        assertThatThrownBy(() -> client.createSecret(b -> b.name(DB).secretString("p2")))
                .isInstanceOf(InvalidRequestException.class);

        client.restoreSecret(b -> b.secretId(DB));

        assertThat(client.getSecretValue(b -> b.secretId(DB)).secretString()).isEqualTo("p1");
        assertThat(client.describeSecret(b -> b.secretId(DB)).deletedDate()).isNull();
    }

    // ---- rotation ----

    @Test
    void rotateSecret_withoutARotationFunction_isInvalidRequest() {
        aws.createSecret(DB, "p1");

        assertThatThrownBy(() -> client.rotateSecret(b -> b.secretId(DB))).isInstanceOf(InvalidRequestException.class);
        assertThat(aws.rotationInProgress(DB)).isFalse();
    }

    @Test
    void rotateSecret_answersTheTokenAtOnceAndTheStepsRunLaterOnTheScheduler() {
        String v1 = aws.createSecret(DB, "{\"password\":\"p1\"}");
        aws.enableRotation(DB, newPassword("p2"));

        RotateSecretResponse r = client.rotateSecret(b -> b.secretId(DB));
        String token = r.versionId();

        assertThat(token).isNotBlank();
        assertThat(aws.versionIdsToStages(DB)).containsOnly(Map.entry(v1, List.of("AWSCURRENT")));
        assertThat(aws.rotationInProgress(DB)).isTrue();

        scheduler.advance(Duration.ofSeconds(1)); // createSecret
        assertThat(aws.versionIdsToStages(DB))
                .containsOnly(Map.entry(v1, List.of("AWSCURRENT")), Map.entry(token, List.of("AWSPENDING")));
        assertThat(client.getSecretValue(b -> b.secretId(DB)).secretString()).contains("p1");
        assertThat(client.getSecretValue(b -> b.secretId(DB).versionStage("AWSPENDING"))
                        .secretString())
                .contains("p2");

        scheduler.advance(Duration.ofSeconds(3)); // setSecret, testSecret, finishSecret
        assertThat(aws.versionWith(DB, "AWSCURRENT")).contains(token);
        assertThat(aws.versionWith(DB, "AWSPREVIOUS")).contains(v1);
        assertThat(aws.rotationInProgress(DB)).isFalse();
        assertThat(aws.completedRotations(DB)).isEqualTo(1);
        DescribeSecretResponse d = client.describeSecret(b -> b.secretId(DB));
        assertThat(d.rotationEnabled()).isTrue();
        assertThat(d.lastRotatedDate()).isEqualTo(now());
    }

    @Test
    void rotateSecret_whileARotationIsUnfinished_isInvalidRequest() {
        aws.createSecret(DB, "p1");
        aws.enableRotation(DB, newPassword("p2"));
        client.rotateSecret(b -> b.secretId(DB));

        assertThatThrownBy(() -> client.rotateSecret(b -> b.secretId(DB)))
                .as("before the first step ran")
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("previous rotation isn't complete");
        scheduler.advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> client.rotateSecret(b -> b.secretId(DB)))
                .as("while AWSPENDING is on another version than AWSCURRENT")
                .isInstanceOf(InvalidRequestException.class);

        scheduler.advance(Duration.ofSeconds(3));
        assertThat(client.rotateSecret(b -> b.secretId(DB)).versionId()).isNotBlank();
    }

    @Test
    void rotateSecret_aFailingStep_endsTheRotationWithPendingLeftSoTheNextIsRefused() {
        aws.createSecret(DB, "p1");
        RotationFunction failsTest = new RotationFunction() {
            final RotationFunction standard = newPassword("p2");

            @Override
            public void createSecret(String secretId, String token, SecretsManagerFake store) {
                standard.createSecret(secretId, token, store);
            }

            @Override
            public void testSecret(String secretId, String token, SecretsManagerFake store) {
                throw new IllegalStateException("the new password does not log in");
            }

            @Override
            public void finishSecret(String secretId, String token, SecretsManagerFake store) {
                standard.finishSecret(secretId, token, store);
            }
        };
        aws.enableRotation(DB, failsTest);
        String token = client.rotateSecret(b -> b.secretId(DB)).versionId();

        scheduler.advance(Duration.ofSeconds(10));

        assertThat(aws.failedRotations(DB)).isEqualTo(1);
        assertThat(aws.versionWith(DB, "AWSPENDING")).contains(token);
        assertThat(aws.versionWith(DB, "AWSCURRENT")).isNotEqualTo(aws.versionWith(DB, "AWSPENDING"));
        assertThatThrownBy(() -> client.rotateSecret(b -> b.secretId(DB))).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void rotateSecret_namingARegisteredLambdaArn_configuresAndRotates() {
        aws.createSecret(DB, "p1");
        String lambda = "arn:aws:lambda:us-east-1:123456789012:function:rotate-db";
        aws.rotationFunction(lambda, newPassword("p2"));

        client.rotateSecret(b -> b.secretId(DB).rotationLambdaARN(lambda));
        scheduler.advance(Duration.ofSeconds(4));

        assertThat(aws.secretString(DB, "AWSCURRENT")).contains("{\"password\":\"p2\"}");
        assertThat(client.describeSecret(b -> b.secretId(DB)).rotationLambdaARN())
                .isEqualTo(lambda);
    }

    @Test
    void rotateSecret_namingAnUnknownLambdaArn_isDenied() {
        aws.createSecret(DB, "p1");

        assertThatThrownBy(() -> client.rotateSecret(
                        b -> b.secretId(DB).rotationLambdaARN("arn:aws:lambda:us-east-1:123456789012:function:none")))
                .satisfies(e -> assertErrorCode(e, "AccessDeniedException"));
    }

    @Test
    void rotationRules_automaticallyAfterDays_setNextRotationDateAndTheFakeRotatesThen() {
        aws.createSecret(DB, "p1");
        String lambda = "arn:aws:lambda:us-east-1:123456789012:function:rotate-db";
        aws.rotationFunction(lambda, newPassword("p2"));
        Instant start = now();

        client.rotateSecret(b -> b.secretId(DB)
                .rotationLambdaARN(lambda)
                .rotationRules(r -> r.automaticallyAfterDays(30L))
                .rotateImmediately(false));

        DescribeSecretResponse d = client.describeSecret(b -> b.secretId(DB));
        assertThat(d.rotationEnabled()).isTrue();
        assertThat(d.rotationRules().automaticallyAfterDays()).isEqualTo(30L);
        assertThat(d.nextRotationDate()).isEqualTo(start.plus(Duration.ofDays(30)));
        assertThat(aws.completedRotations(DB)).isZero();

        scheduler.advanceTo(start.plus(Duration.ofDays(30)).plusSeconds(4));

        assertThat(aws.completedRotations(DB)).isEqualTo(1);
        DescribeSecretResponse after = client.describeSecret(b -> b.secretId(DB));
        assertThat(after.lastRotatedDate()).isEqualTo(now());
        assertThat(after.nextRotationDate()).isEqualTo(now().plus(Duration.ofDays(30)));
    }

    // ---- faults, log ----

    @Test
    void throttle_perOperation_answersThrottlingExceptionWithStatus400ToThatOperationOnly() {
        aws.createSecret(DB, "p1");
        aws.throttle("GetSecretValue");

        assertThatThrownBy(() -> client.getSecretValue(b -> b.secretId(DB)))
                .isInstanceOfSatisfying(SecretsManagerException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException");
                    assertThat(e.isThrottlingException()).isTrue();
                });
        assertThat(client.describeSecret(b -> b.secretId(DB)).name()).isEqualTo(DB);

        aws.clearFaults();
        assertThat(client.getSecretValue(b -> b.secretId(DB)).secretString()).isEqualTo("p1");
    }

    @Test
    void throttleNext_allOperations_throttlesThatManyRequestsThenServes() {
        aws.createSecret(DB, "p1");
        aws.throttleNext(2);

        assertThatThrownBy(() -> client.describeSecret(b -> b.secretId(DB)))
                .isInstanceOf(SecretsManagerException.class);
        assertThatThrownBy(() -> client.getSecretValue(b -> b.secretId(DB)))
                .isInstanceOf(SecretsManagerException.class);
        assertThat(client.getSecretValue(b -> b.secretId(DB)).secretString()).isEqualTo("p1");
    }

    @Test
    void denyAccess_perSecret_answersAccessDeniedForThatSecretOnly() {
        aws.createSecret(DB, "p1");
        aws.createSecret("other", "o1");
        aws.denyAccess(DB);

        assertThatThrownBy(() -> client.getSecretValue(b -> b.secretId(aws.arn(DB))))
                .satisfies(e -> assertErrorCode(e, "AccessDeniedException"));
        assertThatThrownBy(() -> client.describeSecret(b -> b.secretId(DB)))
                .satisfies(e -> assertErrorCode(e, "AccessDeniedException"));
        assertThat(client.getSecretValue(b -> b.secretId("other")).secretString())
                .isEqualTo("o1");
    }

    @Test
    void failInternally_answersInternalServiceErrorWithStatus500() {
        aws.createSecret(DB, "p1");
        aws.failNext(1, "GetSecretValue");

        assertThatThrownBy(() -> client.getSecretValue(b -> b.secretId(DB)))
                .isInstanceOfSatisfying(InternalServiceErrorException.class, e -> assertThat(e.statusCode())
                        .isEqualTo(500));
        assertThat(client.getSecretValue(b -> b.secretId(DB)).secretString()).isEqualTo("p1");
    }

    @Test
    void slow_holdsTheAnswerLongerThanTheClientWaits() {
        aws.createSecret(DB, "p1");
        aws.slow(Duration.ofSeconds(2), "GetSecretValue");
        try (SecretsManagerClient impatient = SecretsManagerClient.builder()
                .endpointOverride(aws.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c ->
                        c.retryStrategy(AwsRetryStrategy.doNotRetry()).apiCallAttemptTimeout(Duration.ofMillis(200)))
                .build()) {
            assertThatThrownBy(() -> impatient.getSecretValue(b -> b.secretId(DB)))
                    .isInstanceOf(ApiCallAttemptTimeoutException.class);
            assertThat(impatient.describeSecret(b -> b.secretId(DB)).name()).isEqualTo(DB);
        }
    }

    @Test
    void requests_logOperationSecretIdAndStatusAndCountThem() {
        aws.createSecret(DB, "p1");
        client.describeSecret(b -> b.secretId(DB));
        client.getSecretValue(b -> b.secretId(DB));
        try {
            client.getSecretValue(b -> b.secretId("no/such"));
        } catch (ResourceNotFoundException expected) {
            // logged below
        }

        assertThat(aws.requests())
                .extracting(FakeRequest::toString)
                .containsExactly(
                        "DescribeSecret(prod/db) -> 200",
                        "GetSecretValue(prod/db) -> 200",
                        "GetSecretValue(no/such) -> 400 ResourceNotFoundException");
        assertThat(aws.count("GetSecretValue")).isEqualTo(2);
        assertThat(aws.count("GetSecretValue", DB)).isEqualTo(1);
        assertThat(aws.requests().get(0).at()).isEqualTo(now());
    }

    /** The JUnit 5 extension, registered on an instance field: one fake per test, on the test's scheduler. */
    @Nested
    class Extension {
        final ManualScheduler manual = new ManualScheduler();

        @RegisterExtension
        final SecretsManagerFakeExtension ext = new SecretsManagerFakeExtension(b -> b.scheduler(manual));

        @Test
        void startsAFakeOnAFreeLoopbackPortAndResolvesItAsAParameter(SecretsManagerFake fake) {
            assertThat(fake).isSameAs(ext.fake());
            assertThat(fake.endpoint().getHost()).isEqualTo("127.0.0.1");
            assertThat(fake.port()).isPositive().isNotEqualTo(aws.port());
            fake.createSecret(DB, "p1");
            try (SecretsManagerClient c = client(fake)) {
                assertThat(c.getSecretValue(b -> b.secretId(DB)).createdDate())
                        .isEqualTo(manual.clock().now());
            }
        }
    }
}
