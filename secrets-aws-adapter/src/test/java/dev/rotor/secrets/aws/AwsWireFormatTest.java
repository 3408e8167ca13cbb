package dev.rotor.secrets.aws;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.http.Fault;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SourceContext;
import dev.rotor.secrets.test.ManualScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * What the stateful fake cannot answer, on hand-written WireMock answers: malformed and oversized bodies, HTML, truncated
 * JSON and connection resets, error types the fake does not model (a KMS decryption failure, a namespaced error type),
 * a race between two calls, the request's signature, and a service message planted in an error body. Everything the
 * store does is specified on the fake in {@link AwsSecretsManagerSourceTest}.
 */
class AwsWireFormatTest {
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

    // ---- answers the store never gives ----

    @Test
    void fetch_answerWithoutAnyValue_isFormatError() {
        currentDescribed(DB, "v1");
        aws.current(DB, "v1", null);

        assertThatThrownBy(() -> fetch(source(), "aws-sm:prod/db"))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("neither SecretString nor SecretBinary");
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
    void fetch_decryptionFailure_isAccessDenied() {
        assertThat(getFailsWith("DecryptionFailure")).isInstanceOf(SecretAccessDeniedException.class);
    }

    @Test
    void fetch_namespacedErrorType_isMappedByItsCode() {
        assertThat(getFailsWith("com.amazonaws.secretsmanager#ResourceNotFoundException"))
                .isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void alternates_versionGoneMeanwhile_isSkipped() {
        aws.describe(DB, Map.of("v2", List.of("AWSCURRENT"), "v3", List.of("AWSPENDING")), null);
        aws.fails("GetSecretValue", DB, "ResourceNotFoundException", "gone");

        assertThat(source().alternates(SecretRef.parse("aws-sm:prod/db"))).isEmpty();
    }

    // ---- the wire ----

    @Test
    void builtClient_signsWithTheGivenCredentials() {
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

    // ---- malformed bytes and transport faults ----

    private void getAnswers(com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
        currentDescribed(DB, "v1");
        aws.server.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("secretsmanager.GetSecretValue"))
                .willReturn(answer));
    }

    private static void assertUnavailableWithoutContent(Throwable t, String content) {
        assertThat(t).isInstanceOf(SourceUnavailableException.class);
        assertThat(((SecretException) t).isRetryable()).isTrue();
        assertThat(t.getMessage()).contains("aws-sm:prod/db").doesNotContain(content);
        for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
            assertThat(String.valueOf(c.getMessage())).doesNotContain(content);
        }
    }

    @Test
    void fetch_htmlPageInsteadOfJson_isRetryableUnavailableWithoutQuotingIt() {
        getAnswers(aResponse()
                .withStatus(200)
                .withHeader("Content-Type", "text/html")
                .withBody("<html><body>proxy login page PLANTED-html</body></html>"));

        Throwable t = catchFailure(() -> fetch(source(), "aws-sm:prod/db"));

        assertUnavailableWithoutContent(t, "PLANTED-html");
    }

    @Test
    void fetch_truncatedJsonAnswer_isRetryableUnavailableWithoutQuotingIt() {
        getAnswers(aResponse()
                .withStatus(200)
                .withHeader("Content-Type", SecretsManagerStubs.JSON)
                .withBody("{\"ARN\":\"" + SecretsManagerStubs.arn(DB)
                        + "\",\"VersionId\":\"v1\",\"SecretString\":\"{\\\"password\\\":\\\"PLANTED-trunc"));

        Throwable t = catchFailure(() -> fetch(source(), "aws-sm:prod/db"));

        assertUnavailableWithoutContent(t, "PLANTED-trunc");
    }

    @Test
    void fetch_htmlErrorPage_isRetryableUnavailableWithoutQuotingIt() {
        getAnswers(aResponse()
                .withStatus(502)
                .withHeader("Content-Type", "text/html")
                .withBody("<html><body>Bad Gateway PLANTED-gateway</body></html>"));

        Throwable t = catchFailure(() -> fetch(source(), "aws-sm:prod/db"));

        assertUnavailableWithoutContent(t, "PLANTED-gateway");
    }

    @Test
    void fetch_connectionReset_isRetryableUnavailable() {
        getAnswers(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));

        Throwable t = catchFailure(() -> fetch(source(), "aws-sm:prod/db"));

        assertUnavailableWithoutContent(t, "PLANTED");
    }

    @Test
    void fetch_garbageBytes_isRetryableUnavailable() {
        getAnswers(aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE));

        Throwable t = catchFailure(() -> fetch(source(), "aws-sm:prod/db"));

        assertUnavailableWithoutContent(t, "PLANTED");
    }

    private static Throwable catchFailure(Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("expected the call to fail");
    }
}
