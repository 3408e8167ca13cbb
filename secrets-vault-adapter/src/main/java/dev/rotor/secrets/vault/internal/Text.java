package dev.rotor.secrets.vault.internal;

/** Checks on configuration text that ends up in HTTP headers, URLs and log lines. */
public final class Text {
    private Text() {}

    /**
     * Whether {@code s} holds a control character (CR, LF, tab, NUL, ...), a Unicode line or paragraph separator or an
     * invisible format character: each could split a header or a log line, or disguise a value.
     */
    public static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int type = Character.getType(c);
            if (Character.isISOControl(c)
                    || type == Character.FORMAT
                    || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                return true;
            }
        }
        return false;
    }

    /** Whether every character of {@code s} is printable ASCII other than the space (what a header value can carry). */
    public static boolean isVisibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c > '~') {
                return false;
            }
        }
        return true;
    }
}
