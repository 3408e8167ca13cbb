package dev.rotor.secrets.azure.internal;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.json.JsonSerializable;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.concurrent.TimeoutException;

/**
 * Maps what the Azure SDK (and {@link AnswerPolicy}) throws to Rotor's exceptions. Messages name the operation, the
 * HTTP status and Key Vault's error codes, never the service's message and never a body; the SDK's exception becomes
 * a message-less cause.
 *
 * <pre>{@code
 * try { ... } catch (RuntimeException e) { throw KeyVaultErrors.map(e, "GetSecret", ref, name, time.now()); }
 * }</pre>
 */
public final class KeyVaultErrors {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private KeyVaultErrors() {}

    /** The Rotor exception for a failure of {@code operation} on {@code ref}. */
    public static SecretException map(Throwable t, String operation, SecretRef ref, String source, Instant now) {
        if (t instanceof SecretException) {
            return (SecretException) t;
        }
        AnswerPolicy.TooLarge tooLarge = causeOf(t, AnswerPolicy.TooLarge.class);
        if (tooLarge != null) {
            return new SecretFormatException(
                    operation + " answered more than " + tooLarge.cap()
                            + " bytes, more than Key Vault's limits allow; the answer was refused",
                    ref,
                    source,
                    tooLarge);
        }
        AnswerPolicy.Malformed malformed = causeOf(t, AnswerPolicy.Malformed.class);
        if (malformed != null) {
            return new SecretFormatException(
                    operation + " answered something that is not a JSON object; the answer was refused",
                    ref,
                    source,
                    malformed);
        }
        KeyVaultFailure failure = causeOf(t, KeyVaultFailure.class);
        if (failure != null) {
            return byStatus(
                    failure.status(),
                    failure.code(),
                    failure.innerCode(),
                    failure.retryAfter(),
                    operation,
                    ref,
                    source,
                    now,
                    failure);
        }
        if (causeOf(t, TimeoutException.class) != null) {
            return new SourceUnavailableException(
                    operation + " did not finish within the call deadline (callTimeout)", ref, source, t);
        }
        HttpResponseException http = causeOf(t, HttpResponseException.class);
        if (http != null && http.getResponse() != null) {
            int status = http.getResponse().getStatusCode();
            String[] codes = codes(http);
            return byStatus(
                    status,
                    codes[0],
                    codes[1],
                    http.getResponse().getHeaderValue("Retry-After"),
                    operation,
                    ref,
                    source,
                    now,
                    http);
        }
        ClientAuthenticationException auth = causeOf(t, ClientAuthenticationException.class);
        if (auth != null
                && (causeOf(auth, java.io.IOException.class) != null
                        || causeOf(auth, TimeoutException.class) != null)) {
            // the identity endpoint (managed identity, Entra ID) did not answer: the credential may be fine
            return new SourceUnavailableException(
                    operation + " could not reach the identity endpoint for a token (" + rootClass(auth) + ")",
                    ref,
                    source,
                    auth);
        }
        if (auth != null) {
            return new SecretAccessDeniedException(
                    operation + " could not get a token for Key Vault ("
                            + auth.getClass().getSimpleName()
                            + "): check the credential (managed identity, workload identity, environment)",
                    ref,
                    source,
                    auth);
        }
        if (t instanceof ResourceNotFoundException) {
            return new SecretNotFoundException(operation + ": the secret or version does not exist", ref, source, t);
        }
        return new SourceUnavailableException(
                operation + " could not reach Azure Key Vault (" + rootClass(t) + ")", ref, source, t);
    }

    private static SecretException byStatus(
            int status,
            String code,
            String inner,
            String retryAfter,
            String operation,
            SecretRef ref,
            String source,
            Instant now,
            Throwable cause) {
        String what = operation + " failed with HTTP " + status + (code == null ? "" : " " + code)
                + (inner == null ? "" : " (" + inner + ")");
        if (status == 404) {
            return new SecretNotFoundException(
                    what + ": the secret or version does not exist, or it is deleted (a soft-deleted secret can be"
                            + " recovered)",
                    ref,
                    source,
                    cause);
        }
        if (status == 403 && "SecretDisabled".equals(inner)) {
            return new SecretNotFoundException(
                    what + ": the secret's version is disabled; enable it, or set a new enabled version",
                    ref,
                    source,
                    cause);
        }
        if (status == 401 || status == 403) {
            return new SecretAccessDeniedException(
                    what + ": the identity may not get this secret (an access policy with secrets/get, or the RBAC"
                            + " role Key Vault Secrets User; and the vault's network rules)",
                    ref,
                    source,
                    cause);
        }
        if (status == 429) {
            Duration wait = RetryAfter.parse(retryAfter, now).orElse(null);
            return new SourceThrottledException(
                    what + ": over the vault's request rate"
                            + (wait == null ? "" : "; retry after " + wait.toSeconds() + " s"),
                    ref,
                    source,
                    wait,
                    cause);
        }
        if (status >= 500 || status == 408) {
            return new SourceUnavailableException(what, ref, source, cause);
        }
        if (status == 400 || status == 409) {
            return new SecretConfigurationException(
                    what + ": the request does not fit the secret's state or the vault", ref, source, cause);
        }
        return new SourceUnavailableException(what, ref, source, cause);
    }

    /** Key Vault's error code and inner code from a client of the user's, which has no {@link AnswerPolicy}. */
    private static String[] codes(HttpResponseException e) {
        Object value = e.getValue();
        if (value instanceof JsonSerializable) {
            try {
                JsonNode root = MAPPER.readTree(((JsonSerializable<?>) value).toJsonString());
                JsonNode error = root.has("error") ? root.path("error") : root;
                return new String[] {
                    code(error.path("code")), code(error.path("innererror").path("code"))
                };
            } catch (java.io.IOException | RuntimeException unreadable) {
                // the status alone decides
            }
        }
        return new String[] {null, null};
    }

    private static String code(JsonNode n) {
        if (!n.isTextual()) {
            return null;
        }
        String t = n.asText();
        return t.length() <= 64 && t.matches("[A-Za-z0-9_.-]+") ? t : null;
    }

    private static String rootClass(Throwable t) {
        Throwable c = t;
        for (int depth = 0; c.getCause() != null && c.getCause() != c && depth < 16; depth++) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName();
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
}
