package dev.rotor.secrets.azure.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import java.util.Map;

/**
 * Turns a Key Vault secret's value into a version's value: a JSON object becomes fields (nested values as their JSON
 * text), any other string a raw value. A value that starts like a JSON object but does not parse is malformed: the
 * error names the ref and the source, never the content.
 *
 * <pre>{@code
 * SecretContent.apply(builder, secret.getValue(), ref, "azure-kv");
 * }</pre>
 */
public final class SecretContent {
    /** The largest value Key Vault stores: 25 KiB. */
    public static final int MAX_SIZE = 25 * 1024;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        MAPPER.getFactory()
                .setStreamReadConstraints(
                        StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private SecretContent() {}

    /** Puts {@code value} into {@code b}: fields for a JSON object, else the raw string. */
    public static void apply(Secret.Builder b, String value, SecretRef ref, String source) {
        if (value == null) {
            throw new SecretFormatException("the answer has no value", ref, source);
        }
        if (value.length() > MAX_SIZE) {
            throw new SecretFormatException("the value is longer than " + MAX_SIZE + " characters", ref, source);
        }
        if (!value.stripLeading().startsWith("{")) {
            b.value(value);
            return;
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(value);
        } catch (JsonProcessingException e) {
            // the parser's message quotes the content: keep neither it nor the exception
            throw new SecretFormatException("the value starts as a JSON object but is not valid JSON", ref, source);
        }
        if (root == null || !root.isObject() || root.isEmpty()) {
            throw new SecretFormatException("the value is not a JSON object with members", ref, source);
        }
        int kept = 0;
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            JsonNode v = f.getValue();
            if (v.isNull()) {
                continue;
            }
            b.field(f.getKey(), v.isValueNode() ? v.asText() : v.toString());
            kept++;
        }
        if (kept == 0) {
            throw new SecretFormatException("the value is a JSON object with only null members", ref, source);
        }
    }
}
