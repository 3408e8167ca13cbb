package dev.rotor.secrets.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSourceProvider;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.SourceContext;
import dev.rotor.secrets.spi.VersionProbe;
import dev.rotor.secrets.test.ManualScheduler;
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

/** The source on its own, one call at a time, against the real SDK talking to the WireMock stand-in. */
class AwsSecretsManagerSourceTest {
    private static final String DB = "prod/db";
    private static final String DB_JSON =
            "{\"username\":\"app\",\"password\":\"s3cr3t\",\"port\":5432," + "\"options\":{\"ssl\":true}}";

    private final SecretsManagerStubs aws = new SecretsManagerStubs();
    private final SecretsManagerClient client = aws.client();
    private final ManualScheduler scheduler = new ManualScheduler();

    @AfterEach
    void stop() {
        client.close();
        aws.close();
    }

    private AwsSecretsManagerSource source() {
        return started(AwsSecretsManagerSource.builder().client(client).build());
    }

    private AwsSecretsManagerSource started(AwsSecretsManagerSource s) {
        s.start(new SourceContext() {
            @Override
            public TimeSource timeSource() {
                return scheduler.clock();
            }

            @Override
            public Scheduler scheduler() {
                return scheduler;
            }

            @Override
            public RefreshPolicy refreshPolicy() {
                return RefreshPolicy.defaults();
            }

            @Override
            public void publish(SecretEvent event) {}

            @Override
            public java.util.concurrent.Executor executor() {
                return ManualScheduler.directExecutor();
            }

            @Override
            public java.util.random.RandomGenerator random() {
                return new java.util.SplittableRandom(1);
            }

            @Override
            public void reissue(java.util.function.Predicate<dev.rotor.secrets.SecretRef> which) {}
        });
        return s;
    }

    private static Secret fetch(AwsSecretsManagerSource s, String ref) {
        return s.fetch(FetchRequest.of(SecretRef.parse(ref), FetchReason.INITIAL));
    }

    private void currentDescribed(String id, String version) {
        aws.describe(id, Map.of(version, List.of("AWSCURRENT")), null);
    }

    // ---- values ----

    @Test
    void fetch_jsonSecretString_becomesFieldsWithVersionStagesAndArn() {
        currentDescribed(DB, "v1");
        aws.current(DB, "v1", DB_JSON);

        Secret s = fetch(source(), "aws-sm:prod/db#password");

        assertThat(s.version()).isEqualTo("v1");
        assertThat(s.stages()).containsExactly("AWSCURRENT");
        assertThat(s.fields())
                .containsEntry("username", "app")
                .containsEntry("password", "s3cr3t")
                .containsEntry("port", "5432")
                .containsEntry("options", "{\"ssl\":true}");
        assertThat(s.value(SecretRef.parse("aws-sm:prod/db#password"))).isEqualTo("s3cr3t");
        assertThat(s.attributes()).containsEntry("arn", SecretsManagerStubs.arn(DB));
        assertThat(s.fetchedAt()).isEqualTo(scheduler.clock().now());
        assertThat(s.toString()).doesNotContain("s3cr3t");
    }

    @Test
    void fetch_plainSecretString_isRawValue() {
        currentDescribed("api/key", "v7");
        aws.current("api/key", "v7", "plain-api-key");

        Secret s = fetch(source(), "aws-sm:api/key");

        assertThat(s.hasRawValue()).isTrue();
        assertThat(s.value()).isEqualTo("plain-api-key");
        assertThat(s.fieldNames()).isEmpty();
    }

    @Test
    void fetch_secretBinary_isBytes() {
        byte[] keystore = {0, 1, 2, (byte) 0xfe, (byte) 0xff};
        currentDescribed("tls/keystore", "b1");
        aws.currentBinary("tls/keystore", "b1", keystore);

        Secret s = fetch(source(), "aws-sm:tls/keystore");

        assertThat(s.bytes()).containsExactly(keystore);
    }

