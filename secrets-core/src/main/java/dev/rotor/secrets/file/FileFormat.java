package dev.rotor.secrets.file;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import java.io.CharArrayReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * How a file's bytes become a secret: the whole content as the raw value, or the fields of a JSON object or a
 * properties file. Parse errors never quote the content, and the parser's own message (which may) is dropped: only
 * its class name is kept.
 */
enum FileFormat {
    /** The whole file is the raw value, less one trailing line break; a directory's files become fields. */
    RAW("raw"),
    /** A top-level JSON object; each string, number or boolean member becomes a field. */
    JSON("json"),
    /** A {@link Properties} file read as UTF-8; each key becomes a field. */
    PROPERTIES("properties"),
    /**
     * A certificate with its key: a directory read as {@link #RAW} ({@code tls.crt}, {@code tls.key}, {@code ca.crt}),
     * or one PEM file; the source gives the version the leaf's validity as its lease.
     */
    TLS("tls");

    /** The ref parameter that selects a format. */
    static final String PARAMETER = "format";

    private static final JsonFactory JSON_FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    private final String id;

    FileFormat(String id) {
        this.id = id;
    }

    /** The format the ref asks for, or the one its file name suggests ({@code .json}, {@code .properties}). */
    static FileFormat select(SecretRef ref, String sourceName) {
        String asked = ref.parameter(PARAMETER).orElse(null);
        if (asked != null) {
            for (FileFormat f : values()) {
                if (f.id.equals(asked)) {
                    return f;
                }
            }
            throw new SecretConfigurationException(
                    "unknown format '" + asked + "'; expected one of raw, json, properties, tls", ref, sourceName);
        }
        String path = ref.path().toLowerCase(Locale.ROOT);
        if (path.endsWith(".json")) {
            return JSON;
        }
        if (path.endsWith(".properties")) {
            return PROPERTIES;
        }
        return RAW;
    }

    /** Adds the content to {@code secret} as this format says. The caller wipes {@code content} afterwards. */
    void apply(FileContent content, Secret.Builder secret, SecretRef ref, String sourceName) {
        if (content.isDirectory()) {
            if (this != RAW && this != TLS) {
                throw new SecretConfigurationException(
                        "format=" + id + " applies to a single file, but the path is a directory", ref, sourceName);
            }
            for (Map.Entry<String, byte[]> e : content.files().entrySet()) {
                secret.field(e.getKey(), decodeField(e.getKey(), e.getValue(), ref, sourceName));
            }
            return;
        }
        switch (this) {
            case RAW:
            case TLS:
                applyRaw(content.file(), secret);
                break;
            case JSON:
                applyJson(content.file(), secret, ref, sourceName);
                break;
            case PROPERTIES:
                applyProperties(content.file(), secret, ref, sourceName);
                break;
            default:
                throw new IllegalStateException("unhandled format " + this);
        }
    }

    private static void applyRaw(byte[] bytes, Secret.Builder secret) {
        int length = lengthWithoutLineBreak(bytes, bytes.length);
        if (length == bytes.length) {
            secret.value(bytes);
            return;
        }
        byte[] trimmed = Arrays.copyOf(bytes, length);
        try {
            secret.value(trimmed);
        } finally {
            Arrays.fill(trimmed, (byte) 0);
        }
    }

    private static String decodeField(String name, byte[] bytes, SecretRef ref, String sourceName) {
        char[] chars = decodeUtf8(bytes, ref, sourceName, "file '" + name + "' in the directory");
        try {
            int length = chars.length;
            if (length > 0 && chars[length - 1] == '\n') {
                length--;
                if (length > 0 && chars[length - 1] == '\r') {
                    length--;
                }
            }
            return new String(chars, 0, length);
        } finally {
            Arrays.fill(chars, '\0');
        }
    }

    private static void applyJson(byte[] bytes, Secret.Builder secret, SecretRef ref, String sourceName) {
        int fields = 0;
        try (JsonParser p = JSON_FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new SecretFormatException("content is not a JSON object", ref, sourceName);
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (value) {
                    case VALUE_STRING:
                    case VALUE_NUMBER_INT:
                    case VALUE_NUMBER_FLOAT:
                    case VALUE_TRUE:
                    case VALUE_FALSE:
                        break;
                    case VALUE_NULL:
                        throw new SecretFormatException(
                                "JSON member '" + name + "' is null; fields must be strings, numbers or booleans",
                                ref,
                                sourceName);
                    default:
                        throw new SecretFormatException(
                                "JSON member '" + name + "' is an object or an array; fields must be strings, numbers"
                                        + " or booleans (nested content is not supported)",
                                ref,
                                sourceName);
                }
                if (name.isEmpty()) {
                    throw new SecretFormatException("JSON object has a member with an empty name", ref, sourceName);
                }
                secret.field(name, p.getText());
                fields++;
            }
            if (p.nextToken() != null) {
                throw new SecretFormatException("content has more after the JSON object", ref, sourceName);
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof SecretFormatException) {
                throw (SecretFormatException) e;
            }
            // The parser's message can quote the content: keep only what kind of failure it was.
            throw new SecretFormatException(
                    "content is not valid JSON (" + e.getClass().getSimpleName() + ")", ref, sourceName);
        }
        if (fields == 0) {
            throw new SecretFormatException("JSON object has no members", ref, sourceName);
        }
    }

    private static void applyProperties(byte[] bytes, Secret.Builder secret, SecretRef ref, String sourceName) {
        char[] chars = decodeUtf8(bytes, ref, sourceName, "content");
        Properties props = new Properties();
        try {
            props.load(new CharArrayReader(chars));
        } catch (IOException | RuntimeException e) {
            throw new SecretFormatException(
                    "content is not a valid properties file (" + e.getClass().getSimpleName() + ")", ref, sourceName);
        } finally {
            Arrays.fill(chars, '\0');
        }
        if (props.isEmpty()) {
            throw new SecretFormatException("properties file has no entries", ref, sourceName);
        }
        Map<String, String> sorted = new TreeMap<>();
        for (String name : props.stringPropertyNames()) {
            sorted.put(name, props.getProperty(name));
        }
        props.clear();
        if (sorted.containsKey("")) {
            throw new SecretFormatException("properties file has an entry with an empty key", ref, sourceName);
        }
        secret.fields(sorted);
    }

    /** Decodes strict UTF-8 into a char array the caller wipes; malformed input is a format error. */
    private static char[] decodeUtf8(byte[] bytes, SecretRef ref, String sourceName, String what) {
        CharBuffer decoded;
        try {
            decoded = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            throw new SecretFormatException(
                    what + " is not UTF-8 text (" + e.getClass().getSimpleName() + ")", ref, sourceName);
        }
        char[] backing = decoded.array();
        if (decoded.arrayOffset() == 0 && decoded.remaining() == backing.length) {
            return backing;
        }
        char[] exact = Arrays.copyOfRange(
                backing, decoded.arrayOffset() + decoded.position(), decoded.arrayOffset() + decoded.limit());
        Arrays.fill(backing, '\0');
        return exact;
    }

    private static int lengthWithoutLineBreak(byte[] bytes, int length) {
        if (length > 0 && bytes[length - 1] == '\n') {
            length--;
            if (length > 0 && bytes[length - 1] == '\r') {
                length--;
            }
        }
        return length;
    }

    /** The parameter value that selects this format. */
    String id() {
        return id;
    }
}
