package dev.rotor.secrets.gcp.internal;

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
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Checks a Secret Manager payload and turns it into a version's value: its size (at most 64 KiB), its CRC32C
 * checksum ({@code data_crc32c}, when the answer carries one), then a UTF-8 JSON object becomes fields (nested values
 * as their JSON text) and anything else a raw value of bytes. A payload that starts like a JSON object but does not
 * parse is malformed. Every error names the ref and the source, never the content. Stateless.
 *
 * <pre>{@code
 * Payloads.verify(bytes, response.getPayload().hasDataCrc32C() ? response.getPayload().getDataCrc32C() : null, ref, name);
 * Payloads.apply(builder, bytes, ref, name);
 * }</pre>
 */
public final class Payloads {
    /** The largest payload Secret Manager stores (64 KiB). */
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

    private Payloads() {}

    /** The CRC32C (Castagnoli) checksum of {@code data}, as Secret Manager computes {@code data_crc32c}. */
    public static long crc32c(byte[] data) {
        CRC32C c = new CRC32C();
        c.update(data, 0, data.length);
        return c.getValue();
    }

    /**
     * Refuses a payload over 64 KiB, or one whose checksum does not match {@code expectedCrc32c} (null: the answer had
     * none). The bytes are not wiped here.
     */
    public static void verify(byte[] data, Long expectedCrc32c, SecretRef ref, String source) {
        if (data.length > MAX_SIZE) {
            throw new SecretFormatException(
                    "the payload is larger than " + MAX_SIZE + " bytes, more than Secret Manager stores", ref, source);
        }
        if (expectedCrc32c != null && crc32c(data) != expectedCrc32c) {
            throw new SecretFormatException(
                    "the payload does not match its CRC32C checksum (data_crc32c): it was corrupted on the way;"
                            + " the answer was refused",
                    ref,
                    source);
        }
    }

    /** Puts the value into {@code b}: fields for a JSON object, else the raw bytes. Wipes {@code data}. */
    public static void apply(Secret.Builder b, byte[] data, SecretRef ref, String source) {
        try {
            if (startsAsObject(data)) {
                fields(b, data, ref, source);
            } else {
                b.value(data);
            }
        } finally {
            Arrays.fill(data, (byte) 0);
        }
    }

    private static boolean startsAsObject(byte[] data) {
        for (byte x : data) {
            if (x == ' ' || x == '\t' || x == '\n' || x == '\r') {
                continue;
            }
            return x == '{';
        }
        return false;
    }

    private static void fields(Secret.Builder b, byte[] data, SecretRef ref, String source) {
        try {
            // strict UTF-8: a malformed sequence is refused, never replaced
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data));
        } catch (CharacterCodingException e) {
            throw new SecretFormatException("the payload starts as a JSON object but is not UTF-8", ref, source);
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(data);
        } catch (JsonProcessingException e) {
            // the parser's message quotes the content: keep neither it nor the exception
            throw new SecretFormatException("the payload starts as a JSON object but is not valid JSON", ref, source);
        } catch (IOException e) {
            throw new SecretFormatException("the payload could not be read as JSON", ref, source);
        }
        if (root == null || !root.isObject() || root.isEmpty()) {
            throw new SecretFormatException("the payload is not a JSON object with at least one key", ref, source);
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
            throw new SecretFormatException("the payload is a JSON object with only null values", ref, source);
        }
    }
}
