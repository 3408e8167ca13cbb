package dev.rotor.secrets.spring;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.aws.AwsSecretsManagerSource;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@code rotor.aws.*} becomes an {@link AwsSecretsManagerSource} on the client, with the application's {@link
 * AwsCredentialsProvider} bean, reading from WireMock answering as the Secrets Manager API reference shows (bodies
 * shaped as the adapter's {@code SecretsManagerStubs}).
 */
class RotorAwsSourceTest {
    private static final String JSON = "application/x-amz-json-1.1";
    private static final String ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";
    private static final String VERSION = "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE";
    private static final String DB_PASS = "PLANTED-aws-db-pass-9b3c";
    private static final String ACCESS_KEY = "AKIDSPRINGTEST";

    private final ManualScheduler scheduler = new ManualScheduler();
    private WireMockServer aws;

    @BeforeEach
    void startAws() {
        aws = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        aws.start();
        aws.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("secretsmanager.DescribeSecret"))
                .withRequestBody(matchingJsonPath("$.SecretId", equalTo("prod/db")))
                .willReturn(ok("{\"ARN\":\"" + ARN + "\",\"Name\":\"prod/db\",\"Description\":\"test secret\","
                        + "\"CreatedDate\":1748736000.000,\"LastChangedDate\":1764547200.000,"
                        + "\"VersionIdsToStages\":{\"" + VERSION + "\":[\"AWSCURRENT\"]}}")));
        aws.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
                .withRequestBody(matchingJsonPath("$.SecretId", equalTo("prod/db")))
                .willReturn(ok("{\"ARN\":\"" + ARN + "\",\"Name\":\"prod/db\",\"VersionId\":\"" + VERSION + "\","
                        + "\"SecretString\":\"{\\\"username\\\":\\\"orders\\\",\\\"password\\\":\\\"" + DB_PASS
                        + "\\\"}\",\"VersionStages\":[\"AWSCURRENT\"],\"CreatedDate\":1764547200.000}")));
    }

    @AfterEach
    void stopAws() {
        aws.stop();
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder ok(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", JSON).withBody(body);
    }

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RotorAutoConfiguration.class))
                .withBean(
                        RotorSecretsCustomizer.class,
                        () -> b -> b.scheduler(scheduler).executor(ManualScheduler.directExecutor()))
                .withBean(
                        AwsCredentialsProvider.class,
                        () -> StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(ACCESS_KEY, "test-secret-access-key")))
                .withBean("mem", InMemorySource.class, () -> new InMemorySource("mem", scheduler.clock()))
                .withPropertyValues("rotor.audit.enabled=false", "rotor.discover-sources=false");
    }

    @Test
    void aws_endpointAndRegionSet_clientReadsSecretWithTheCredentialsBean() {
        runner().withPropertyValues(
                        "rotor.aws.region=us-east-1",
                        "rotor.aws.endpoint=" + aws.baseUrl(),
                        "rotor.aws.rotation-check-interval=20s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Secrets secrets = context.getBean(Secrets.class);
                    assertThat(secrets.value("aws-sm:prod/db#password")).isEqualTo(DB_PASS);
                    assertThat(secrets.get("aws-sm:prod/db").version()).isEqualTo(VERSION);
                    aws.verify(postRequestedFor(urlEqualTo("/"))
                            .withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
                            .withHeader("Authorization", containing("Credential=" + ACCESS_KEY + "/")));
                });
    }

    @Test
    void aws_userSourceBeanForTheScheme_winsOverTheProperties() {
        InMemorySource own = new InMemorySource("aws-sm", scheduler.clock());
        own.putFields("prod/db", Map.of("password", "from-the-bean"));
        runner().withBean("own", InMemorySource.class, () -> own)
                .withPropertyValues("rotor.aws.region=us-east-1", "rotor.aws.endpoint=" + aws.baseUrl())
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(Secrets.class).value("aws-sm:prod/db#password"))
                            .isEqualTo("from-the-bean");
                    assertThat(aws.getAllServeEvents()).isEmpty();
                });
    }

    @Test
    void aws_adapterNotOnClassPath_startsWithoutAwsSource() {
        runner().withClassLoader(new FilteredClassLoader(AwsSecretsManagerSource.class))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Secrets.class));
    }

    @Test
    void aws_adapterNotOnClassPathButRegionSet_failsNamingTheProperty() {
        runner().withClassLoader(new FilteredClassLoader(AwsSecretsManagerSource.class))
                .withPropertyValues("rotor.aws.region=us-east-1")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.aws.region")
                        .hasMessageContaining("secrets-aws-adapter"));
    }

    @Test
    void aws_sourceSettingWithoutRegionOrEndpoint_failsNamingTheProperty() {
        runner().withPropertyValues("rotor.aws.rotate-on-compromise=true").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("rotor.aws.rotate-on-compromise")
                .hasMessageContaining("rotor.aws.region"));
    }

    @Test
    void aws_nonPositiveRotationCheckInterval_failsNamingTheProperty() {
        runner().withPropertyValues("rotor.aws.region=us-east-1", "rotor.aws.rotation-check-interval=0s")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.aws.rotation-check-interval"));
    }

    @Test
    void aws_endpointNotHttp_failsNamingTheProperty() {
        runner().withPropertyValues("rotor.aws.endpoint=ftp://127.0.0.1:21")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("rotor.aws.endpoint"));
    }

    // ---- rotor.aws.api-call-timeout, api-call-attempt-timeout, allow-insecure-http, requests-per-second ----

    private void slowGet(String id, int millis) {
        aws.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
                .withRequestBody(matchingJsonPath("$.SecretId", equalTo(id)))
                .willReturn(ok("{\"Name\":\"" + id + "\",\"VersionId\":\"" + VERSION + "\",\"SecretString\":\"v\"}")
                        .withFixedDelay(millis)));
        aws.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("secretsmanager.DescribeSecret"))
                .withRequestBody(matchingJsonPath("$.SecretId", equalTo(id)))
                .willReturn(
                        ok("{\"Name\":\"" + id + "\",\"VersionIdsToStages\":{\"" + VERSION + "\":[\"AWSCURRENT\"]}}")));
    }

    /** {@link #gets}, once it reached {@code expected} or {@code limit} passed (Awaitility, bounded). */
    private long getsOnceBooked(String id, long expected, Duration limit) {
        try {
            org.awaitility.Awaitility.await().atMost(limit).until(() -> gets(id) >= expected);
        } catch (org.awaitility.core.ConditionTimeoutException fewer) {
            // fall through: the exact count below says how many were booked
        }
        return gets(id);
    }

    private long gets(String id) {
        return aws.getAllServeEvents().stream()
                .filter(e ->
                        "secretsmanager.GetSecretValue".equals(e.getRequest().getHeader("X-Amz-Target")))
                .filter(e -> e.getRequest().getBodyAsString().contains(id))
                .count();
    }

    @Test
    void aws_apiCallTimeout_endsTheWholeCallAtThatDeadline() {
        slowGet("prod/slow", 5_000);
        runner().withPropertyValues(
                        "rotor.aws.region=us-east-1",
                        "rotor.aws.endpoint=" + aws.baseUrl(),
                        "rotor.aws.api-call-timeout=800ms")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThatThrownBy(() -> context.getBean(Secrets.class).get("aws-sm:prod/slow"))
                            .isInstanceOf(SourceUnavailableException.class)
                            .hasMessageContaining("call deadline");
                    assertThat(gets("prod/slow"))
                            .as("one attempt, cut by the call's deadline")
                            .isEqualTo(1);
                });
    }

    @Test
    void aws_apiCallAttemptTimeout_cutsEachAttempt_theSdkTriesAgainWithinTheCall() {
        slowGet("prod/slow", 5_000);
        slowGet("prod/warm", 0);
        runner().withPropertyValues(
                        "rotor.aws.region=us-east-1",
                        "rotor.aws.endpoint=" + aws.baseUrl(),
                        "rotor.aws.api-call-attempt-timeout=300ms")
                .run(context -> {
                    // a first call sets the SDK client and its connection up, which on a cold JVM can take longer
                    // than the 300 ms of an attempt (even its three attempts): the attempts below are then spent on
                    // the slow answer alone. The warm-up itself is tried again, at most five times.
                    warmUp(context.getBean(Secrets.class), "aws-sm:prod/warm");
                    assertThatThrownBy(() -> context.getBean(Secrets.class).get("aws-sm:prod/slow"))
                            .isInstanceOf(SourceUnavailableException.class)
                            .hasMessageContaining("call deadline");
                    // the stub server books a request once its delayed answer is done (or the client has gone):
                    // wait for the attempts cut short to be booked, bounded, then count them exactly
                    assertThat(getsOnceBooked("prod/slow", 3, Duration.ofSeconds(15)))
                            .as("the SDK's standard mode: 3 attempts")
                            .isEqualTo(3);
                });
    }

    /** Loads {@code ref}, fetching it again (at most four more times) while a cold client misses its deadline. */
    private static void warmUp(Secrets secrets, String ref) {
        SourceUnavailableException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                if (attempt == 0) {
                    secrets.get(ref);
                } else {
                    secrets.refresh(ref);
                }
                return;
            } catch (SourceUnavailableException e) {
                last = e;
            }
        }
        throw last;
    }

    @Test
    void aws_attemptTimeoutLongerThanTheCallTimeout_failsNamingBothProperties() {
        runner().withPropertyValues(
                        "rotor.aws.region=us-east-1",
                        "rotor.aws.api-call-timeout=2s",
                        "rotor.aws.api-call-attempt-timeout=3s")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.aws.api-call-attempt-timeout")
                        .hasMessageContaining("rotor.aws.api-call-timeout"));
    }

    @Test
    void aws_attemptTimeoutLongerThanTheDefaultCallTimeout_failsNamingBothProperties() {
        runner().withPropertyValues("rotor.aws.region=us-east-1", "rotor.aws.api-call-attempt-timeout=11s")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.aws.api-call-attempt-timeout")
                        .hasMessageContaining("rotor.aws.api-call-timeout (PT10S, the default)"));
    }

    @Test
    void aws_nonPositiveApiCallTimeouts_failNamingTheProperty() {
        for (String property : new String[] {"rotor.aws.api-call-timeout", "rotor.aws.api-call-attempt-timeout"}) {
            runner().withPropertyValues("rotor.aws.region=us-east-1", property + "=0s")
                    .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining(property));
        }
    }

    @Test
    void aws_plainHttpEndpointToAnotherHost_failsNamingAllowInsecureHttp() {
        runner().withPropertyValues(
                        "rotor.aws.region=us-east-1", "rotor.aws.endpoint=http://secretsmanager.example.invalid:4566")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.aws.endpoint")
                        .hasMessageContaining("rotor.aws.allow-insecure-http=true"));
    }

    @Test
    void aws_allowInsecureHttp_acceptsAPlainHttpEndpointToAnotherHost() {
        runner().withPropertyValues(
                        "rotor.aws.region=us-east-1",
                        "rotor.aws.endpoint=http://secretsmanager.example.invalid:4566",
                        "rotor.aws.allow-insecure-http=true")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Secrets.class));
    }

    @Test
    void aws_newSettingsWithoutRegionOrEndpoint_failNamingTheProperty() {
        for (String setting : new String[] {
            "rotor.aws.api-call-timeout=5s",
            "rotor.aws.api-call-attempt-timeout=2s",
            "rotor.aws.allow-insecure-http=true",
            "rotor.aws.requests-per-second=5"
        }) {
            runner().withPropertyValues(setting).run(context -> assertThat(context)
                    .getFailure()
                    .rootCause()
                    .as(setting)
                    .hasMessageContaining(setting.substring(0, setting.indexOf('=')))
                    .hasMessageContaining("rotor.aws.region"));
        }
    }

    @Test
    void aws_requestsPerSecond_isTheAwsSourcesBudget_overTheClientWideOne() {
        runner().withPropertyValues(
                        "rotor.aws.region=us-east-1",
                        "rotor.aws.endpoint=" + aws.baseUrl(),
                        "rotor.aws.requests-per-second=3",
                        "rotor.refresh.requests-per-second=50")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    assertThat(secrets.refreshPolicy("aws-sm:prod/db").requestsPerSecond())
                            .isEqualTo(3.0);
                    assertThat(secrets.refreshPolicy("mem:app/key").requestsPerSecond())
                            .isEqualTo(50.0);
                    assertThat(aws.getAllServeEvents())
                            .as("no call to learn a policy")
                            .isEmpty();
                });
    }

    @Test
    void aws_requestsPerSecondNotPositive_failsNamingTheProperty() {
        runner().withPropertyValues("rotor.aws.region=us-east-1", "rotor.aws.requests-per-second=-2")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.aws.requests-per-second"));
    }
}
