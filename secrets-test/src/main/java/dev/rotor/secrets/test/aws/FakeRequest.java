package dev.rotor.secrets.test.aws;

import java.time.Instant;
import java.util.Optional;

/**
 * One request the fake answered, for a test's assertions: when, which operation, which secret id (as the caller sent
 * it; none for {@code ListSecrets} and {@code BatchGetSecretValue}), the HTTP status and the error type of a failure.
 * It never holds a value or a request body. Immutable.
 *
 * <pre>{@code
 * assertThat(fake.requests()).extracting(FakeRequest::operation).containsExactly("DescribeSecret", "GetSecretValue");
 * }</pre>
 */
public final class FakeRequest {
    private final Instant at;
    private final String operation;
    private final String secretId;
    private final int status;
    private final String errorType;

    FakeRequest(Instant at, String operation, String secretId, int status, String errorType) {
        this.at = at;
        this.operation = operation;
        this.secretId = secretId;
        this.status = status;
        this.errorType = errorType;
    }

    /** When the fake answered, on its clock. */
    public Instant at() {
        return at;
    }

    /** The operation, such as {@code GetSecretValue} (the part of {@code X-Amz-Target} after the dot). */
    public String operation() {
        return operation;
    }

    /** The {@code SecretId} (or {@code Name} for {@code CreateSecret}) as the caller sent it. */
    public Optional<String> secretId() {
        return Optional.ofNullable(secretId);
    }

    /** The HTTP status code of the answer. */
    public int status() {
        return status;
    }

    /** The error type of a failed request, such as {@code ThrottlingException}. */
    public Optional<String> errorType() {
        return Optional.ofNullable(errorType);
    }

    @Override
    public String toString() {
        return operation + "(" + (secretId == null ? "" : secretId) + ") -> " + status
                + (errorType == null ? "" : " " + errorType);
    }
}
