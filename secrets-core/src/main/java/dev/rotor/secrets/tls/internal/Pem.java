package dev.rotor.secrets.tls.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Reads the blocks of PEM text ({@code -----BEGIN CERTIFICATE-----} ... {@code -----END CERTIFICATE-----}), strictly:
 * the body must be base64 and the END line must carry the BEGIN line's label. Text outside blocks (the comments
 * OpenSSL writes before a certificate) is skipped. Errors name the field and the block by number and never quote the
 * text. Stateless and thread-safe.
 */
public final class Pem {
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";

    private Pem() {}

    /** One block: its label ({@code CERTIFICATE}, {@code PRIVATE KEY}) and its decoded bytes, which the caller wipes. */
    public static final class Block {
        private final String label;
        private final byte[] der;
        private final boolean headers;

        Block(String label, byte[] der, boolean headers) {
            this.label = label;
            this.der = der;
            this.headers = headers;
        }

        public String label() {
            return label;
        }

        /** The decoded bytes (the block's own array: wipe it when done). */
        public byte[] der() {
            return der;
        }

        /** Whether the block had RFC 1421 headers ({@code Proc-Type: 4,ENCRYPTED}: OpenSSL's legacy key encryption). */
        public boolean hasHeaders() {
            return headers;
        }

        public void wipe() {
            Arrays.fill(der, (byte) 0);
        }

        @Override
        public String toString() {
            return "Pem.Block{" + label + ", " + der.length + " bytes}";
        }
    }

    /**
     * The blocks of {@code text}, in order.
     *
     * @param what how errors name the text ({@code "field 'tls.crt'"})
     * @throws Invalid (malformed) when the text has no block, or a block does not parse
     */
    public static List<Block> parse(String text, String what) throws Invalid {
        List<Block> blocks = new ArrayList<>();
        int pos = 0;
        try {
            while (true) {
                int begin = text.indexOf(BEGIN, pos);
                if (begin < 0) {
                    break;
                }
                int labelStart = begin + BEGIN.length();
                int labelEnd = text.indexOf(DASHES, labelStart);
                int lineEnd = lineEnd(text, labelStart);
                if (labelEnd < 0 || labelEnd > lineEnd) {
                    throw Invalid.malformed(
                            what + ": PEM block " + (blocks.size() + 1) + " has a malformed BEGIN line");
                }
                String label = text.substring(labelStart, labelEnd);
                String endLine = END + label + DASHES;
                int end = text.indexOf(endLine, labelEnd);
                int nextBegin = text.indexOf(BEGIN, labelEnd);
                if (end < 0 || (nextBegin >= 0 && nextBegin < end)) {
                    throw Invalid.malformed(
                            what + ": PEM block " + (blocks.size() + 1) + " (" + label + ") has no matching END line");
                }
                blocks.add(decode(text, labelEnd + DASHES.length(), end, label, what, blocks.size() + 1));
                pos = end + endLine.length();
            }
        } catch (Invalid e) {
            blocks.forEach(Block::wipe);
            throw e;
        }
        if (blocks.isEmpty()) {
            throw Invalid.malformed(what + " holds no PEM block (no '-----BEGIN' line)");
        }
        return blocks;
    }

    private static int lineEnd(String text, int from) {
        int nl = text.indexOf('\n', from);
        return nl < 0 ? text.length() : nl;
    }

    private static Block decode(String text, int from, int to, String label, String what, int number) throws Invalid {
        // RFC 1421 headers ("Proc-Type: 4,ENCRYPTED", "DEK-Info: ...") end with an empty line before the body
        boolean headers = false;
        int bodyStart = from;
        int colon = text.indexOf(':', from);
        if (colon >= 0 && colon < to) {
            headers = true;
            int blank = text.indexOf("\n\n", from);
            int blankCr = text.indexOf("\r\n\r\n", from);
            int cut = blank >= 0 && blank < to ? blank + 2 : blankCr >= 0 && blankCr < to ? blankCr + 4 : -1;
            if (cut < 0) {
                throw Invalid.malformed(what + ": PEM block " + number + " (" + label + ") has malformed headers");
            }
            bodyStart = cut;
        }
        char[] body = new char[to - bodyStart];
        int n = 0;
        for (int i = bodyStart; i < to; i++) {
            char c = text.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                continue;
            }
            body[n++] = c;
        }
        byte[] ascii = new byte[n];
        for (int i = 0; i < n; i++) {
            ascii[i] = (byte) (body[i] < 0x80 ? body[i] : '?');
        }
        Arrays.fill(body, '\0');
        try {
            byte[] der = Base64.getDecoder().decode(ascii);
            if (der.length == 0) {
                throw Invalid.malformed(what + ": PEM block " + number + " (" + label + ") is empty");
            }
            return new Block(label, der, headers);
        } catch (IllegalArgumentException e) {
            throw Invalid.malformed(what + ": PEM block " + number + " (" + label + ") is not valid base64");
        } finally {
            Arrays.fill(ascii, (byte) 0);
        }
    }
}
