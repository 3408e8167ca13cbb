package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.secrets.LeaseExpiredException;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import java.time.Duration;
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
        return map(status, body, null, what, ref, source);
    }

    /**
     * The exception for an HTTP error status; {@code body} may be null when it was not JSON. A 429 (a rate limit quota
     * exceeded, or a standby without request forwarding) is a {@link SourceThrottledException} carrying {@code
     * retryAfter}, the wait the answer's headers asked for (null when they did not say).
     */
    public static SecretException map(
            int status, JsonNode body, Duration retryAfter, String what, SecretRef ref, String source) {
        String errors = errors(body);
        String lower = errors.toLowerCase(Locale.ROOT);
        String msg = what + " failed: HTTP " + status + (errors.isEmpty() ? "" : " (" + errors + ")");
        switch (status) {
            case 400:
                // Vault's lease checks: "lease not found or lease is not renewable", "lease expired", "lease is not
                // renewable". Each means the lease cannot be kept: the secret is re-issued rather than renewed again.
                if (lower.contains("lease not found")
                        || lower.contains("invalid lease")
                        || lower.contains("lease expired")
                        || lower.contains("lease is not renewable")) {
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
                String gone = kvVersionGone(body);
                if (gone != null) {
                    return new SecretNotFoundException(what + ": " + gone, ref, source);
                }
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
                if (status == 429) {
                    return new SourceThrottledException(
                            msg
                                    + describeUnavailable(status)
                                    + (retryAfter == null ? "" : "; retry after " + retryAfter.toSeconds() + " s"),
                            ref,
                            source,
                            retryAfter,
                            null);
                }
                if (status == 412 || status == 472 || status == 473 || status >= 500) {
                    return new SourceUnavailableException(msg + describeUnavailable(status), ref, source);
                }
                return new SecretConfigurationException(msg, ref, source);
        }
    }

    /**
     * KV v2 answers a read of a soft-deleted or destroyed version with 404 and {@code {"data":{"data":null,
     * "metadata":{"version":N,"deletion_time":T,"destroyed":B}}}}: says which happened to which version, or null when
     * the body is not that answer. Only metadata is read (never a value).
     */
    static String kvVersionGone(JsonNode body) {
        if (body == null || !body.isObject()) {
            return null;
        }
        JsonNode data = body.get("data");
        if (data == null || !data.isObject()) {
            return null;
        }
        JsonNode values = data.get("data");
        JsonNode meta = data.get("metadata");
        if ((values != null && !values.isNull()) || meta == null || !meta.isObject()) {
            return null;
        }
        return describeGone(meta.path("version").asLong(0), meta.get("deletion_time"), meta.get("destroyed"));
    }

    /** "version 4 was destroyed" / "version 4 was deleted at T"; null when neither. */
    static String describeGone(long version, JsonNode deletionTime, JsonNode destroyed) {
        String v = version > 0 ? "version " + version : "the version";
        if (destroyed != null && destroyed.asBoolean(false)) {
            return v + " was destroyed";
        }
        String t = deletionTime == null || !deletionTime.isTextual() ? "" : deletionTime.asText();
        if (!t.isEmpty()) {
            return v + " was deleted at " + t.replaceAll("[^0-9A-Za-z:.+-]", "");
        }
        return null;
    }

    private static String describeUnavailable(int status) {
        switch (status) {
            case 503:
                return "; Vault is sealed, in maintenance or a standby";
            case 429:
                return "; throttled by a rate limit quota, or a standby without request forwarding";
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