    @Test
    void fetch_malformedJson_isFormatErrorNamingRefAndSourceButNotTheContent() {
        currentDescribed(DB, "v1");
        aws.current(DB, "v1", "{\"password\": \"half-written-s3cr3t");

        assertThatThrownBy(() -> fetch(source(), "aws-sm:prod/db"))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("aws-sm:prod/db")
                .hasMessageContaining("source=aws-sm")
                .hasMessageNotContaining("half-written")
                .hasNoCause();
    }

    @Test
    void fetch_jsonWithTrailingContentOrDuplicateKeys_isFormatError() {
        currentDescribed(DB, "v1");
        AwsSecretsManagerSource s = source();
        aws.current(DB, "v1", "{\"password\":\"a\"} trailing");
        assertThatThrownBy(() -> fetch(s, "aws-sm:prod/db")).isInstanceOf(SecretFormatException.class);
        aws.current(DB, "v1", "{\"password\":\"a\",\"password\":\"b\"}");
        assertThatThrownBy(() -> fetch(s, "aws-sm:prod/db")).isInstanceOf(SecretFormatException.class);
    }

    @Test
    void fetch_answerWithoutAnyValue_isFormatError() {
        currentDescribed(DB, "v1");
        aws.current(DB, "v1", null);

        assertThatThrownBy(() -> fetch(source(), "aws-sm:prod/db"))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("neither SecretString nor SecretBinary");
    }

    @Test
    void describeSecretsOff_fetchesWithoutDescribingAndProbesNothing() {
        aws.current(DB, "v1", DB_JSON);
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .client(client)
                .describeSecrets(false)
                .build());

