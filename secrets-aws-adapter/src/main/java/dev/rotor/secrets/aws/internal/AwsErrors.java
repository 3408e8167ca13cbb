package dev.rotor.secrets.aws.internal;

import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spi.RetryAfter;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Maps what the AWS SDK throws to Rotor's exceptions. Messages name the operation and the AWS error code, never the
 * service's message (it may quote the request) and never a body; the SDK exception becomes a message-less cause.
 *
 * <pre>{@code
 * try { ... } catch (RuntimeException e) { throw AwsErrors.map(e, "GetSecretValue", ref, name, time.now()); }
 * }</pre>
 */
public final class AwsErrors {
    private static final Set<String> NOT_FOUND = Set.of("ResourceNotFoundException");
    private static final Set<String> DENIED = Set.of(
            "AccessDeniedException",
            "AccessDenied",
            "DecryptionFailure",
            "DecryptionFailureException",
            "UnrecognizedClientException",
            "InvalidClientTokenId",
            "InvalidSignatureException",
            "IncompleteSignature",
            "MissingAuthenticationToken",
            "ExpiredTokenException",
            "ExpiredToken");
    /** The codes AWS services use for a caller over its request rate. */
    private static final Set<String> THROTTLING =
            Set.of("ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded");

    private static final Set<String> TRANSIENT = Set.of(
            "InternalServiceError",
            "InternalServiceErrorException",
            "InternalFailure",
            "ServiceUnavailable",
            "ServiceUnavailableException",
            "RequestTimeout",
            "RequestTimeoutException");
    private static final Set<String> CONFIGURATION =
            Set.of("InvalidRequestException", "InvalidParameterException", "ValidationException");

    private AwsErrors() {}

    /**
     * The Rotor exception for a failure of {@code operation} on {@code ref} (which may be null for a batch). Throttling
     * (the codes above, HTTP 429, or what the SDK itself counts as throttling) is a {@link SourceThrottledException}
     * carrying the answer's {@code Retry-After} when it has one, read against {@code now} when it is a date.
     */
    public static SecretException map(Throwable t, String operation, SecretRef ref, String source, Instant now) {
        if (t instanceof SecretException) {
            return (SecretException) t;
        }
        ResponseSizeLimit.TooLarge tooLarge = causeOf(t, ResponseSizeLimit.TooLarge.class);
        if (tooLarge != null) {
            return new SecretFormatException(
                    operation + " answered more than " + tooLarge.cap()
                            + " bytes, more than Secrets Manager's limits allow; the answer was refused",
                    ref,
                    source,
                    t);
        }
        if (causeOf(t, ApiCallTimeoutException.class) != null
                || causeOf(t, ApiCallAttemptTimeoutException.class) != null) {
            return new SourceUnavailableException(
                    operation + " did not finish within the call deadline (apiCallTimeout, apiCallAttemptTimeout)",
                    ref,
                    source,
                    t);
        }
        if (t instanceof AwsServiceException) {
            AwsServiceException e = (AwsServiceException) t;
            String code = errorCode(e);
            int status = e.statusCode();
            String what = operation + " failed with " + (code.isEmpty() ? "HTTP " + status : code);
            if (NOT_FOUND.contains(code)) {
                return new SecretNotFoundException(
                        what + ": the secret, or the requested version or stage, does not exist", ref, source, e);
            }
            if (DENIED.contains(code) || status == 401 || status == 403) {
                return new SecretAccessDeniedException(
                        what + ": check the IAM permissions (and kms:Decrypt for a customer-managed key)",
                        ref,
                        source,
                        e);
            }
            if (THROTTLING.contains(code) || e.isThrottlingException() || status == 429) {
                Duration retryAfter = retryAfter(e, now);
                return new SourceThrottledException(
                        what + ": over the request rate"
                                + (retryAfter == null ? "" : "; retry after " + retryAfter.toSeconds() + " s"),
                        ref,
                        source,
                        retryAfter,
                        e);
            }
            if (TRANSIENT.contains(code) || status >= 500) {
                return new SourceUnavailableException(what, ref, source, e);
            }
            if (CONFIGURATION.contains(code)) {
                return new SecretConfigurationException(
                        what + ": the request does not fit the secret's state (for example a secret scheduled"
                                + " for deletion, a rotation already under way or no rotation function)",
                        ref,
                        source,
                        e);
            }
            return new SourceUnavailableException(what, ref, source, e);
        }
        if (t instanceof SdkClientException) {
            return new SourceUnavailableException(
                    operation + " could not reach AWS Secrets Manager ("
                            + t.getClass().getSimpleName() + ")",
                    ref,
                    source,
                    t);
        }
        return new SourceUnavailableException(
                operation + " failed with " + t.getClass().getName(), ref, source, t);
    }

    /** The answer's {@code Retry-After} (seconds or an HTTP date); null when it has none or a malformed one. */
    private static Duration retryAfter(AwsServiceException e, Instant now) {
        if (e.awsErrorDetails() == null || e.awsErrorDetails().sdkHttpResponse() == null) {
            return null;
        }
        return RetryAfter.parse(
                        e.awsErrorDetails()
                                .sdkHttpResponse()
                                .firstMatchingHeader("Retry-After")
                                .orElse(null),
                        now)
                .orElse(null);
    }

    private static <T extends Throwable> T causeOf(Throwable t, Class<T> type) {
        int depth = 0;
        for (Throwable c = t; c != null && depth < 16; c = c.getCause(), depth++) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    /** The AWS error code (the {@code __type} of the error body without its namespace), or empty. */
    public static String errorCode(AwsServiceException e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        if (code == null) {
            return "";
        }
        int hash = code.lastIndexOf('#');
        String plain = hash >= 0 ? code.substring(hash + 1) : code;
        int colon = plain.indexOf(':');
        return colon >= 0 ? plain.substring(0, colon) : plain;
    }
}
