package dev.rotor.secrets.aws;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.notContaining;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Hand-written WireMock answers, for what the test kit's stateful Secrets Manager fake cannot answer: malformed and
 * oversized bodies, planted error messages, error types it does not model, races between two calls. Requests are
 * {@code POST /} with {@code X-Amz-Target: secretsmanager.<Operation>} and a JSON body; answers are shaped as the API
 * reference shows them (content type {@code application/x-amz-json-1.1}, timestamps as epoch seconds), errors as HTTP
 * 400 with {@code {"__type", "message"}}. The newest stub for a request wins, so a test changes an answer by stubbing
 * again.
 */
final class SecretsManagerStubs implements AutoCloseable {
    static final String JSON = "application/x-amz-json-1.1";
    static final String ACCOUNT_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:";
    static final StaticCredentialsProvider TEST_CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLETEST", "test-secret-access-key"));

    private static final ObjectMapper MAPPER = new ObjectMapper();
    final WireMockServer server;

    SecretsManagerStubs() {
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
    }

    URI endpoint() {
        return URI.create(server.baseUrl());
    }

    /**
     * The real SDK client against this server, configured as the adapter's README advises (error messages withheld, answers size-capped),
     * without SDK retries (so that calls can be counted).
     */
    SecretsManagerClient client() {
        return SecretsManagerClient.builder()
                .endpointOverride(endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(TEST_CREDENTIALS)
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .addExecutionInterceptor(AwsSecretsManagerSource.errorMessageRedactor())
                        .addExecutionInterceptor(AwsSecretsManagerSource.responseSizeLimit()))
                .build();
    }

    static String arn(String name) {
        return ACCOUNT_ARN + name + "-AbCdEf";
    }

    // ---- DescribeSecret ----

    /** DescribeSecret for {@code id} answers these versions and stages, and the next rotation date if not null. */
    void describe(String id, Map<String, List<String>> versionsToStages, Instant nextRotation) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("ARN", arn(name(id)));
        body.put("Name", name(id));
        body.put("Description", "test secret");
        body.put("CreatedDate", seconds(Instant.parse("2025-06-01T00:00:00Z")));
        body.put("LastChangedDate", seconds(Instant.parse("2025-12-01T00:00:00Z")));
        if (nextRotation != null) {
            body.put("RotationEnabled", true);
            body.put("RotationLambdaARN", "arn:aws:lambda:us-east-1:123456789012:function:rotate-db");
            ObjectNode rules = body.putObject("RotationRules");
            rules.put("AutomaticallyAfterDays", 30);
            body.put("LastRotatedDate", seconds(Instant.parse("2025-12-01T00:00:00Z")));
            body.put("NextRotationDate", seconds(nextRotation));
        }
        ObjectNode map = body.putObject("VersionIdsToStages");
        versionsToStages.forEach((v, stages) -> {
            ArrayNode a = map.putArray(v);
            stages.forEach(a::add);
        });
        stub("DescribeSecret", id, ok(body));
    }

    /** DescribeSecret for a secret scheduled for deletion. */
    void describeDeleted(String id, Map<String, List<String>> versionsToStages) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("ARN", arn(name(id)));
        body.put("Name", name(id));
        body.put("DeletedDate", seconds(Instant.parse("2026-01-08T00:00:00Z")));
        ObjectNode map = body.putObject("VersionIdsToStages");
        versionsToStages.forEach((v, stages) -> {
            ArrayNode a = map.putArray(v);
            stages.forEach(a::add);
        });
        stub("DescribeSecret", id, ok(body));
    }

    // ---- GetSecretValue ----

    /** GetSecretValue for {@code id} without a stage or version (AWSCURRENT) answers this SecretString. */
    void current(String id, String versionId, String secretString) {
        server.stubFor(target("GetSecretValue", id)
                .withRequestBody(notContaining("\"VersionId\""))
                .withRequestBody(notContaining("\"VersionStage\""))
                .willReturn(ok(valueBody(id, versionId, List.of("AWSCURRENT"), secretString, null))));
    }

    // ---- BatchGetSecretValue ----

    /** Any BatchGetSecretValue fails with this error. */
    void batchFails(String type, String message) {
        server.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("secretsmanager.BatchGetSecretValue"))
                .willReturn(error(type, message)));
    }

    // ---- RotateSecret ----

    // ---- errors ----

    /** {@code operation} on {@code id} fails with HTTP 400 and this error type. */
    void fails(String operation, String id, String type, String message) {
        stub(operation, id, error(type, message));
    }

    /** {@code operation} on {@code id} answers {@code status} with this error type and, unless null, Retry-After. */
    void fails(String operation, String id, int status, String type, String retryAfter) {
        ResponseDefinitionBuilder r = error(type, "detail from the service").withStatus(status);
        if (retryAfter != null) {
            r = r.withHeader("Retry-After", retryAfter);
        }
        stub(operation, id, r);
    }

    static ResponseDefinitionBuilder error(String type, String message) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("__type", type);
        body.put("message", message);
        return aResponse().withStatus(400).withHeader("Content-Type", JSON).withBody(body.toString());
    }

    // ---- counting ----

    /** How many requests of {@code operation} the server received. */
    int count(String operation) {
        return requests(operation).size();
    }

    List<LoggedRequest> requests(String operation) {
        return server.findAll(
                postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("secretsmanager." + operation)));
    }

    @Override
    public void close() {
        server.stop();
    }

    // ---- helpers ----

    private void stub(String operation, String id, ResponseDefinitionBuilder response) {
        server.stubFor(target(operation, id).willReturn(response));
    }

    private static MappingBuilder target(String operation, String id) {
        return post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("secretsmanager." + operation))
                .withRequestBody(matchingJsonPath("$.SecretId", equalTo(id)));
    }

    private static ResponseDefinitionBuilder ok(ObjectNode body) {
        return aResponse().withStatus(200).withHeader("Content-Type", JSON).withBody(body.toString());
    }

    private static ObjectNode valueBody(
            String id, String versionId, List<String> stages, String secretString, byte[] binary) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("ARN", arn(name(id)));
        body.put("Name", name(id));
        body.put("VersionId", versionId);
        if (secretString != null) {
            body.put("SecretString", secretString);
        }
        if (binary != null) {
            body.put("SecretBinary", Base64.getEncoder().encodeToString(binary));
        }
        ArrayNode a = body.putArray("VersionStages");
        stages.forEach(a::add);
        body.put("CreatedDate", seconds(Instant.parse("2025-12-01T00:00:00Z")));
        return body;
    }

    /** The secret's name for an id that is a name or a full ARN. */
    static String name(String id) {
        if (id.startsWith(ACCOUNT_ARN)) {
            String rest = id.substring(ACCOUNT_ARN.length());
            return rest.substring(0, rest.lastIndexOf('-'));
        }
        return id;
    }

    /** Epoch seconds with milliseconds, as the service writes timestamps. */
    static BigDecimal seconds(Instant t) {
        return BigDecimal.valueOf(t.toEpochMilli()).movePointLeft(3);
    }
}