        assertThat(fetch(s, "aws-sm:prod/db").version()).isEqualTo("v1");
        assertThat(s.probe(SecretRef.parse("aws-sm:prod/db"))).isEmpty();
        assertThat(s.alternates(SecretRef.parse("aws-sm:prod/db"))).isEmpty();
        assertThat(aws.count("DescribeSecret")).isZero();
    }

    @Test
    void rotate_whenNotEnabled_isConfigurationErrorWithoutAnyCall() {
        assertThatThrownBy(() -> source().rotate(SecretRef.parse("aws-sm:prod/db")))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("rotateOnCompromise");
        assertThat(aws.server.getAllServeEvents()).isEmpty();
    }

    @Test
    void fetch_oversizedSecretString_isFormatError() {
        currentDescribed(DB, "v1");
        aws.current(DB, "v1", "x".repeat(65_537));

        assertThatThrownBy(() -> fetch(source(), "aws-sm:prod/db"))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("larger than");
    }

    @Test
    void fetch_stageParameter_asksForThatStage() {
        aws.describe(DB, Map.of("v1", List.of("AWSCURRENT"), "v2", List.of("AWSPENDING")), null);
        aws.stage(DB, "AWSPENDING", "v2", List.of("AWSPENDING"), DB_JSON);

        Secret s = fetch(source(), "aws-sm:prod/db?stage=AWSPENDING");

        assertThat(s.version()).isEqualTo("v2");
        assertThat(s.stages()).containsExactly("AWSPENDING");
        assertThat(aws.requests("GetSecretValue").get(0).getBodyAsString()).contains("\"VersionStage\":\"AWSPENDING\"");
    }

    @Test
    void fetch_versionIdParameter_asksForThatVersionWithoutDescribing() {
        aws.version(DB, "v0", List.of(), DB_JSON);

        Secret s = fetch(source(), "aws-sm:prod/db?versionId=v0");

        assertThat(s.version()).isEqualTo("v0");
        assertThat(aws.count("DescribeSecret")).isZero();
    }

    @Test
    void fetch_stageAndVersionIdTogether_isConfigurationError() {
        assertThatThrownBy(() -> fetch(source(), "aws-sm:prod/db?stage=AWSCURRENT&versionId=v1"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("not both");
        assertThat(aws.server.getAllServeEvents()).isEmpty();
    }

    @Test
    void fetch_fullArn_isSentWholeAsSecretId() {
        String arn = SecretsManagerStubs.arn(DB);
        SecretRef ref = SecretRef.parse("aws-sm:" + arn + "#password");
        assertThat(ref.scheme()).isEqualTo("aws-sm");
        assertThat(ref.path()).isEqualTo(arn);
        assertThat(ref.field()).contains("password");
        currentDescribed(arn, "v1");
        aws.current(arn, "v1", DB_JSON);

        Secret s = source().fetch(FetchRequest.of(ref, FetchReason.INITIAL));

        assertThat(s.field("password")).contains("s3cr3t");
        assertThat(aws.requests("GetSecretValue").get(0).getBodyAsString()).contains(arn);
    }

    @Test
    void fetch_rotationDates_areCarriedOnTheSecret() {
        Instant next = Instant.parse("2026-01-01T06:00:00Z");
        aws.describe(DB, Map.of("v1", List.of("AWSCURRENT")), next);
        aws.current(DB, "v1", DB_JSON);

        Secret s = fetch(source(), "aws-sm:prod/db");

        assertThat(s.nextRotation()).contains(next);
        assertThat(s.attributes()).containsEntry("lastRotatedDate", "2025-12-01T00:00:00Z");
    }

    // ---- errors ----

    private SecretException getFailsWith(String type) {
        currentDescribed(DB, "v1");
        aws.fails("GetSecretValue", DB, type, "detail from the service");
        try {
            fetch(source(), "aws-sm:prod/db");
        } catch (SecretException e) {
            assertThat(e.getMessage()).contains("aws-sm:prod/db").doesNotContain("detail from the service");
            return e;
        }
        throw new AssertionError("expected a failure for " + type);
    }

    @Test
    void fetch_resourceNotFound_isNotFoundAndNotRetryable() {
        SecretException e = getFailsWith("ResourceNotFoundException");
        assertThat(e).isInstanceOf(SecretNotFoundException.class);
        assertThat(e.isRetryable()).isFalse();
    }

    @Test
    void fetch_accessDenied_isAccessDeniedAndNotRetryable() {
        SecretException e = getFailsWith("AccessDeniedException");
        assertThat(e).isInstanceOf(SecretAccessDeniedException.class);
        assertThat(e.isRetryable()).isFalse();
    }

    @Test
    void fetch_decryptionFailure_isAccessDenied() {
        assertThat(getFailsWith("DecryptionFailure")).isInstanceOf(SecretAccessDeniedException.class);
    }

    @Test
    void fetch_throttling_isRetryableUnavailable() {
        SecretException e = getFailsWith("ThrottlingException");
        assertThat(e).isInstanceOf(SourceUnavailableException.class);
        assertThat(e.isRetryable()).isTrue();
    }

    @Test
    void fetch_internalServiceError_isRetryableUnavailable() {
        SecretException e = getFailsWith("InternalServiceError");
        assertThat(e).isInstanceOf(SourceUnavailableException.class);
        assertThat(e.isRetryable()).isTrue();
    }

    @Test
    void fetch_invalidRequest_isConfigurationErrorNamingTheCode() {
        SecretException e = getFailsWith("InvalidRequestException");
        assertThat(e).isInstanceOf(SecretConfigurationException.class).hasMessageContaining("InvalidRequestException");
        assertThat(e.isRetryable()).isFalse();
    }

    @Test
    void fetch_namespacedErrorType_isMappedByItsCode() {
        assertThat(getFailsWith("com.amazonaws.secretsmanager#ResourceNotFoundException"))
                .isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void fetch_secretScheduledForDeletion_isConfigurationError() {
        aws.describeDeleted(DB, Map.of("v1", List.of("AWSCURRENT")));

        assertThatThrownBy(() -> fetch(source(), "aws-sm:prod/db"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("scheduled for deletion");
        assertThat(aws.count("GetSecretValue")).isZero();
    }

    @Test
    void fetch_serverUnreachable_isRetryableUnavailable() {
        AwsSecretsManagerSource s = source();
        aws.server.stop();

        assertThatThrownBy(() -> fetch(s, "aws-sm:prod/db"))
                .isInstanceOf(SourceUnavailableException.class)
                .satisfies(e -> assertThat(((SecretException) e).isRetryable()).isTrue());
    }

    // ---- probe ----

    @Test
    void probe_noRotation_answersCurrentVersionWithoutEarlierLook() {
        aws.describe(DB, Map.of("v2", List.of("AWSCURRENT"), "v1", List.of("AWSPREVIOUS")), null);

        Optional<VersionProbe> p = source().probe(SecretRef.parse("aws-sm:prod/db"));

        assertThat(p).isPresent();
        assertThat(p.get().version()).isEqualTo("v2");
        assertThat(p.get().checkAgainAt()).isEmpty();
        assertThat(aws.count("GetSecretValue")).isZero();
    }

    @Test
    void probe_rotationUnderWay_asksToLookAgainAfterTheCheckInterval() {
        aws.describe(DB, Map.of("v1", List.of("AWSCURRENT"), "v2", List.of("AWSPENDING")), null);
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .client(client)
                .rotationCheckInterval(Duration.ofSeconds(20))
                .build());

        VersionProbe p = s.probe(SecretRef.parse("aws-sm:prod/db")).orElseThrow();

        assertThat(p.version()).isEqualTo("v1");
        assertThat(p.checkAgainAt()).contains(scheduler.clock().now().plusSeconds(20));
    }

    @Test
    void probe_pendingOnCurrentVersion_isNoRotation() {
        aws.describe(DB, Map.of("v1", List.of("AWSCURRENT", "AWSPENDING")), null);

        assertThat(source().probe(SecretRef.parse("aws-sm:prod/db"))
                        .orElseThrow()
                        .checkAgainAt())
                .isEmpty();
    }

    @Test
    void probe_scheduledRotation_asksToLookAgainJustAfterIt() {
        Instant next = scheduler.clock().now().plus(Duration.ofMinutes(2));
        aws.describe(DB, Map.of("v1", List.of("AWSCURRENT")), next);

        VersionProbe p = source().probe(SecretRef.parse("aws-sm:prod/db")).orElseThrow();

        assertThat(p.checkAgainAt()).contains(next.plus(RefreshPolicy.defaults().afterRotationDelay()));
    }

    @Test
    void probe_stageRef_answersThatStagesVersion() {
        aws.describe(DB, Map.of("v2", List.of("AWSCURRENT"), "v1", List.of("AWSPREVIOUS")), null);

        assertThat(source().probeVersion(SecretRef.parse("aws-sm:prod/db?stage=AWSPREVIOUS")))
                .contains("v1");
    }

    @Test
    void probe_stageNoVersionHas_isNotFound() {
        aws.describe(DB, Map.of("v2", List.of("AWSCURRENT")), null);

        assertThatThrownBy(() -> source().probe(SecretRef.parse("aws-sm:prod/db?stage=AWSPENDING")))
                .isInstanceOf(SecretNotFoundException.class)
                .hasMessageContaining("AWSPENDING");
    }

    @Test
    void probe_versionIdRef_answersItWithoutAnyCall() {
        assertThat(source().probeVersion(SecretRef.parse("aws-sm:prod/db?versionId=v9")))
                .contains("v9");
        assertThat(aws.server.getAllServeEvents()).isEmpty();
    }

    @Test
    void probe_thenFetch_describesOnce() {
        aws.describe(DB, Map.of("v2", List.of("AWSCURRENT")), null);
        aws.current(DB, "v2", DB_JSON);
        AwsSecretsManagerSource s = source();
        SecretRef ref = SecretRef.parse("aws-sm:prod/db");

        s.probe(ref);
        s.fetch(FetchRequest.of(ref, FetchReason.REFRESH, "v1"));

        assertThat(aws.count("DescribeSecret")).isEqualTo(1);
        assertThat(aws.count("GetSecretValue")).isEqualTo(1);
    }

    // ---- alternates ----

    @Test
    void alternates_duringRotation_arePendingThenPrevious() {
        aws.describe(
                DB,
                Map.of("v2", List.of("AWSCURRENT"), "v3", List.of("AWSPENDING"), "v1", List.of("AWSPREVIOUS")),
                null);
        aws.version(DB, "v3", List.of("AWSPENDING"), "{\"password\":\"p3\"}");
        aws.version(DB, "v1", List.of("AWSPREVIOUS"), "{\"password\":\"p1\"}");

        List<Secret> alternates = source().alternates(SecretRef.parse("aws-sm:prod/db"));

        assertThat(alternates).extracting(Secret::version).containsExactly("v3", "v1");
        assertThat(alternates.get(0).field("password")).contains("p3");
        assertThat(alternates.get(0).stages()).containsExactly("AWSPENDING");
        assertThat(alternates.get(1).field("password")).contains("p1");
    }

    @Test
    void alternates_noRotation_isPreviousOnly() {
        aws.describe(DB, Map.of("v2", List.of("AWSCURRENT", "AWSPENDING"), "v1", List.of("AWSPREVIOUS")), null);
        aws.version(DB, "v1", List.of("AWSPREVIOUS"), "{\"password\":\"p1\"}");

        assertThat(source().alternates(SecretRef.parse("aws-sm:prod/db")))
                .extracting(Secret::version)
                .containsExactly("v1");
    }

    @Test
    void alternates_versionGoneMeanwhile_isSkipped() {
        aws.describe(DB, Map.of("v2", List.of("AWSCURRENT"), "v3", List.of("AWSPENDING")), null);
        aws.fails("GetSecretValue", DB, "ResourceNotFoundException", "gone");

        assertThat(source().alternates(SecretRef.parse("aws-sm:prod/db"))).isEmpty();
    }

    // ---- batch ----

    @Test
    void fetchAll_readsTwentyPerCallAndLeavesStagedRefsOut() {
        List<SecretRef> refs = new ArrayList<>();
        List<com.fasterxml.jackson.databind.node.ObjectNode> first = new ArrayList<>();
        List<com.fasterxml.jackson.databind.node.ObjectNode> second = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            refs.add(SecretRef.parse("aws-sm:app/s" + i));
            (i < 20 ? first : second).add(SecretsManagerStubs.entry("app/s" + i, "v" + i, "value-" + i));
        }
        refs.add(SecretRef.parse("aws-sm:app/s0?stage=AWSPREVIOUS"));
        aws.batch("app/s0", first, List.of());
        aws.batch("app/s20", second, List.of());

        Map<SecretRef, Secret> got = source().fetchAll(refs);

        assertThat(aws.count("BatchGetSecretValue")).isEqualTo(2);
        assertThat(got).hasSize(25).doesNotContainKey(SecretRef.parse("aws-sm:app/s0?stage=AWSPREVIOUS"));
        assertThat(got.get(SecretRef.parse("aws-sm:app/s24")).value()).isEqualTo("value-24");
        assertThat(aws.requests("BatchGetSecretValue").get(0).getBodyAsString()).doesNotContain("app/s20");
    }

    @Test
    void fetchAll_errorsEntry_leavesThatRefOut() {
        aws.batch(
                "app/a",
                List.of(SecretsManagerStubs.entry("app/a", "va", "value-a")),
                List.of(SecretsManagerStubs.batchError("app/b", "AccessDeniedException", "not allowed")));

        Map<SecretRef, Secret> got =
                source().fetchAll(List.of(SecretRef.parse("aws-sm:app/a"), SecretRef.parse("aws-sm:app/b")));

        assertThat(got).containsOnlyKeys(SecretRef.parse("aws-sm:app/a"));
    }

    @Test
    void fetchAll_batchPermissionMissing_answersNothingSoTheEngineFetchesSingly() {
        aws.batchFails("AccessDeniedException", "no batch permission");

        assertThat(source().fetchAll(List.of(SecretRef.parse("aws-sm:app/a")))).isEmpty();
    }

    // ---- rotate, capabilities, builder, discovery ----

    @Test
    void capabilities_rotateOnlyWhenEnabled() {
        assertThat(source().capabilities())
                .containsExactlyInAnyOrder(
                        SourceCapability.PROBE_VERSION, SourceCapability.FETCH_ALL, SourceCapability.ALTERNATES);
        assertThat(AwsSecretsManagerSource.builder()
                        .client(client)
                        .rotateOnCompromise(true)
                        .build()
                        .capabilities())
                .contains(SourceCapability.ROTATE);
        assertThat(AwsSecretsManagerSource.builder()
                        .client(client)
                        .describeSecrets(false)
                        .build()
                        .capabilities())
                .containsExactly(SourceCapability.FETCH_ALL);
        assertThat(source().parameters()).containsExactlyInAnyOrder("stage", "versionId");
    }

    @Test
    void rotate_callsRotateSecretAndAsksToLookAgainSoon() {
        aws.rotate(DB, "v2");
        aws.describe(DB, Map.of("v1", List.of("AWSCURRENT"), "v2", List.of("AWSPENDING")), null);
        aws.current(DB, "v1", DB_JSON);
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .client(client)
                .rotateOnCompromise(true)
                .build());

        Secret after = s.rotate(SecretRef.parse("aws-sm:prod/db"));

        assertThat(aws.count("RotateSecret")).isEqualTo(1);
        assertThat(aws.requests("RotateSecret").get(0).getBodyAsString()).contains("\"RotateImmediately\":true");
        assertThat(after.version()).isEqualTo("v1");
        assertThat(after.checkAgainAt()).contains(scheduler.clock().now().plus(s.rotationCheckInterval()));
    }

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
        currentDescribed(DB, "v1");
        aws.current(DB, "v1", DB_JSON);
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(aws.endpoint())
                .credentialsProvider(SecretsManagerStubs.TEST_CREDENTIALS)
                .build());
        try {
            assertThat(fetch(s, "aws-sm:prod/db").field("username")).contains("app");
            assertThat(aws.requests("GetSecretValue").get(0).getHeader("Authorization"))
                    .contains("AKIDEXAMPLETEST");
        } finally {
            s.close();
        }
    }

    @Test
    void builtClient_withholdsServiceErrorMessagesFromTheSdksOwnLogging() {
        currentDescribed(DB, "v1");
        aws.fails("GetSecretValue", DB, "ResourceNotFoundException", "service-said-this");
        ch.qos.logback.classic.Logger sdk =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("software.amazon.awssdk");
        ch.qos.logback.classic.Level level = sdk.getLevel();
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
                new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        sdk.addAppender(logs);
        sdk.setLevel(ch.qos.logback.classic.Level.DEBUG);
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(aws.endpoint())
                .credentialsProvider(SecretsManagerStubs.TEST_CREDENTIALS)
                .build());
        try {
            assertThatThrownBy(() -> fetch(s, "aws-sm:prod/db")).isInstanceOf(SecretNotFoundException.class);
            List<String> lines = new ArrayList<>();
            for (ch.qos.logback.classic.spi.ILoggingEvent e : logs.list) {
                lines.add(e.getFormattedMessage()
                        + (e.getThrowableProxy() == null
                                ? ""
                                : "\n"
                                        + ch.qos.logback.classic.spi.ThrowableProxyUtil.asString(
                                                e.getThrowableProxy())));
            }
            assertThat(lines)
                    .as("the SDK logged the failed attempt with its exception")
                    .anyMatch(l -> l.contains("non-retryable failure") && l.contains("ResourceNotFoundException"));
            assertThat(lines).noneMatch(l -> l.contains("service-said-this"));
        } finally {
            s.close();
            sdk.detachAppender(logs);
            sdk.setLevel(level);
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
            // an endpoint on the stand-in, so that nothing could reach a real service even if a region were found
            AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                    .endpointOverride(aws.endpoint())
                    .credentialsProvider(SecretsManagerStubs.TEST_CREDENTIALS)
                    .build());

            assertThatThrownBy(() -> fetch(s, "aws-sm:prod/db"))
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("region");
            assertThat(aws.server.getAllServeEvents()).isEmpty();
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
        assertThat(aws.server.getAllServeEvents()).isEmpty();
    }

    @Test
    void closed_sourceRefusesCallsWithConfigurationError() {
        AwsSecretsManagerSource s = AwsSecretsManagerSource.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(aws.endpoint())
                .credentialsProvider(SecretsManagerStubs.TEST_CREDENTIALS)
                .build();
        s.close();

        assertThatThrownBy(() -> fetch(s, "aws-sm:prod/db"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void toString_namesOptionsOnly() {
        assertThat(source().toString()).startsWith("AwsSecretsManagerSource{name=aws-sm");
    }
}
