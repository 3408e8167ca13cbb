package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.secrets.LeaseExpiredException;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceUnavailableException;
import java.util.Locale;

/**
 * Maps a Vault error answer to Rotor's typed exceptions. Vault's {@code {"errors":[...]}} messages are kept (cut short
 * and stripped of control characters) only when the body holds no {@code data}: a body with data is never quoted.
 */
public final class VaultErrors {
    private static final int MAX_MESSAGE = 200;

    private VaultErrors() {}

    /** The exception for an HTTP error status; {@code body} may be null when it was not JSON. */
    public static SecretException map(int status, JsonNode body, String what, SecretRef ref, String source) {
        String errors = errors(body);
        String lower = errors.toLowerCase(Locale.ROOT);
        String msg = what + " failed: HTTP " + status + (errors.isEmpty() ? "" : " (" + errors + ")");
        switch (status) {
            case 400:
                if (lower.contains("lease not found") || lower.contains("invalid lease")) {
                    return new LeaseExpiredException(msg, ref, source);
                }
                if (lower.contains("wrapping token is not valid") || lower.contains("wrapping token")) {
                    return new SecretAccessDeniedException(
                            what + " failed: the wrapping token was already used or has expired (a wrapping token"
                                    + " can be unwrapped once)",
                            ref,
                            source);
                }
                return new SecretConfigurationException(msg, ref, source);
            case 401:
            case 403:
                return new SecretAccessDeniedException(msg, ref, source);
            case 404:
                return new SecretNotFoundException(msg, ref, source);
            case 405:
                return new SecretConfigurationException(msg, ref, source);
            default:
                if (status >= 300 && status < 400) {
                    // redirects are not followed (the token must not travel to another host): a standby without
                    // request forwarding answers this way
                    return new SourceUnavailableException(
                            what + " failed: Vault redirected (HTTP " + status + "); point the address at the active"
                                    + " node or a load balancer, or enable request forwarding",
                            ref,
                            source);
                }
                if (status == 412 || status == 429 || status == 472 || status == 473 || status >= 500) {
                    return new SourceUnavailableException(msg + describeUnavailable(status), ref, source);
                }
                return new SecretConfigurationException(msg, ref, source);
        }
    }

    private static String describeUnavailable(int status) {
        switch (status) {
            case 503:
                return "; Vault is sealed, in maintenance or a standby";
            case 429:
                return "; rate limited, or a standby answering a health check";
            case 412:
                return "; the node has not caught up with the write yet";
            default:
                return "";
        }
    }

    /** Vault's error strings, joined; empty when absent or when the body carries data. */
    static String errors(JsonNode body) {
        if (body == null || !body.isObject() || body.has("data")) {
            return "";
        }
        JsonNode errs = body.get("errors");
        if (errs == null || !errs.isArray()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : errs) {
            if (!e.isTextual()) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(e.asText());
            if (sb.length() > MAX_MESSAGE) {
                break;
            }
        }
        String s = sb.toString().replaceAll("\\p{Cntrl}", " ");
        return s.length() > MAX_MESSAGE ? s.substring(0, MAX_MESSAGE) + "..." : s;
    }
}
