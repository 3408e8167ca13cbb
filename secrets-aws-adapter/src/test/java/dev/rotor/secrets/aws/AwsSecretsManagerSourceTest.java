package dev.rotor.secrets.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSourceProvider;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.VersionProbe;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import dev.rotor.secrets.test.aws.RotationFunction;
import dev.rotor.secrets.test.aws.SecretsManagerFake;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The source on its own, one call at a time, against the real SDK talking to the test kit's stateful Secrets Manager
 * fake on the test's manual clock. The answers the fake cannot give (malformed bytes, error bodies, wire details) are
 * in {@link AwsWireFormatTest}.
 */
class AwsSecretsManagerSourceTest {
    private static final String DB = "prod/db";
    private static final String DB_JSON =
            "{\"username\":\"app\",\"password\":\"s3cr3t\",\"port\":5432," + "\"options\":{\"ssl\":true}}";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final SecretsManagerFake aws =
            SecretsManagerFake.builder().scheduler(scheduler).start();
    private final SecretsManagerClient client = FakeClients.client(aws);

    @AfterEach
    void stop() {
        client.close();
        aws.close();
    }

    private AwsSecretsManagerSource source() {
        return started(AwsSecretsManagerSource.builder().client(client).build());
    }

    private AwsSecretsManagerSource rotatingSource() {
        return started(AwsSecretsManagerSource.builder()
                .client(client)
                .rotateOnCompromise(true)
                .build());
    }

    private AwsSecretsManagerSource started(AwsSecretsManagerSource s) {
        return ManualSourceContext.start(s, scheduler);
    }

    private static Secret fetch(AwsSecretsManagerSource s, String ref) {
        return s.fetch(FetchRequest.of(SecretRef.parse(ref), FetchReason.INITIAL));
    }

    private static RotationFunction newPassword(String password) {
        return RotationFunction.generating(old -> "{\"password\":\"" + password + "\"}");
    }

    // ---- values ----

    @Test
    void fetch_jsonSecretString_becomesFieldsWithVersionStagesAndArn() {
        String v1 = aws.createSecret(DB, DB_JSON);

        Secret s = fetch(source(), "aws-sm:prod/db#password");

        assertThat(s.version()).isEqualTo(v1);
        assertThat(s.stages()).containsExactly("AWSCURRENT");
        assertThat(s.fields())
                .containsEntry("username", "app")
                .containsEntry("password", "s3cr3t")
                .containsEntry("port", "5432")
                .containsEntry("options", "{\"ssl\":true}");
        assertThat(s.value(SecretRef.parse("aws-sm:prod/db#password"))).isEqualTo("s3cr3t");
        assertThat(s.attributes()).containsEntry("arn", aws.arn(DB));
        assertThat(s.fetchedAt()).isEqualTo(scheduler.clock().now());
        assertThat(s.toString()).doesNotContain("s3cr3t");
    }

    @Test
    void fetch_plainSecretString_isRawValue() {
        aws.createSecret("api/key", "plain-api-key");

        Secret s = fetch(source(), "aws-sm:api/key");

        assertThat(s.hasRawValue()).isTrue();
        assertThat(s.value()).isEqualTo("plain-api-key");
        assertThat(s.fieldNames()).isEmpty();
    }

    @Test
    void fetch_secretBinary_isBytes() {
        byte[] keystore = {0, 1, 2, (byte) 0xfe, (byte) 0xff};
        aws.createSecret("tls/keystore", keystore);

        Secret s = fetch(source(), "aws-sm:tls/keystore");

        assertThat(s.bytes()).containsExactly(keystore);
    }

    @Test
    void fetch_malformedJson_isFormatErrorNamingRefAndSourceButNotTheContent() {
        // the store keeps any string: a half-written JSON object is a valid SecretString to it
        aws.createSecret(DB, "{\"password\": \"half-written-s3cr3t");

        assertThatThrownBy(() -> fetch(source(), "aws-sm:prod/db"))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("aws-sm:prod/db")
                .hasMessageContaining("source=aws-sm")
                .hasMessageNotContaining("half-written")
                .hasNoCause();
    }

