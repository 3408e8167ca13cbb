package dev.rotor.secrets.kubernetes.internal;

import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * Maps what the fabric8 client throws to Rotor's exceptions. Messages name the operation, the HTTP status and the
 * ref; never the server's message or a response body (a Status message can quote a request). A failure without an
 * HTTP status (connection refused, a timeout, TLS) keeps its cause, whose message is about the connection. Stateless.
 *
 * <table>
 *   <caption>status to exception</caption>
 *   <tr><th>status</th><th>exception</th><th>retryable</th></tr>
 *   <tr><td>401, 403</td><td>{@link SecretAccessDeniedException}</td><td>no</td></tr>
 *   <tr><td>404, 410</td><td>{@link SecretNotFoundException}</td><td>no</td></tr>
 *   <tr><td>429</td><td>{@link SourceThrottledException}, with the answer's wait</td><td>yes</td></tr>
 *   <tr><td>400, 405, 406, 415, 422</td><td>{@link SecretConfigurationException}</td><td>no</td></tr>
 *   <tr><td>5xx, 408, 409, any other, no status</td><td>{@link SourceUnavailableException}</td><td>yes</td></tr>
 * </table>
 */
public final class KubernetesErrors {
    private KubernetesErrors() {}

    /** The exception a failed {@code operation} on {@code ref} stands for. */
    public static SecretException map(RuntimeException e, String operation, SecretRef ref, String source) {
        if (e instanceof SecretException) {
            return (SecretException) e;
        }
        KubernetesClientException k = find(e);
        int code = k == null ? 0 : k.getCode();
        String what = operation + " answered HTTP " + code;
        switch (code) {
            case 401:
                return new SecretAccessDeniedException(
                        what + ": the API server did not accept the client's credentials", ref, source);
            case 403:
                return new SecretAccessDeniedException(
                        what + ": forbidden; the identity needs get (and list, watch) on secrets in the namespace",
                        ref,
                        source);
            case 404:
            case 410:
                return new SecretNotFoundException(what + ": no such Secret (or namespace)", ref, source);
            case 429:
                return new SourceThrottledException(
                        what + ": the API server is throttling (API Priority and Fairness)",
                        ref,
                        source,
                        retryAfter(k).orElse(null),
                        null);
            case 400:
            case 405:
            case 406:
            case 415:
            case 422:
                return new SecretConfigurationException(what + ": the request was refused as invalid", ref, source);
            case 0:
                return new SourceUnavailableException(
                        operation + " failed without an answer (" + rootKind(e) + ")", ref, source, transportCause(e));
            default:
                return new SourceUnavailableException(what + ": the API server is unavailable", ref, source);
        }
    }

    /** The HTTP status of {@code e}, or 0 when it has none. */
    public static int code(Throwable e) {
        KubernetesClientException k = find(e);
        return k == null ? 0 : k.getCode();
    }

    /** The wait a 429 asks for: the Status's {@code details.retryAfterSeconds}, which the API server sets with its {@code Retry-After} header. */
    static Optional<Duration> retryAfter(KubernetesClientException k) {
        Status status = k.getStatus();
        if (status == null || status.getDetails() == null) {
            return Optional.empty();
        }
        Integer seconds = status.getDetails().getRetryAfterSeconds();
        return seconds == null || seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    }

    private static KubernetesClientException find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException && ((KubernetesClientException) t).getCode() > 0) {
                return (KubernetesClientException) t;
            }
        }
        return null;
    }

    private static String rootKind(Throwable e) {
        Throwable last = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            last = t;
            if (t instanceof InterruptedIOException || t instanceof TimeoutException) {
                return "timed out";
            }
        }
        return last.getClass().getSimpleName();
    }

    /** The I/O failure under {@code e} (its message is about the connection), else none: no client message travels. */
    private static Throwable transportCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof TimeoutException) {
                return t;
            }
        }
        return null;
    }
}
