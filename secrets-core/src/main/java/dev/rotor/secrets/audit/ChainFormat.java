package dev.rotor.secrets.audit;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The byte-exact chain format shared by the writer and the verifier (see the package documentation). Stateless and
 * thread-safe; every method builds its own digests.
 */
final class ChainFormat {
    static final String HMAC = "HmacSHA256";
    static final String ZERO_HASH = "0".repeat(64);
    static final String MAC_MEMBER = ",\"mac\":\"";
    /** A record's suffix: {@code ,"mac":"} + 64 hex digits + {@code "}}. */
    static final int MAC_SUFFIX_LENGTH = MAC_MEMBER.length() + 64 + 2;

    static final byte[] KEY_ID_LABEL = "rotor-audit-key-id".getBytes(StandardCharsets.US_ASCII);

    static final String TYPE_OPEN = "open";
    static final String TYPE_EVENT = "event";
    static final String TYPE_GAP = "gap";
    static final String TYPE_REPAIR = "repair";
    static final String TYPE_ROLL = "roll";
    static final String TYPE_CLOSE = "close";
    static final List<String> TYPES = List.of(TYPE_OPEN, TYPE_EVENT, TYPE_GAP, TYPE_REPAIR, TYPE_ROLL, TYPE_CLOSE);

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ChainFormat() {}

    /**
     * The signed part of a record: {@code {"seq":..,"prev":"..","kv":"..","kid":"..","type":"..","rec":{..}}}, the
     * record without its {@code mac} member.
     */
    static String unsigned(long seq, String prev, String keyVersion, String keyId, String type, String recordJson) {
        StringBuilder b = new StringBuilder(recordJson.length() + 200);
        b.append("{\"seq\":").append(seq);
        b.append(",\"prev\":\"").append(prev).append('"');
        b.append(",\"kv\":\"");
        JsonStringEncoder.getInstance().quoteAsString(keyVersion, b);
        b.append('"');
        b.append(",\"kid\":\"").append(keyId).append('"');
        b.append(",\"type\":\"").append(type).append('"');
        b.append(",\"rec\":").append(recordJson);
        b.append('}');
        return b.toString();
    }

    /** The full line (without its line break): the unsigned form with the mac member inserted before its last brace. */
    static String line(String unsigned, String macHex) {
        return unsigned.substring(0, unsigned.length() - 1) + MAC_MEMBER + macHex + "\"}";
    }

    /** The unsigned form of a full line, or empty when the line does not end in a well-formed mac member. */
    static Optional<String> unsignedOf(String line) {
        int at = line.length() - MAC_SUFFIX_LENGTH;
        if (at < 1 || !line.startsWith(MAC_MEMBER, at) || !line.endsWith("\"}")) {
            return Optional.empty();
        }
        String mac = line.substring(at + MAC_MEMBER.length(), line.length() - 2);
        if (!isHex(mac, 64)) {
            return Optional.empty();
        }
        return Optional.of(line.substring(0, at) + "}");
    }

    /** The mac member's value of a line that {@link #unsignedOf} accepted. */
    static String macOf(String line) {
        return line.substring(line.length() - 66, line.length() - 2);
    }

    static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    static String sign(Mac mac, String unsigned) {
        return hex(mac.doFinal(unsigned.getBytes(StandardCharsets.UTF_8)));
    }

    /** The key id: the first 16 hex digits of HMAC-SHA256(key, "rotor-audit-key-id"). Names a key, reveals nothing. */
    static String keyId(Mac mac) {
        return hex(mac.doFinal(KEY_ID_LABEL)).substring(0, 16);
    }

    static String sha256(String line) {
        return hex(sha256(line.getBytes(StandardCharsets.UTF_8)));
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[bytes[i] & 0xf];
        }
        return new String(out);
    }

    static boolean isHex(String s, int length) {
        if (s == null || s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** Constant-time comparison of two hex strings of equal length. */
    static boolean sameHex(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }

    /** The number of a rolled segment {@code <base>.<n>}, or -1 when {@code file} is not one of {@code base}'s. */
    static long segmentNumber(Path base, Path file) {
        String baseName = base.getFileName().toString();
        String name = file.getFileName().toString();
        if (!name.startsWith(baseName + ".") || name.length() == baseName.length() + 1) {
            return -1;
        }
        String digits = name.substring(baseName.length() + 1);
        if (digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Long.parseLong(digits);
    }

    /**
     * The files of the chain whose active file is {@code base}, oldest first: the rolled segments {@code <base>.1},
     * {@code <base>.2}, ... by number, then {@code base} itself if it exists.
     */
    static List<Path> segments(Path base) throws IOException {
        Path dir = base.toAbsolutePath().getParent();
        List<Path> rolled = new ArrayList<>();
        if (dir != null && Files.isDirectory(dir)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    if (segmentNumber(base, f) >= 0 && Files.isRegularFile(f)) {
                        rolled.add(base.resolveSibling(f.getFileName()));
                    }
                }
            }
        }
        rolled.sort(Comparator.comparingLong(f -> segmentNumber(base, f)));
        if (Files.isRegularFile(base)) {
            rolled.add(base);
        }
        return rolled;
    }
}
