package dev.rotor.secrets.kubernetes.internal;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a Secret's {@code data} (base64) and {@code stringData} (plain text) into fields. The API server never answers
 * {@code stringData}: it is write-only, merged into {@code data} on write, a {@code stringData} key winning over the
 * same key in {@code data}. An answer that does carry it (a proxy, a test server that stores what it was sent) is read
 * the same way, so a Secret written with {@code stringData} always reads as it was written. Stateless.
 */
public final class SecretContent {
    /** The API server's own limit on a Secret's data: 1 MiB. */
    public static final int MAX_BYTES = 1024 * 1024;

    private SecretContent() {}

    /**
     * Adds every key as a field of {@code b}, its bytes decoded; keys in name order.
     *
     * @throws SecretFormatException when a value is not base64, the Secret has no key, or is larger than the API
     *     server allows; the message names the key, never a value
     */
    public static void apply(
            Secret.Builder b, Map<String, String> data, Map<String, String> stringData, SecretRef ref, String source) {
        Map<String, byte[]> fields = new TreeMap<>();
        long total = 0;
        try {
            if (data != null) {
                for (Map.Entry<String, String> e : data.entrySet()) {
                    String key = e.getKey();
                    byte[] bytes;
                    try {
                        bytes = Base64.getMimeDecoder().decode(e.getValue() == null ? "" : e.getValue());
                        if (!isBase64(e.getValue())) {
                            throw new IllegalArgumentException("not base64");
                        }
                    } catch (IllegalArgumentException notBase64) {
                        throw new SecretFormatException(
                                "the value of key '" + safeKey(key) + "' in data is not base64", ref, source);
                    }
                    total += bytes.length;
                    put(fields, key, bytes);
                }
            }
            if (stringData != null) {
                for (Map.Entry<String, String> e : stringData.entrySet()) {
                    byte[] bytes = (e.getValue() == null ? "" : e.getValue()).getBytes(StandardCharsets.UTF_8);
                    total += bytes.length;
                    put(fields, e.getKey(), bytes);
                }
            }
            if (total > MAX_BYTES) {
                throw new SecretFormatException(
                        "the Secret holds more than " + MAX_BYTES + " bytes, more than the API server allows",
                        ref,
                        source);
            }
            if (fields.isEmpty()) {
                throw new SecretFormatException("the Secret has no keys", ref, source);
            }
            for (Map.Entry<String, byte[]> e : fields.entrySet()) {
                b.field(e.getKey(), e.getValue());
            }
        } finally {
            for (byte[] v : fields.values()) {
                Arrays.fill(v, (byte) 0);
            }
        }
    }

    private static void put(Map<String, byte[]> fields, String key, byte[] bytes) {
        byte[] old = fields.put(key, bytes);
        if (old != null) {
            Arrays.fill(old, (byte) 0);
        }
    }

    /** Standard base64 only (what the API server writes): the MIME decoder alone would skip stray characters. */
    private static boolean isBase64(String s) {
        if (s == null) {
            return true;
        }
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' || c == '\n') {
                continue;
            }
            boolean ok = (c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || c == '+'
                    || c == '/'
                    || c == '=';
            if (!ok) {
                return false;
            }
            n++;
        }
        return n % 4 == 0;
    }

    /** A key as it may appear in a message: keys are names, not values, but a malformed one is cut short. */
    private static String safeKey(String key) {
        if (key == null) {
            return "";
        }
        return SecretCoordinates.isKey(key) ? key : "(invalid key)";
    }
}
