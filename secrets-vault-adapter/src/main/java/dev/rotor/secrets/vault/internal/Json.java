package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import java.util.LinkedHashMap;
import java.util.Map;

/** Typed reads of Vault's JSON that fail with a {@link SecretFormatException} naming the field, never its value. */
final class Json {
    private Json() {}

    static JsonNode object(JsonNode parent, String field, String what, SecretRef ref, String source) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || !n.isObject()) {
            throw bad(what, field, "an object", ref, source);
        }
        return n;
    }

    static JsonNode optionalObject(JsonNode parent, String field, String what, SecretRef ref, String source) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw bad(what, field, "an object", ref, source);
        }
        return n;
    }

    static long number(JsonNode parent, String field, String what, SecretRef ref, String source) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || !n.canConvertToLong() || !n.isIntegralNumber()) {
            throw bad(what, field, "an integer", ref, source);
        }
        return n.asLong();
    }

    static long optionalNumber(
            JsonNode parent, String field, long otherwise, String what, SecretRef ref, String source) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || n.isNull()) {
            return otherwise;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw bad(what, field, "an integer", ref, source);
        }
        return n.asLong();
    }

    static boolean optionalBoolean(
            JsonNode parent, String field, boolean otherwise, String what, SecretRef ref, String source) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || n.isNull()) {
            return otherwise;
        }
        if (!n.isBoolean()) {
            throw bad(what, field, "a boolean", ref, source);
        }
        return n.asBoolean();
    }

    static String text(JsonNode parent, String field, String what, SecretRef ref, String source) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw bad(what, field, "a non-empty string", ref, source);
        }
        return n.asText();
    }

    static String optionalText(JsonNode parent, String field, String what, SecretRef ref, String source) {
        JsonNode n = parent == null ? null : parent.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw bad(what, field, "a string", ref, source);
        }
        return n.asText();
    }

    /** Every field of a data object as a string: strings as they are, anything else as its JSON text. */
    static Map<String, String> fields(JsonNode data) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : data.properties()) {
            JsonNode v = e.getValue();
            if (v == null || v.isNull()) {
                continue;
            }
            out.put(e.getKey(), v.isTextual() ? v.asText() : v.toString());
        }
        return out;
    }

    static SecretFormatException bad(String what, String field, String expected, SecretRef ref, String source) {
        return new SecretFormatException(what + ": Vault's answer has no '" + field + "' as " + expected, ref, source);
    }
}