    @Test
    void fetch_jsonWithTrailingContentOrDuplicateKeys_isFormatError() {
        aws.createSecret(DB, "{\"password\":\"a\"} trailing");
        AwsSecretsManagerSource s = source();
        assertThatThrownBy(() -> fetch(s, "aws-sm:prod/db")).isInstanceOf(SecretFormatException.class);
        aws.putSecretValue(DB, "{\"password\":\"a\",\"password\":\"b\"}");
        assertThatThrownBy(() -> fetch(s, "aws-sm:prod/db")).isInstanceOf(SecretFormatException.class);
    }

    @Test
    void describeSecretsOff_fetchesWithoutDescribingAndProbesNothing() {
        String v1 = aws.createSecret(DB, DB_JSON);
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .client(client)
                .describeSecrets(false)
                .build());

        assertThat(fetch(s, "aws-sm:prod/db").version()).isEqualTo(v1);
        assertThat(s.probe(SecretRef.parse("aws-sm:prod/db"))).isEmpty();
        assertThat(s.alternates(SecretRef.parse("aws-sm:prod/db"))).isEmpty();
        assertThat(aws.count("DescribeSecret")).isZero();
    }

    @Test
    void fetch_stageParameter_asksForThatStage() {
        aws.createSecret(DB, "{\"password\":\"p1\"}");
        String v2 = aws.putSecretValue(DB, null, DB_JSON, "AWSPENDING");

        Secret s = fetch(source(), "aws-sm:prod/db?stage=AWSPENDING");

        assertThat(s.version()).isEqualTo(v2);
        assertThat(s.stages()).containsExactly("AWSPENDING");
        assertThat(s.field("password")).contains("s3cr3t");
    }

    @Test
    void fetch_versionIdParameter_asksForThatVersionWithoutDescribing() {
        String v0 = aws.createSecret(DB, DB_JSON);
        aws.putSecretValue(DB, "{\"password\":\"newer\"}");
        aws.putSecretValue(DB, "{\"password\":\"newest\"}"); // v0 has no label left

        Secret s = fetch(source(), "aws-sm:prod/db?versionId=" + v0);

        assertThat(s.version()).isEqualTo(v0);
        assertThat(s.field("password")).contains("s3cr3t");
        assertThat(aws.count("DescribeSecret")).isZero();
    }

    @Test
    void fetch_stageAndVersionIdTogether_isConfigurationError() {
        assertThatThrownBy(() -> fetch(source(), "aws-sm:prod/db?stage=AWSCURRENT&versionId=v1"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("not both");
        assertThat(aws.requests()).isEmpty();
    }

    @Test
    void fetch_fullArn_isSentWholeAsSecretId() {
        aws.createSecret(DB, DB_JSON);
        String arn = aws.arn(DB);
        SecretRef ref = SecretRef.parse("aws-sm:" + arn + "#password");
        assertThat(ref.scheme()).isEqualTo("aws-sm");
        assertThat(ref.path()).isEqualTo(arn);
        assertThat(ref.field()).contains("password");

        Secret s = source().fetch(FetchRequest.of(ref, FetchReason.INITIAL));

        assertThat(s.field("password")).contains("s3cr3t");
        assertThat(aws.count("GetSecretValue", arn)).isEqualTo(1);
    }

    @Test
    void fetch_rotationDates_areCarriedOnTheSecret() {
        aws.createSecret(DB, DB_JSON);
        aws.enableRotation(DB, newPassword("p2"), 30);
        aws.rotateSecret(DB);
        scheduler.advance(Duration.ofSeconds(4));
        Instant rotated = scheduler.clock().now();

        Secret s = fetch(source(), "aws-sm:prod/db");

        assertThat(s.nextRotation()).contains(rotated.plus(Duration.ofDays(30)));
        assertThat(s.attributes()).containsEntry("lastRotatedDate", rotated.toString());
    }

    // ---- errors ----

    private static SecretException failure(Runnable call) {
        try {
            call.run();
        } catch (SecretException e) {
            assertThat(e.getMessage()).contains("aws-sm:prod/db").doesNotContain("Secrets Manager can't");
            return e;
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void fetch_secretThatDoesNotExist_isNotFoundAndNotRetryable() {
        SecretException e = failure(() -> fetch(source(), "aws-sm:prod/db"));

        assertThat(e).isInstanceOf(SecretNotFoundException.class);
        assertThat(e.isRetryable()).isFalse();
    }

    @Test
    void fetch_accessDenied_isAccessDeniedAndNotRetryable() {
        aws.createSecret(DB, DB_JSON);
        aws.denyAccess(DB, "GetSecretValue");

        SecretException e = failure(() -> fetch(source(), "aws-sm:prod/db"));

        assertThat(e).isInstanceOf(SecretAccessDeniedException.class);
        assertThat(e.isRetryable()).isFalse();
        assertThat(aws.count("DescribeSecret")).as("describing was allowed").isEqualTo(1);
    }

    @Test
    void fetch_throttling_isRetryableUnavailable() {
        aws.createSecret(DB, DB_JSON);
        aws.throttle("GetSecretValue");

        SecretException e = failure(() -> fetch(source(), "aws-sm:prod/db"));

        assertThat(e).isInstanceOf(SourceUnavailableException.class);
        assertThat(e.isRetryable()).isTrue();
    }

    @Test
    void fetch_internalServiceError_isRetryableUnavailable() {
        aws.createSecret(DB, DB_JSON);
        aws.failInternally("GetSecretValue");

        SecretException e = failure(() -> fetch(source(), "aws-sm:prod/db"));

        assertThat(e).isInstanceOf(SourceUnavailableException.class);
        assertThat(e.isRetryable()).isTrue();
    }

    @Test
    void fetch_secretScheduledForDeletion_isNotFoundWithoutReadingTheValue() {
        aws.createSecret(DB, DB_JSON);
        aws.deleteSecret(DB);

        assertThatThrownBy(() -> fetch(source(), "aws-sm:prod/db"))
                .isInstanceOf(SecretNotFoundException.class)
                .hasMessageContaining("scheduled for deletion");
        assertThat(aws.count("GetSecretValue")).isZero();
    }

    @Test
    void fetch_secretScheduledForDeletionWithoutDescribing_isTheStoresInvalidRequestAsConfigurationError() {
        aws.createSecret(DB, DB_JSON);
        aws.deleteSecret(DB);
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .client(client)
                .describeSecrets(false)
                .build());

        SecretException e = failure(() -> fetch(s, "aws-sm:prod/db"));

        assertThat(e).isInstanceOf(SecretConfigurationException.class).hasMessageContaining("InvalidRequestException");
        assertThat(e.isRetryable()).isFalse();
        assertThat(e.getMessage()).doesNotContain("marked for deletion");
    }

    @Test
    void fetch_storeUnreachable_isRetryableUnavailable() {
        AwsSecretsManagerSource s = source();
        aws.close();

        assertThatThrownBy(() -> fetch(s, "aws-sm:prod/db"))
                .isInstanceOf(SourceUnavailableException.class)
                .satisfies(e -> assertThat(((SecretException) e).isRetryable()).isTrue());
    }

    // ---- probe ----

    @Test
    void probe_noRotation_answersCurrentVersionWithoutEarlierLook() {
        aws.createSecret(DB, "{\"password\":\"p1\"}");
        String v2 = aws.putSecretValue(DB, "{\"password\":\"p2\"}");

        Optional<VersionProbe> p = source().probe(SecretRef.parse("aws-sm:prod/db"));

        assertThat(p).isPresent();
        assertThat(p.get().version()).isEqualTo(v2);
        assertThat(p.get().checkAgainAt()).isEmpty();
    }

    @Test
    void probe_rotationUnderWay_asksToLookAgainAfterTheCheckInterval() {
        String v1 = aws.createSecret(DB, "{\"password\":\"p1\"}");
        aws.enableRotation(DB, newPassword("p2"));
        aws.rotateSecret(DB);
        scheduler.advance(Duration.ofSeconds(1)); // createSecret put AWSPENDING
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .client(client)
                .rotationCheckInterval(Duration.ofSeconds(20))
                .build());

        VersionProbe p = s.probe(SecretRef.parse("aws-sm:prod/db")).orElseThrow();

        assertThat(p.version()).isEqualTo(v1);
        assertThat(p.checkAgainAt()).contains(scheduler.clock().now().plusSeconds(20));
    }

    @Test
    void probe_pendingOnCurrentVersion_isNoRotation() {
        aws.createSecret(DB, "{\"password\":\"p1\"}");
        aws.putSecretValue(DB, null, "{\"password\":\"p2\"}", "AWSCURRENT", "AWSPENDING");

        assertThat(source().probe(SecretRef.parse("aws-sm:prod/db"))
                        .orElseThrow()
                        .checkAgainAt())
                .isEmpty();
    }

    @Test
    void probe_scheduledRotation_tellsTheDate_forTheEngineToSpreadTheLookAfterIt() {
        aws.createSecret(DB, "{\"password\":\"p1\"}");
        aws.enableRotation(DB, newPassword("p2"), 1);
        Instant next = scheduler.clock().now().plus(Duration.ofDays(1));

        VersionProbe p = source().probe(SecretRef.parse("aws-sm:prod/db")).orElseThrow();

        assertThat(p.nextRotation()).contains(next);
        // not a checkAgainAt at the date: every instance of a fleet would keep to it
        assertThat(p.checkAgainAt()).isEmpty();
    }

    @Test
    void probe_stageRef_answersThatStagesVersion() {
        String v1 = aws.createSecret(DB, "{\"password\":\"p1\"}");
        aws.putSecretValue(DB, "{\"password\":\"p2\"}");

        assertThat(source().probeVersion(SecretRef.parse("aws-sm:prod/db?stage=AWSPREVIOUS")))
                .contains(v1);
    }

    @Test
    void probe_stageNoVersionHas_isNotFound() {
        aws.createSecret(DB, "{\"password\":\"p1\"}");

        assertThatThrownBy(() -> source().probe(SecretRef.parse("aws-sm:prod/db?stage=AWSPENDING")))
                .isInstanceOf(SecretNotFoundException.class)
                .hasMessageContaining("AWSPENDING");
    }

    @Test
    void probe_versionIdRef_answersItWithoutAnyCall() {
        assertThat(source().probeVersion(SecretRef.parse("aws-sm:prod/db?versionId=v9")))
                .contains("v9");
        assertThat(aws.requests()).isEmpty();
    }

    @Test
    void probe_thenFetch_describesOnce() {
        String v1 = aws.createSecret(DB, DB_JSON);
        AwsSecretsManagerSource s = source();
        SecretRef ref = SecretRef.parse("aws-sm:prod/db");

        s.probe(ref);
        s.fetch(FetchRequest.of(ref, FetchReason.REFRESH, v1));

        assertThat(aws.count("DescribeSecret")).isEqualTo(1);
        assertThat(aws.count("GetSecretValue")).isEqualTo(1);
    }

    // ---- alternates ----

    @Test
    void alternates_duringRotation_arePendingThenPrevious() {
        String v1 = aws.createSecret(DB, "{\"password\":\"p1\"}");
        aws.putSecretValue(DB, "{\"password\":\"p2\"}");
        aws.enableRotation(DB, newPassword("p3"));
        String v3 = aws.rotateSecret(DB);
        scheduler.advance(Duration.ofSeconds(1)); // createSecret put AWSPENDING

        List<Secret> alternates = source().alternates(SecretRef.parse("aws-sm:prod/db"));

        assertThat(alternates).extracting(Secret::version).containsExactly(v3, v1);
        assertThat(alternates.get(0).field("password")).contains("p3");
        assertThat(alternates.get(0).stages()).containsExactly("AWSPENDING");
        assertThat(alternates.get(1).field("password")).contains("p1");
    }

    @Test
    void alternates_noRotation_isPreviousOnly() {
        String v1 = aws.createSecret(DB, "{\"password\":\"p1\"}");
        aws.putSecretValue(DB, null, "{\"password\":\"p2\"}", "AWSCURRENT", "AWSPENDING");

        assertThat(source().alternates(SecretRef.parse("aws-sm:prod/db")))
                .extracting(Secret::version)
                .containsExactly(v1);
    }

    @Test
    void alternates_afterARotationFinished_isTheReplacedVersion() {
        String v1 = aws.createSecret(DB, "{\"password\":\"p1\"}");
        aws.enableRotation(DB, newPassword("p2"));
        aws.rotateSecret(DB);
        scheduler.advance(Duration.ofSeconds(4));

        List<Secret> alternates = source().alternates(SecretRef.parse("aws-sm:prod/db"));

        assertThat(alternates).extracting(Secret::version).containsExactly(v1);
        assertThat(alternates.get(0).stages()).containsExactly("AWSPREVIOUS");
    }

    // ---- batch ----

    @Test
    void fetchAll_readsTwentyPerCallAndLeavesStagedRefsOut() {
        List<SecretRef> refs = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            refs.add(SecretRef.parse("aws-sm:app/s" + i));
            aws.createSecret("app/s" + i, "value-" + i);
        }
        refs.add(SecretRef.parse("aws-sm:app/s0?stage=AWSPREVIOUS"));

        Map<SecretRef, Secret> got = source().fetchAll(refs);

        assertThat(aws.count("BatchGetSecretValue")).isEqualTo(2);
        assertThat(aws.count("GetSecretValue")).isZero();
        assertThat(got).hasSize(25).doesNotContainKey(SecretRef.parse("aws-sm:app/s0?stage=AWSPREVIOUS"));
        assertThat(got.get(SecretRef.parse("aws-sm:app/s24")).value()).isEqualTo("value-24");
        assertThat(got.get(SecretRef.parse("aws-sm:app/s0")).stages()).containsExactly("AWSCURRENT");
    }

    @Test
    void fetchAll_secretTheCallerMayNotRead_isListedUnderErrorsAndLeftOut() {
        aws.createSecret("app/a", "value-a");
        aws.createSecret("app/b", "value-b");
        aws.denyAccess("app/b", "GetSecretValue");

        Map<SecretRef, Secret> got =
                source().fetchAll(List.of(SecretRef.parse("aws-sm:app/a"), SecretRef.parse("aws-sm:app/b")));

        assertThat(got).containsOnlyKeys(SecretRef.parse("aws-sm:app/a"));
    }

    @Test
    void fetchAll_batchPermissionMissing_answersNothingSoTheEngineFetchesSingly() {
        aws.createSecret("app/a", "value-a");
        aws.denyOperation("BatchGetSecretValue");

        assertThat(source().fetchAll(List.of(SecretRef.parse("aws-sm:app/a")))).isEmpty();
    }

    @Test
    void fetchAll_byArn_isMatchedBackToItsRef() {
        aws.createSecret("app/a", "value-a");
        SecretRef byArn = SecretRef.parse("aws-sm:" + aws.arn("app/a"));

        assertThat(source().fetchAll(List.of(byArn)).get(byArn).value()).isEqualTo("value-a");
    }

    // ---- rotate ----

    @Test
    void capabilities_rotateOnlyWhenEnabled() {
        assertThat(source().capabilities())
                .containsExactlyInAnyOrder(
                        SourceCapability.PROBE_VERSION, SourceCapability.FETCH_ALL, SourceCapability.ALTERNATES);
        assertThat(rotatingSource().capabilities()).contains(SourceCapability.ROTATE);
        assertThat(AwsSecretsManagerSource.builder()
                        .client(client)
                        .describeSecrets(false)
                        .build()
                        .capabilities())
                .containsExactly(SourceCapability.FETCH_ALL);
        assertThat(source().parameters()).containsExactlyInAnyOrder("stage", "versionId");
    }

    @Test
    void rotate_whenNotEnabled_isConfigurationErrorWithoutAnyCall() {
        assertThatThrownBy(() -> source().rotate(SecretRef.parse("aws-sm:prod/db")))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("rotateOnCompromise");
        assertThat(aws.requests()).isEmpty();
    }

    @Test
    void rotate_startsARotationImmediatelyAndAsksToLookAgainSoon() {
        String v1 = aws.createSecret(DB, DB_JSON);
        aws.enableRotation(DB, newPassword("p2"));
        AwsSecretsManagerSource s = rotatingSource();

        Secret after = s.rotate(SecretRef.parse("aws-sm:prod/db"));

        assertThat(aws.count("RotateSecret")).isEqualTo(1);
        assertThat(aws.rotationInProgress(DB))
                .as("RotateImmediately: the rotation started")
                .isTrue();
        assertThat(after.version()).isEqualTo(v1);
        assertThat(after.checkAgainAt()).contains(scheduler.clock().now().plus(s.rotationCheckInterval()));

        scheduler.advance(Duration.ofSeconds(4));
        assertThat(fetch(s, "aws-sm:prod/db").field("password")).contains("p2");
    }

    @Test
    void rotate_noRotationFunction_isNonRetryableConfigurationErrorSayingToConfigureOne() {
        aws.createSecret(DB, DB_JSON);

        assertThatThrownBy(() -> rotatingSource().rotate(SecretRef.parse("aws-sm:prod/db#password")))
                .isInstanceOfSatisfying(SecretConfigurationException.class, e -> {
                    assertThat(e.isRetryable()).isFalse();
                    assertThat(e.ref()).contains(SecretRef.parse("aws-sm:prod/db"));
                })
                .hasMessageContaining("configure a rotation function for the secret")
                .hasMessageNotContaining("already under way")
                .hasMessageNotContaining("No Lambda");
    }

    @Test
    void rotate_whileTheFirstRotationsStepsHaveNotRun_isNonRetryableConfigurationErrorSayingItIsUnderWay() {
        aws.createSecret(DB, DB_JSON);
        aws.enableRotation(DB, newPassword("p2"));
        AwsSecretsManagerSource s = rotatingSource();
        s.rotate(SecretRef.parse("aws-sm:prod/db"));

        assertThatThrownBy(() -> s.rotate(SecretRef.parse("aws-sm:prod/db")))
                .isInstanceOfSatisfying(SecretConfigurationException.class, e -> assertThat(e.isRetryable())
                        .isFalse())
                .hasMessageContaining("a rotation is already under way; it will finish or be retried by the store")
                .hasMessageNotContaining("configure a rotation function")
                .hasMessageNotContaining("previous rotation isn't complete");
        assertThat(aws.count("RotateSecret")).isEqualTo(2);
    }

    @Test
    void rotate_whilePendingIsOnAnotherVersion_saysItIsUnderWay() {
        aws.createSecret(DB, DB_JSON);
        aws.enableRotation(DB, newPassword("p2"));
        AwsSecretsManagerSource s = rotatingSource();
        s.rotate(SecretRef.parse("aws-sm:prod/db"));
        scheduler.advance(Duration.ofSeconds(1));

        assertThatThrownBy(() -> s.rotate(SecretRef.parse("aws-sm:prod/db")))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("already under way");
    }

    @Test
    void rotate_secretScheduledForDeletion_saysSo() {
        aws.createSecret(DB, DB_JSON);
        aws.enableRotation(DB, newPassword("p2"));
        aws.deleteSecret(DB);

        assertThatThrownBy(() -> rotatingSource().rotate(SecretRef.parse("aws-sm:prod/db")))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("scheduled for deletion");
    }

    @Test
    void rotate_refusedAndNotAllowedToDescribe_namesBothCauses() {
        aws.createSecret(DB, DB_JSON);
        aws.denyOperation("DescribeSecret");

        assertThatThrownBy(() -> rotatingSource().rotate(SecretRef.parse("aws-sm:prod/db")))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("configure a rotation function for the secret")
                .hasMessageContaining("already under way");
    }

    @Test
    void rotate_throttled_isRetryableUnavailable() {
        aws.createSecret(DB, DB_JSON);
        aws.throttle("RotateSecret");

        assertThatThrownBy(() -> rotatingSource().rotate(SecretRef.parse("aws-sm:prod/db")))
                .isInstanceOfSatisfying(SourceUnavailableException.class, e -> assertThat(e.isRetryable())
                        .isTrue());
    }

    // ---- builder, discovery ----

    @Test
    void build_clientWithRegion_failsNamingBothOptions() {
        assertThatThrownBy(() -> AwsSecretsManagerSource.builder()
                        .client(client)
                        .region(Region.US_EAST_1)
                        .build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("client")
                .hasMessageContaining("region");
    }

    @Test
    void build_nonPositiveRotationCheckInterval_failsNamingIt() {
        assertThatThrownBy(() -> AwsSecretsManagerSource.builder()
                        .rotationCheckInterval(Duration.ZERO)
                        .build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("rotationCheckInterval");
    }

    @Test
    void builtClient_fromRegionEndpointAndCredentials_talksToTheEndpoint() {
        aws.createSecret(DB, DB_JSON);
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(aws.endpoint())
                .credentialsProvider(FakeClients.TEST_CREDENTIALS)
                .build());
        try {
            assertThat(fetch(s, "aws-sm:prod/db").field("username")).contains("app");
            assertThat(aws.count("GetSecretValue", DB)).isEqualTo(1);
        } finally {
            s.close();
        }
    }

    @Test
    void noRegionAnywhere_isConfigurationErrorOnFirstUseNotAtBuild() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                System.getenv("AWS_REGION") == null && System.getenv("AWS_DEFAULT_REGION") == null,
                "a region is configured in the environment");
        Map<String, String> props = Map.of(
                "aws.disableEc2Metadata", "true",
                "aws.configFile", "no-such-aws-config-file",
                "aws.sharedCredentialsFile", "no-such-aws-credentials-file",
                "aws.profile", "rotor-test-no-such-profile");
        Map<String, String> saved = new java.util.HashMap<>();
        props.forEach((k, v) -> {
            saved.put(k, System.getProperty(k));
            System.setProperty(k, v);
        });
        String savedRegion = System.clearProperty("aws.region");
        try {
            // an endpoint on the fake, so that nothing could reach a real service even if a region were found
            AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                    .endpointOverride(aws.endpoint())
                    .credentialsProvider(FakeClients.TEST_CREDENTIALS)
                    .build());

            assertThatThrownBy(() -> fetch(s, "aws-sm:prod/db"))
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("region");
            assertThat(aws.requests()).isEmpty();
            s.close();
        } finally {
            saved.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
            if (savedRegion != null) {
                System.setProperty("aws.region", savedRegion);
            }
        }
    }

    @Test
    void provider_isDiscoveredAndCreatesTheSourceWithoutAnyCall() {
        List<SecretSourceProvider> found = new ArrayList<>();
        ServiceLoader.load(SecretSourceProvider.class).forEach(found::add);

        SecretSourceProvider p = found.stream()
                .filter(x -> x.scheme().equals("aws-sm"))
                .findFirst()
                .orElseThrow();
        AwsSecretsManagerSource s = (AwsSecretsManagerSource) p.create();

        assertThat(s.scheme()).isEqualTo("aws-sm");
        assertThat(s.toString()).contains("aws-sm");
        s.close();
        try (Secrets secrets = Secrets.builder().scheduler(scheduler).build()) {
            assertThat(secrets.inventory()).isEmpty();
        }
        assertThat(aws.requests()).isEmpty();
    }

    @Test
    void closed_sourceRefusesCallsWithConfigurationError() {
        AwsSecretsManagerSource s = AwsSecretsManagerSource.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(aws.endpoint())
                .credentialsProvider(FakeClients.TEST_CREDENTIALS)
                .build();
        s.close();

        assertThatThrownBy(() -> fetch(s, "aws-sm:prod/db"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("closed");
        assertThat(aws.requests()).isEmpty();
    }

    @Test
    void toString_namesOptionsOnly() {
        assertThat(source().toString()).startsWith("AwsSecretsManagerSource{name=aws-sm");
    }
}
