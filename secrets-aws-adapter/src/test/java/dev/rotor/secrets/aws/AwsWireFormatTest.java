package dev.rotor.secrets.aws;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * What the stateful fake cannot answer, on hand-written WireMock answers: malformed and oversized bodies (values over
 * 64 KiB, and whole answers over the size cap, by their length or while chunked), HTML, truncated
 * JSON and connection resets, error types the fake does not model (a KMS decryption failure, a namespaced error type),
 * a race between two calls, the request's signature, and a service message planted in an error body. Everything the
 * store does is specified on the fake in {@link AwsSecretsManagerSourceTest}.
 */
class AwsWireFormatTest {
    private static final String DB = "prod/db";
    private static final String DB_JSON =
            "{\"username\":\"app\",\"password\":\"s3cr3t\",\"port\":5432," + "\"options\":{\"ssl\":true}}";

    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
            new com.fasterxml.jackson.databind.ObjectMapper();

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
        return ManualSourceContext.start(s, scheduler);
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
    void fetch_requestLimitExceeded_isThrottled() {
        assertThat(getFailsWith("RequestLimitExceeded")).isInstanceOf(SourceThrottledException.class);
    }

    @Test
    void fetch_http429TooManyRequests_isThrottled_withItsRetryAfter() {
        currentDescribed(DB, "v1");
        aws.fails("GetSecretValue", DB, 429, "TooManyRequestsException", "6");

        assertThatThrownBy(() -> fetch(source(), "aws-sm:prod/db"))
                .isInstanceOfSatisfying(SourceThrottledException.class, e -> {
                    assertThat(e.retryAfter()).contains(Duration.ofSeconds(6));
                    assertThat(e.getMessage())
                            .contains("TooManyRequestsException", "aws-sm:prod/db")
                            .doesNotContain("detail from the service");
                });
    }

    @Test
    void fetch_http429WithoutAnErrorCode_isThrottled() {
        currentDescribed(DB, "v1");
        aws.fails("GetSecretValue", DB, 429, "", null);

        assertThatThrownBy(() -> fetch(source(), "aws-sm:prod/db")).isInstanceOf(SourceThrottledException.class);
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

    // ---- answers over the size cap ----

    /** A well-formed GetSecretValue answer for prod/db whose JSON carries {@code padding} bytes of unknown field. */
    private static String paddedValueAnswer(String secretString, int padding) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("ARN", SecretsManagerStubs.arn(DB));
        body.put("Name", DB);
        body.put("VersionId", "v2");
        body.put("SecretString", secretString);
        body.putArray("VersionStages").add("AWSCURRENT");
        if (padding > 0) {
            body.put("Padding", "PLANTED-pad" + "x".repeat(padding));
        }
        return body.toString();
    }

