package dev.rotor.secrets.test.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.test.ManualClock;
import dev.rotor.secrets.test.ManualScheduler;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fake's wire protocol spoken by hand over plain HTTP (the test kit does not depend on the AWS SDK; the SDK's view
 * of the fake is tested in the AWS adapter): AWS JSON 1.1 requests, answers, error bodies and headers.
 */
class SecretsManagerFakeProtocolTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ManualScheduler scheduler =
            new ManualScheduler(new ManualClock(Instant.parse("2026-03-01T10:00:00Z")));
    private final SecretsManagerFake fake =
            SecretsManagerFake.builder().scheduler(scheduler).start();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        fake.close();
    }

    private HttpResponse<String> call(String target, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fake.endpoint() + "/"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-amz-json-1.1")
                // any SigV4 header is accepted and never verified
                .header(
                        "Authorization",
                        "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260301/us-east-1/secretsmanager/aws4_request")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (target != null) {
            b.header("X-Amz-Target", target);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return MAPPER.readTree(r.body());
    }

    @Test
    void createThenGet_answersJson11WithEpochSecondsAndARequestId() throws Exception {
        HttpResponse<String> created =
                call("secretsmanager.CreateSecret", "{\"Name\":\"prod/db\",\"SecretString\":\"p1\"}");
        HttpResponse<String> got = call("secretsmanager.GetSecretValue", "{\"SecretId\":\"prod/db\"}");

        assertThat(created.statusCode()).isEqualTo(200);
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.headers().firstValue("Content-Type")).contains("application/x-amz-json-1.1");
        assertThat(got.headers().firstValue("x-amzn-RequestId")).isPresent();
        JsonNode body = json(got);
        assertThat(body.get("SecretString").asText()).isEqualTo("p1");
        assertThat(body.get("VersionId").asText())
                .isEqualTo(json(created).get("VersionId").asText());
        assertThat(body.get("ARN").asText())
                .startsWith("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-");
        assertThat(body.get("CreatedDate").decimalValue())
                .isEqualByComparingTo(
                        Long.toString(Instant.parse("2026-03-01T10:00:00Z").getEpochSecond()));
    }

    @Test
    void error_isTypeAndMessageWithStatus400() throws Exception {
        HttpResponse<String> r = call("secretsmanager.GetSecretValue", "{\"SecretId\":\"no/such\"}");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("__type").asText()).isEqualTo("ResourceNotFoundException");
        assertThat(json(r).get("message").asText()).isNotBlank();
        assertThat(r.headers().firstValue("x-amzn-RequestId")).isPresent();
    }

    @Test
    void internalError_isStatus500() throws Exception {
        fake.failInternally();

        HttpResponse<String> r = call("secretsmanager.ListSecrets", "{}");

        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(json(r).get("__type").asText()).isEqualTo("InternalServiceError");
    }

    @Test
    void unknownOrMissingTarget_isUnknownOperation() throws Exception {
        assertThat(json(call("secretsmanager.TagResource", "{}")).get("__type").asText())
                .isEqualTo("UnknownOperationException");
        assertThat(json(call(null, "{}")).get("__type").asText()).isEqualTo("UnknownOperationException");
    }

    @Test
    void bodyThatIsNotJson_isSerializationException() throws Exception {
        HttpResponse<String> r = call("secretsmanager.GetSecretValue", "not json");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("__type").asText()).isEqualTo("SerializationException");
    }

    @Test
    void rotationStepsRunOnTheInjectedSchedulerOnly() throws Exception {
        fake.createSecret("prod/db", "p1");
        fake.enableRotation("prod/db", RotationFunction.generating(old -> old + "-next"));

        String token = json(call("secretsmanager.RotateSecret", "{\"SecretId\":\"prod/db\"}"))
                .get("VersionId")
                .asText();
        assertThat(fake.versionWith("prod/db", "AWSPENDING")).isEmpty();

        scheduler.advance(Duration.ofSeconds(4));

        assertThat(fake.versionWith("prod/db", "AWSCURRENT")).contains(token);
        assertThat(fake.secretString("prod/db", "AWSCURRENT")).contains("p1-next");
    }

    @Test
    void javaHandle_refusesLikeTheStore() {
        fake.createSecret("prod/db", "p1");
        fake.deleteSecret("prod/db");

        assertThatThrownBy(() -> fake.putSecretValue("prod/db", "p2"))
                .isInstanceOfSatisfying(SecretsManagerFakeException.class, e -> {
                    assertThat(e.errorType()).isEqualTo("InvalidRequestException");
                    assertThat(e.statusCode()).isEqualTo(400);
                });
        assertThatThrownBy(() -> fake.putSecretValue("prod/db", "short-token", "p2"))
                .isInstanceOf(SecretsManagerFakeException.class);
    }

    @Test
    void requestLog_recordsOperationSecretIdStatusAndErrorType() throws Exception {
        fake.throttle("DescribeSecret");

        call("secretsmanager.DescribeSecret", "{\"SecretId\":\"prod/db\"}");

        FakeRequest r = fake.requests().get(0);
        assertThat(r.operation()).isEqualTo("DescribeSecret");
        assertThat(r.secretId()).contains("prod/db");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorType()).contains("ThrottlingException");
        assertThat(r.at()).isEqualTo(scheduler.clock().now());
    }

    @Test
    void drip_sendsHeadersAtOnceThenTheUsualAnswerOneByteAtATime() throws Exception {
        fake.createSecret("prod/db", "p1");
        String whole = call("secretsmanager.GetSecretValue", "{\"SecretId\":\"prod/db\"}")
                .body();
        fake.drip(Duration.ofMillis(5), "GetSecretValue");

        HttpRequest request = HttpRequest.newBuilder(URI.create(fake.endpoint() + "/"))
                .timeout(Duration.ofSeconds(30))
                .header("X-Amz-Target", "secretsmanager.GetSecretValue")
                .POST(HttpRequest.BodyPublishers.ofString("{\"SecretId\":\"prod/db\"}"))
                .build();
        long start = System.nanoTime();
        HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        long headersAfter = System.nanoTime() - start;
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        int reads = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[8192];
            for (int n = in.read(buf); n >= 0 && reads < 100_000; n = in.read(buf)) {
                body.write(buf, 0, n);
                reads++;
            }
        }
        long bodyAfter = System.nanoTime() - start;

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(body.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(whole);
        // every byte but the last is followed by one interval: the body cannot arrive faster than that
        assertThat(Duration.ofNanos(bodyAfter - headersAfter))
                .isGreaterThanOrEqualTo(Duration.ofMillis(5L * (whole.length() - 1)));
        assertThat(reads).as("the body arrived in pieces").isGreaterThan(whole.length() / 4);
    }

    @Test
    void drip_onOtherOperationsOnly_leavesThisOneWhole() throws Exception {
        fake.createSecret("prod/db", "p1");
        fake.drip(Duration.ofSeconds(30), "DescribeSecret");

        HttpResponse<String> r = call("secretsmanager.GetSecretValue", "{\"SecretId\":\"prod/db\"}");

        assertThat(json(r).get("SecretString").asText()).isEqualTo("p1");
        fake.clearFaults();
        assertThat(call("secretsmanager.DescribeSecret", "{\"SecretId\":\"prod/db\"}")
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void drip_refusesAnIntervalThatIsNotPositive() {
        assertThatThrownBy(() -> fake.drip(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
