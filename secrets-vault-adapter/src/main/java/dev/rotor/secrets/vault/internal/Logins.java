package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;

/**
 * The login call of the methods that prove an identity Vault checks with a third party (AWS STS, Google, Azure AD, an
 * LDAP server). Vault answers such a refusal (a wrong signature, a JWT for another audience, an expired JWT, a wrong
 * password, an identity the role is not bound to) with 400 and its reason: that is an access denied, so it surfaces as
 * a {@link SecretAccessDeniedException} carrying Vault's reason (a login answer quotes no secret), not as a
 * configuration error.
 */
final class Logins {
    private Logins() {}

    static LoginResult post(VaultHttp http, String path, ObjectNode body, String what, SecretRef ref) {
        JsonNode answer;
        try {
            answer = http.call("POST", path, body, null, what, ref);
        } catch (SecretConfigurationException refused) {
            throw new SecretAccessDeniedException(
                    bare(refused.getMessage(), ref, http.source()), ref, http.source(), refused);
        }
        return AuthMethod.fromAuth(answer, what, ref, http.source());
    }

    /** The message without the " [ref=..., source=...]" that the exception appended (the new one appends it again). */
    private static String bare(String message, SecretRef ref, String source) {
        String m = message == null ? "" : message;
        StringBuilder suffix = new StringBuilder(" [");
        if (ref != null) {
            suffix.append("ref=").append(ref);
        }
        if (source != null) {
            suffix.append(ref != null ? ", " : "").append("source=").append(source);
        }
        String s = suffix.append(']').toString();
        return m.endsWith(s) ? m.substring(0, m.length() - s.length()) : m;
    }
}