    private static void assertRefusedAsTooLarge(Throwable t) {
        assertThat(t).isInstanceOf(SecretFormatException.class);
        assertThat(((SecretException) t).isRetryable()).isFalse();
        assertThat(t.getMessage())
                .contains("GetSecretValue answered more than 524288 bytes", "ref=aws-sm:prod/db", "source=aws-sm")
                .doesNotContain("PLANTED")
                .doesNotContain("s3cr3t");
        for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
            assertThat(String.valueOf(c.getMessage())).doesNotContain("PLANTED").doesNotContain("s3cr3t");
        }
    }

    @Test
    void fetch_answerLargerThanTheCapByItsContentLength_isFormatErrorNamingRefAndSourceNotTheBody() {
        String answer = paddedValueAnswer(DB_JSON, 600 * 1024);
        getAnswers(aResponse()
                .withStatus(200)
                .withHeader("Content-Type", SecretsManagerStubs.JSON)
                .withHeader("Content-Length", Integer.toString(answer.length()))
                .withBody(answer));

        Throwable t = catchFailure(() -> fetch(source(), "aws-sm:prod/db"));

        assertRefusedAsTooLarge(t);
    }

    @Test
    void fetch_chunkedAnswerGrowingPastTheCap_isFormatErrorNamingRefAndSourceNotTheBody() {
        // chunked transfer: no Content-Length to refuse by, the cap is met while reading
        getAnswers(aResponse()
                .withStatus(200)
                .withHeader("Content-Type", SecretsManagerStubs.JSON)
                .withBody(paddedValueAnswer(DB_JSON, 2 * 1024 * 1024))
                .withChunkedDribbleDelay(8, 40));

        Throwable t = catchFailure(() -> fetch(source(), "aws-sm:prod/db"));

        assertRefusedAsTooLarge(t);
    }

    @Test
    void fetch_largestValueTheServiceStoresWrittenWithTheLongestEscapes_isAccepted() {
        // 65,536 control characters: JSON writes each in six bytes, 384 KiB on the wire, under the 512 KiB cap
        String largest = "\u0001".repeat(65_536);
        String answer = paddedValueAnswer(largest, 0);
        assertThat(answer.length()).isGreaterThan(6 * 65_536);
        getAnswers(aResponse()
                .withStatus(200)
                .withHeader("Content-Type", SecretsManagerStubs.JSON)
                .withBody(answer));

        assertThat(fetch(source(), "aws-sm:prod/db").value()).isEqualTo(largest);
    }

    @Test
    void builtClient_answerOverTheCap_isRefusedOnceWithoutSdkRetries() {
        getAnswers(aResponse()
                .withStatus(200)
                .withHeader("Content-Type", SecretsManagerStubs.JSON)
                .withBody(paddedValueAnswer(DB_JSON, 600 * 1024)));
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(aws.endpoint())
                .credentialsProvider(SecretsManagerStubs.TEST_CREDENTIALS)
                .build());
        try {
            Throwable t = catchFailure(() -> fetch(s, "aws-sm:prod/db"));

            assertRefusedAsTooLarge(t);
            assertThat(aws.count("GetSecretValue")).isEqualTo(1);
        } finally {
            s.close();
        }
    }

    @Test
    void builtClient_answerOverTheCapStillArriving_isDroppedNotReadToItsEnd() {
        // 2 MiB in 64 chunks over 8 s: the cap (512 KiB) is met after some 2 s; reading the rest to reuse the
        // connection would take 6 s more. The deadlines are set far off, so only dropping the connection ends it.
        getAnswers(aResponse()
                .withStatus(200)
                .withHeader("Content-Type", SecretsManagerStubs.JSON)
                .withBody(paddedValueAnswer(DB_JSON, 2 * 1024 * 1024))
                .withChunkedDribbleDelay(64, 8_000));
        AwsSecretsManagerSource s = started(AwsSecretsManagerSource.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(aws.endpoint())
                .credentialsProvider(SecretsManagerStubs.TEST_CREDENTIALS)
                .apiCallTimeout(Duration.ofSeconds(60))
                .apiCallAttemptTimeout(Duration.ofSeconds(60))
                .build());
        try {
            long start = System.nanoTime();
            Throwable t = catchFailure(() -> fetch(s, "aws-sm:prod/db"));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertRefusedAsTooLarge(t);
            assertThat(took).isLessThan(Duration.ofSeconds(6));
        } finally {
            s.close();
        }
    }

    @Test
    void refresh_answerOverTheCap_keepsTheVersionAlreadyHeld() {
        getAnswers(aResponse()
                .withStatus(200)
                .withHeader("Content-Type", SecretsManagerStubs.JSON)
                .withBody(paddedValueAnswer(DB_JSON, 0)));
        List<SecretEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (Secrets secrets = Secrets.builder()
                .source(AwsSecretsManagerSource.builder()
                        .client(client)
                        .describeSecrets(false)
                        .build())
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .eventListener(events::add)
                .auditLog(false)
                .build()) {
            assertThat(secrets.value("aws-sm:prod/db#password")).isEqualTo("s3cr3t");
            getAnswers(aResponse()
                    .withStatus(200)
                    .withHeader("Content-Type", SecretsManagerStubs.JSON)
                    .withBody(paddedValueAnswer("{\"password\":\"PLANTED-new\"}", 600 * 1024)));

            Throwable t = catchFailure(() -> secrets.refresh("aws-sm:prod/db"));

            assertRefusedAsTooLarge(t);
            assertThat(secrets.value("aws-sm:prod/db#password")).isEqualTo("s3cr3t");
            assertThat(secrets.get("aws-sm:prod/db").version()).isEqualTo("v2");
            assertThat(events).anySatisfy(e -> assertThat(e.type()).isEqualTo(SecretEventType.REFRESH_FAILED));
            assertThat(events).allSatisfy(e -> assertThat(e.toString()).doesNotContain("PLANTED"));
        }
    }

    @Test
    void fetchAll_batchAnswerOverTheCap_answersNothingSoTheEngineFetchesSingly() {
        ObjectNode body = MAPPER.createObjectNode();
        ObjectNode entry = body.putArray("SecretValues").addObject();
        entry.put("ARN", SecretsManagerStubs.arn(DB));
        entry.put("Name", DB);
        entry.put("VersionId", "v1");
        entry.put("SecretString", DB_JSON);
        entry.putArray("VersionStages").add("AWSCURRENT");
        body.putArray("Errors");
        body.put("Padding", "PLANTED-pad" + "x".repeat(11 * 1024 * 1024));
        aws.server.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("secretsmanager.BatchGetSecretValue"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", SecretsManagerStubs.JSON)
                        .withBody(body.toString())));

        assertThat(source().fetchAll(List.of(SecretRef.parse("aws-sm:prod/db"))))
                .isEmpty();
        assertThat(aws.count("BatchGetSecretValue")).isEqualTo(1);
    }

    @Test
    void fetchAll_batchAnswerOfTwentyLargestValues_isAccepted() {
        ObjectNode body = MAPPER.createObjectNode();
        com.fasterxml.jackson.databind.node.ArrayNode values = body.putArray("SecretValues");
        List<SecretRef> refs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ObjectNode entry = values.addObject();
            entry.put("ARN", SecretsManagerStubs.arn("app/s" + i));
            entry.put("Name", "app/s" + i);
            entry.put("VersionId", "v1");
            entry.put("SecretString", "\u0001".repeat(65_536));
            entry.putArray("VersionStages").add("AWSCURRENT");
            refs.add(SecretRef.parse("aws-sm:app/s" + i));
        }
        body.putArray("Errors");
        aws.server.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("secretsmanager.BatchGetSecretValue"))
                .willReturn(aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", SecretsManagerStubs.JSON)
                        .withBody(body.toString())));

        assertThat(source().fetchAll(refs)).hasSize(20);
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
