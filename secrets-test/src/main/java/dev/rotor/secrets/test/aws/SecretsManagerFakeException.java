package dev.rotor.secrets.test.aws;

/**
 * An error the fake answers, as the service names it: the error type ({@code ResourceNotFoundException}, {@code
 * InvalidRequestException}, ...), the HTTP status code and a message. Over HTTP it becomes {@code {"__type": type,
 * "message": message}}; the fake's Java methods throw it as is.
 *
 * <pre>{@code
 * try {
 *     fake.putSecretValue("deleted/one", "x");
 * } catch (SecretsManagerFakeException e) {
 *     assert e.errorType().equals("InvalidRequestException");
 * }
 * }</pre>
 */
public final class SecretsManagerFakeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String errorType;
    private final int statusCode;
    private final String serviceMessage;
    private String retryAfter;

    /** An error of this type, status and message; the message must not hold a secret value. */
    public SecretsManagerFakeException(String errorType, int statusCode, String message) {
        super(errorType + ": " + message);
        this.errorType = errorType;
        this.statusCode = statusCode;
        this.serviceMessage = message;
    }

    static SecretsManagerFakeException client(String errorType, String message) {
        return new SecretsManagerFakeException(errorType, 400, message);
    }

    /** This error, answered with a {@code Retry-After} header of {@code value} (null: without one). */
    SecretsManagerFakeException withRetryAfter(String value) {
        this.retryAfter = value;
        return this;
    }

    /** The {@code Retry-After} header the fake answers with, or null. */
    String retryAfter() {
        return retryAfter;
    }

    static SecretsManagerFakeException notFound(String message) {
        return client("ResourceNotFoundException", message);
    }

    static SecretsManagerFakeException invalidParameter(String message) {
        return client("InvalidParameterException", message);
    }

    static SecretsManagerFakeException invalidRequest(String message) {
        return client("InvalidRequestException", message);
    }

    /** The error type, as the service writes it in {@code __type}. */
    public String errorType() {
        return errorType;
    }

    /** The HTTP status code the fake answers with. */
    public int statusCode() {
        return statusCode;
    }

    /** The message the fake answers with, as the service would write it. */
    public String serviceMessage() {
        return serviceMessage;
    }
}
