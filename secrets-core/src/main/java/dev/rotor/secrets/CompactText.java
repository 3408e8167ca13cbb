package dev.rotor.secrets;

import java.nio.charset.StandardCharsets;

/**
 * Text a value object keeps for thousands of secrets (a version id, a lease id) held in its smallest form: the bytes
 * when every character is ASCII (one byte a character and no {@code String} wrapper, 24 bytes less), the text itself
 * otherwise, so that any text round-trips. Made back into a {@code String} when asked for.
 */
final class CompactText {
    private CompactText() {}

    /** Null, the ASCII bytes of {@code text}, or {@code text}. */
    static Object of(String text) {
        if (text == null) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return text;
            }
        }
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** The text {@link #of} was given. */
    static String text(Object compact) {
        return compact instanceof byte[] ? new String((byte[]) compact, StandardCharsets.US_ASCII) : (String) compact;
    }
}
