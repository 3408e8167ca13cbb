package dev.rotor.secrets.gcp.internal;

import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.ErrorDetails;
import com.google.rpc.RetryInfo;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.gcp.SecretVersionNotEnabledException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps what the Google client throws to Rotor's exceptions, by gRPC status code. Messages name the operation, the
 * status code, the ref and the source, never the store's description; the client's exception becomes a {@link
 * StatusOnly} cause.
 *
 * <pre>{@code
 * try { ... } catch (RuntimeException e) { throw GcpErrors.map(e, "AccessSecretVersion", ref, name); }
 * }</pre>
 *
 * <p>The description is read, never quoted, for two things only: the state Secret Manager names when it refuses a
 * version that is not enabled ({@code "Secret Version [...versions/3] is in DISABLED state."}), and the gRPC
 * library's own refusal of an answer over the client's inbound message size, which it reports as {@code
 * RESOURCE_EXHAUSTED} like a quota.
 */
public final class GcpErrors {
    private static final Pattern STATE =
            Pattern.compile("versions/([0-9]{1,19})\\]? is (?:in|not in) (DISABLED|DESTROYED|ENABLED) state");
    private static final Pattern STATE_WORD = Pattern.compile("\\b(DISABLED|DESTROYED)\\b");

    private GcpErrors() {}

    /** The Rotor exception for a failure of {@code operation} on {@code ref}. */
    public static SecretException map(Throwable t, String operation, SecretRef ref, String source) {
        if (t instanceof SecretException) {
            return (SecretException) t;
        }
        Status status = statusOf(t);
        if (status == null) {
            return new SourceUnavailableException(
                    operation + " could not reach Google Secret Manager ("
                            + t.getClass().getSimpleName() + ")",
                    ref,
                    source,
                    StatusOnly.of(t.getClass().getSimpleName(), t));
        }
        Status.Code code = status.getCode();
        String description = status.getDescription() == null ? "" : status.getDescription();
        StatusOnly cause = StatusOnly.of(code.name(), t);
        String what = operation + " failed with " + code.name();
        switch (code) {
            case NOT_FOUND:
                return new SecretNotFoundException(
                        what + ": the secret or the version does not exist (or the secret was deleted)",
                        ref,
                        source,
                        cause);
            case PERMISSION_DENIED:
                return new SecretAccessDeniedException(
                        what + ": the caller needs secretmanager.versions.access on the secret"
                                + " (roles/secretmanager.secretAccessor)",
                        ref,
                        source,
                        cause);
            case UNAUTHENTICATED:
                return new SecretAccessDeniedException(
                        what + ": the credentials were refused (expired, revoked or for another audience)",
                        ref,
                        source,
                        cause);
            case RESOURCE_EXHAUSTED:
                if (isLocalSizeCap(description)) {
                    return new SecretFormatException(
                            operation + " answered more than the client's inbound message size, more than Secret"
                                    + " Manager's limits allow; the answer was refused",
                            ref,
                            source,
                            cause);
                }
                Duration wait = retryDelay(t).orElse(null);
                return new SourceThrottledException(
                        what + ": over the project's request quota"
                                + (wait == null ? "" : "; retry after " + wait.toMillis() + " ms"),
                        ref,
                        source,
                        wait,
                        cause);
            case FAILED_PRECONDITION:
                Optional<SecretVersionNotEnabledException> notEnabled =
                        notEnabled(description, what, ref, source, cause);
                if (notEnabled.isPresent()) {
                    return notEnabled.get();
                }
                return new SecretConfigurationException(
                        what + ": the secret's state does not allow the call (for example a customer-managed"
                                + " encryption key that is disabled)",
                        ref,
                        source,
                        cause);
            case UNAVAILABLE:
            case DEADLINE_EXCEEDED:
            case INTERNAL:
            case UNKNOWN:
            case ABORTED:
            case CANCELLED:
            case DATA_LOSS:
                return new SourceUnavailableException(
                        what + (code == Status.Code.DEADLINE_EXCEEDED ? ": past the call deadline (callTimeout)" : ""),
                        ref,
                        source,
                        cause);
            case INVALID_ARGUMENT:
            case OUT_OF_RANGE:
            case UNIMPLEMENTED:
            case ALREADY_EXISTS:
                return new SecretConfigurationException(
                        what + ": the store refused the request (a regional secret asked of the global endpoint,"
                                + " or a name it does not accept)",
                        ref,
                        source,
                        cause);
            default:
                return new SourceUnavailableException(what, ref, source, cause);
        }
    }

    /**
     * The refusal of a version that is not enabled, with the state and the version number the store named; empty when
     * the description names neither state.
     */
    private static Optional<SecretVersionNotEnabledException> notEnabled(
            String description, String what, SecretRef ref, String source, Throwable cause) {
        Matcher m = STATE.matcher(description);
        String number = null;
        String state = null;
        if (m.find()) {
            number = m.group(1);
            state = m.group(2);
        }
        if (state == null || state.equals("ENABLED")) {
            Matcher w = STATE_WORD.matcher(description);
            state = w.find() ? w.group(1) : null;
        }
        if (state == null) {
            return Optional.empty();
        }
        SecretVersionNotEnabledException.State s = SecretVersionNotEnabledException.State.valueOf(state);
        String which = number == null ? "the version" : "version " + number;
        String message = what + ": " + which + " is " + state
                + (s == SecretVersionNotEnabledException.State.DISABLED
                        ? "; enable it, or add a new version (a ref to 'latest' reads the most recently created one,"
                                + " enabled or not)"
                        : "; its data is gone for good; add a new version or name an enabled one");
        return Optional.of(new SecretVersionNotEnabledException(message, ref, source, s, number, cause));
    }

    /** Whether the status is the gRPC library's own refusal of an inbound message over the size limit. */
    private static boolean isLocalSizeCap(String description) {
        return description.startsWith("gRPC message exceeds maximum size")
                || description.contains("exceeds maximum size")
                || description.startsWith("Received message larger than max");
    }

    /** The retry delay of a {@code google.rpc.RetryInfo} detail, if the status carries one. */
    static Optional<Duration> retryDelay(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ApiException) {
                ErrorDetails details = ((ApiException) c).getErrorDetails();
                RetryInfo info = details == null ? null : details.getRetryInfo();
                if (info != null && info.hasRetryDelay()) {
                    com.google.protobuf.Duration d = info.getRetryDelay();
                    return Optional.of(Duration.ofSeconds(d.getSeconds(), d.getNanos()));
                }
            }
        }
        return Optional.empty();
    }

    /** The gRPC status behind {@code t}; null when it has none. */
    static Status statusOf(Throwable t) {
        int depth = 0;
        for (Throwable c = t; c != null && depth < 16; c = c.getCause(), depth++) {
            if (c instanceof StatusRuntimeException) {
                return ((StatusRuntimeException) c).getStatus();
            }
            if (c instanceof StatusException) {
                return ((StatusException) c).getStatus();
            }
        }
        for (Throwable c = t; c != null && depth < 32; c = c.getCause(), depth++) {
            if (c instanceof ApiException) {
                Object code = ((ApiException) c).getStatusCode().getCode();
                try {
                    return Status.fromCode(Status.Code.valueOf(code.toString()));
                } catch (IllegalArgumentException e) {
                    return Status.UNKNOWN;
                }
            }
        }
        return null;
    }
}
