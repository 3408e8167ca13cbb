package dev.rotor.secrets.aws.internal;

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
import java.util.Arrays;
import java.util.Map;

/**
 * Turns a {@code SecretString} or a {@code SecretBinary} into a version's value: a JSON object becomes fields (nested
 * values as their JSON text), any other string a raw value, bytes a raw value. A string that starts like a JSON object
 * but does not parse is malformed: the error names the ref and the source, never the content.
 *
 * <pre>{@code
 * SecretContent.apply(builder, response.secretString(), null, ref, "aws-sm");
 * }</pre>
 */
public final class SecretContent {
    /** The largest value AWS Secrets Manager stores (64 KiB); anything larger is not a genuine answer. */
    public static final int MAX_SIZE = 65_536;

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

    /** Puts the value into {@code b}: fields for a JSON object string, else the raw string, else the bytes. */
    public static void apply(Secret.Builder b, String string, byte[] binary, SecretRef ref, String source) {
        if (string != null) {
            if (string.length() > MAX_SIZE) {
                throw new SecretFormatException("SecretString is larger than " + MAX_SIZE + " characters", ref, source);
            }
            if (string.stripLeading().startsWith("{")) {
                fields(b, string, ref, source);
            } else {
                b.value(string);
            }
            return;
        }
        if (binary != null) {
            try {
                if (binary.length > MAX_SIZE) {
                    throw new SecretFormatException("SecretBinary is larger than " + MAX_SIZE + " bytes", ref, source);
                }
                b.value(binary);
            } finally {
                Arrays.fill(binary, (byte) 0);
            }
            return;
        }
        throw new SecretFormatException("the answer has neither SecretString nor SecretBinary", ref, source);
    }

    private static void fields(Secret.Builder b, String string, SecretRef ref, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(string);
        } catch (JsonProcessingException e) {
            // the parser's message quotes the content: keep neither it nor the exception
            throw new SecretFormatException("SecretString starts as a JSON object but is not valid JSON", ref, source);
        }
        if (root == null || !root.isObject()) {
            throw new SecretFormatException("SecretString is not a JSON object", ref, source);
        }
        if (root.isEmpty()) {
            throw new SecretFormatException("SecretString is an empty JSON object", ref, source);
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
            throw new SecretFormatException("SecretString is a JSON object with only null values", ref, source);
        }
    }
}
