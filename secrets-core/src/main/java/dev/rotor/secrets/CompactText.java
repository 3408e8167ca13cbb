package dev.rotor.secrets;

import dev.rotor.secrets.spi.VersionIds;
import java.nio.charset.StandardCharsets;

/**
 * Text a value object keeps for thousands of secrets (a version id, a lease id) held in its smallest form: the bytes
 * when every character is ASCII (one byte a character and no {@code String} wrapper, 24 bytes less), the text itself
 * otherwise, so that any text round-trips, and also when it is one of {@link VersionIds}' shared numbers (a reference
 * to a shared string costs less than bytes of its own). Made back into a {@code String} when asked for.
 */
final class CompactText {
    private CompactText() {}

    /** Null, the ASCII bytes of {@code text}, or {@code text}. */
    static Object of(String text) {
        if (text == null || isShared(text)) {
            return text;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return text;
            }
        }
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static boolean isShared(String text) {
        if (text.isEmpty() || text.length() > 4) {
            return false;
        }
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            n = n * 10 + (c - '0');
        }
        return VersionIds.of(n) == text;
    }

    /** The text {@link #of} was given. */
    static String text(Object compact) {
        return compact instanceof byte[] ? new String((byte[]) compact, StandardCharsets.US_ASCII) : (String) compact;
    }
}
