package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.secrets.SourceIdentity;
import java.util.ArrayList;
import java.util.List;

/**
 * Who a Vault token belongs to, from what Vault said about it: the {@code auth} object of a login answer ({@code
 * entity_id}, {@code display_name}, {@code policies} or {@code token_policies}, {@code metadata}) or the {@code data}
 * of {@code auth/token/lookup-self} ({@code entity_id}, {@code display_name}, {@code policies}, {@code meta}, {@code
 * path}). The principal is the entity id, else the display name, else the token's path. Of the metadata only the
 * well-known names that say who the caller is are kept ({@code role_name}, {@code role}, {@code
 * service_account_name}, {@code service_account_namespace}, {@code username}); never the token, its accessor or
 * anything else Vault returned.
 */
final class VaultIdentity {
    private static final List<String> KEPT_METADATA =
            List.of("service_account_name", "service_account_namespace", "username");

    private VaultIdentity() {}

    /** From a login answer's {@code auth} object; {@code fallback} names a token that has neither entity nor name. */
    static SourceIdentity fromAuth(JsonNode auth, String fallback) {
        return of(auth, "metadata", policies(auth, "policies", "token_policies"), fallback);
    }

    /** From the {@code data} of {@code auth/token/lookup-self}. */
    static SourceIdentity fromLookup(JsonNode data) {
        String path = text(data, "path");
        return of(data, "meta", policies(data, "policies", "identity_policies"), path != null ? path : "token");
    }

    private static SourceIdentity of(JsonNode n, String metaField, List<String> policies, String fallback) {
        String entity = text(n, "entity_id");
        String display = text(n, "display_name");
        String principal = entity != null ? entity : display != null ? display : fallback;
        JsonNode meta = n.get(metaField);
        String role = text(meta, "role_name");
        if (role == null) {
            role = text(meta, "role");
        }
        if (role == null) {
            role = text(n, "role");
        }
        SourceIdentity.Builder b = SourceIdentity.builder(principal)
                .displayName(display)
                .role(role)
                .policies(policies);
        if (entity != null) {
            b.attribute("entity", entity);
        }
        b.attribute("path", text(n, "path"));
        for (String k : KEPT_METADATA) {
            b.attribute(k, text(meta, k));
        }
        return b.build();
    }

    private static List<String> policies(JsonNode n, String first, String second) {
        List<String> out = new ArrayList<>();
        for (String field : List.of(first, second)) {
            JsonNode a = n.get(field);
            if (a != null && a.isArray()) {
                a.forEach(p -> {
                    if (p.isTextual()) {
                        out.add(p.asText());
                    }
                });
            }
        }
        return out;
    }

    private static String text(JsonNode n, String field) {
        if (n == null || !n.isObject()) {
            return null;
        }
        JsonNode v = n.get(field);
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
    }
}
