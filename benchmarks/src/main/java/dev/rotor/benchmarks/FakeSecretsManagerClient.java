package dev.rotor.benchmarks;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretRequest;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * An in-memory stand-in for the AWS Secrets Manager client: {@code describeSecret} and {@code getSecretValue} answer
 * from a map, every secret has one version staged {@code AWSCURRENT}. Like the real client, every call builds a new
 * response object (the real one parses a fresh HTTP answer), so a cache that keeps responses pays for them. Every
 * other operation throws {@link UnsupportedOperationException} (the interface's defaults). Thread-safe.
 */
public final class FakeSecretsManagerClient implements SecretsManagerClient {
    private static final String VERSION_ID = "00000000-0000-0000-0000-000000000001";
    private static final List<String> CURRENT = List.of("AWSCURRENT");

    private final Map<String, String> values = new ConcurrentHashMap<>();
    private final AtomicLong describeCalls = new AtomicLong();
    private final AtomicLong getCalls = new AtomicLong();

    public void put(String secretId, String value) {
        values.put(secretId, value);
    }

    public long describeCalls() {
        return describeCalls.get();
    }

    public long getCalls() {
        return getCalls.get();
    }

    @Override
    public DescribeSecretResponse describeSecret(DescribeSecretRequest request) {
        describeCalls.incrementAndGet();
        String id = request.secretId();
        if (!values.containsKey(id)) {
            throw ResourceNotFoundException.builder().message("not found").build();
        }
        return DescribeSecretResponse.builder()
                .arn("arn:aws:secretsmanager:eu-west-1:000000000000:secret:" + id)
                .name(id)
                .versionIdsToStages(Map.of(VERSION_ID, CURRENT))
                .build();
    }

    @Override
    public GetSecretValueResponse getSecretValue(GetSecretValueRequest request) {
        getCalls.incrementAndGet();
        String id = request.secretId();
        String value = values.get(id);
        if (value == null) {
            throw ResourceNotFoundException.builder().message("not found").build();
        }
        return GetSecretValueResponse.builder()
                .arn("arn:aws:secretsmanager:eu-west-1:000000000000:secret:" + id)
                .name(id)
                .versionId(VERSION_ID)
                .versionStages(CURRENT)
                .secretString(new String(value))
                .createdDate(Instant.now())
                .build();
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {}
}
