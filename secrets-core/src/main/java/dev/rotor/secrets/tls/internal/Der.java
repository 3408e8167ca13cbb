package dev.rotor.secrets.tls.internal;

import java.util.Arrays;

/**
 * Just enough DER to turn a PKCS#1 RSA key or a SEC1 EC key into PKCS#8, which is all the JDK reads, and to find the
 * algorithm of a PKCS#8 key: a reader of tag-length-value items and a writer of the few types a {@code
 * PrivateKeyInfo} needs. Lengths up to 2^31; no indefinite lengths (DER has none). Never prints content.
 */
final class Der {
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int SEQUENCE = 0x30;
    /** {@code [0]} constructed: the parameters of a SEC1 key. */
    static final int CONTEXT_0 = 0xA0;

    /** 1.2.840.113549.1.1.1 */
    static final byte[] RSA_ENCRYPTION = {0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x01, 0x01};
    /** 1.2.840.113549.1.1.10 */
    static final byte[] RSASSA_PSS = {0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x01, 0x0A};
    /** 1.2.840.10045.2.1 */
    static final byte[] EC_PUBLIC_KEY = {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01};
    /** 1.3.101.112 */
    static final byte[] ED25519 = {0x2B, 0x65, 0x70};
    /** 1.3.101.113 */
    static final byte[] ED448 = {0x2B, 0x65, 0x71};

    private Der() {}

    /** A malformed encoding; the message says where, never what. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** One item: its tag and where its content lies in the array it was read from. */
    static final class Item {
        final int tag;
        final byte[] source;
        final int start; // of the header
        final int contentStart;
        final int end;

        Item(int tag, byte[] source, int start, int contentStart, int end) {
            this.tag = tag;
            this.source = source;
            this.start = start;
            this.contentStart = contentStart;
            this.end = end;
        }

        /** The content bytes (a copy the caller wipes when they are secret). */
        byte[] content() {
            return Arrays.copyOfRange(source, contentStart, end);
        }

        /** The whole item, header included (a copy). */
        byte[] encoded() {
            return Arrays.copyOfRange(source, start, end);
        }

        /** A reader over this item's content. */
        Reader items() {
            return new Reader(source, contentStart, end);
        }

        boolean contentEquals(byte[] expected) {
            return Arrays.equals(source, contentStart, end, expected, 0, expected.length);
        }
    }

    /** Reads the items of one level, in order. */
    static final class Reader {
        private final byte[] source;
        private int pos;
        private final int end;

        Reader(byte[] source) {
            this(source, 0, source.length);
        }

        Reader(byte[] source, int start, int end) {
            this.source = source;
            this.pos = start;
            this.end = end;
        }

        boolean hasNext() {
            return pos < end;
        }

        Item next() throws Malformed {
            if (pos + 2 > end) {
                throw new Malformed("truncated DER item");
            }
            int start = pos;
            int tag = source[pos++] & 0xFF;
            if ((tag & 0x1F) == 0x1F) {
                throw new Malformed("multi-byte DER tags are not supported");
            }
            int first = source[pos++] & 0xFF;
            long length;
            if (first < 0x80) {
                length = first;
            } else {
                int n = first & 0x7F;
                if (n == 0 || n > 4 || pos + n > end) {
                    throw new Malformed("bad DER length");
                }
                length = 0;
                for (int i = 0; i < n; i++) {
                    length = (length << 8) | (source[pos++] & 0xFF);
                }
            }
            if (length > end - pos) {
                throw new Malformed("DER item runs past its end");
            }
            int contentStart = pos;
            pos += (int) length;
            return new Item(tag, source, start, contentStart, pos);
        }

        Item next(int expectedTag, String what) throws Malformed {
            Item item = next();
            if (item.tag != expectedTag) {
                throw new Malformed(what + " expected");
            }
            return item;
        }
    }

    /**
     * The DER of one item: the tag, the length, the content. Written straight into an array of the exact size, so that
     * a key's bytes leave no copy behind in a growing buffer; the caller wipes the contents and the result.
     */
    static byte[] item(int tag, byte[]... contents) {
        int length = 0;
        for (byte[] c : contents) {
            length += c.length;
        }
        int lengthBytes = length < 0x80 ? 0 : length < 0x100 ? 1 : length < 0x10000 ? 2 : 4;
        byte[] out = new byte[2 + lengthBytes + length];
        int pos = 0;
        out[pos++] = (byte) tag;
        if (lengthBytes == 0) {
            out[pos++] = (byte) length;
        } else {
            out[pos++] = (byte) (0x80 | lengthBytes);
            for (int i = lengthBytes - 1; i >= 0; i--) {
                out[pos++] = (byte) (length >>> (8 * i));
            }
        }
        for (byte[] c : contents) {
            System.arraycopy(c, 0, out, pos, c.length);
            pos += c.length;
        }
        return out;
    }
}
