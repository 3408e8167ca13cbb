package dev.rotor.secrets.audit;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.audit.AuditVerdict.Kind;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;

/**
 * Checks an audit chain written by {@link ChainedAuditFile}: every record's MAC under the key version it names, its
 * link to the record before it, and that sequence numbers run without gaps, repeats or swaps across all segments.
 * Answers an {@link AuditVerdict} naming the first bad record; stops there.
 *
 * <pre>{@code
 * AuditVerdict verdict = AuditChainVerifier.builder()
 *         .key("1", oldKeyBytes)
 *         .key("2", currentKeyBytes)
 *         .build()
 *         .verifyChain(Path.of("/var/log/app/audit.jsonl")); // audit.jsonl.1, .2, ..., then audit.jsonl
 * }</pre>
 *
 * <p><b>What it detects.</b> A changed byte in any record (ALTERED); a copied or foreign record (INSERTED, or ALTERED
 * when its MAC fails); records missing from the start or the middle, or a missing segment (DELETED); records moved
 * (REORDERED); a torn last line (TRUNCATED). <b>What it cannot detect on its own:</b> whole records cut from the end,
 * because what remains is a valid shorter chain. Against that, a clean end is marked by a {@code close} record ({@link
 * Builder#requireClose} turns a missing one into TRUNCATED, for files whose writer has stopped), and an anchor shipped
 * elsewhere ({@link ChainedAuditFile#lastWritten()}) is checked with {@link Builder#expectLast}. Someone holding the
 * key can rewrite a whole chain consistently; only an external anchor shows that.
 *
 * <p>The command line is {@link #main}; its exit statuses are {@link Kind#exitStatus()}, with 2 for a usage or read
 * error. Reads each file whole into memory. Immutable and thread-safe once built.
 */
public final class AuditChainVerifier {
    /** The exit status for a usage error or a file that cannot be read. */
    public static final int USAGE_OR_IO_ERROR = 2;

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Map<String, List<byte[]>> keys;
    private final Long expectLastSeq;
    private final String expectLastHash;
    private final boolean requireClose;
    private final boolean partial;

    private AuditChainVerifier(Builder b) {
        Map<String, List<byte[]>> copy = new LinkedHashMap<>();
        b.keys.forEach((v, list) -> copy.put(v, List.copyOf(list)));
        this.keys = Collections.unmodifiableMap(copy);
        this.expectLastSeq = b.expectLastSeq;
        this.expectLastHash = b.expectLastHash;
        this.requireClose = b.requireClose;
        this.partial = b.partial;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Verifies the chain whose active file is {@code base}: its numbered segments oldest first, then {@code base}. */
    public AuditVerdict verifyChain(Path base) {
        try {
            return verify(ChainFormat.segments(base));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the segments of " + base.getFileName(), e);
        }
    }

    /**
     * Verifies {@code files} as one chain, in the given order.
     *
     * @throws UncheckedIOException when a file cannot be read
     */
    public AuditVerdict verify(List<Path> files) {
        List<Entry> entries = new ArrayList<>();
        for (Path f : files) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f.getFileName(), e);
            }
            readEntries(f, bytes, entries);
        }
        return walk(entries);
    }

    private void readEntries(Path file, byte[] bytes, List<Entry> into) {
        Map<String, Mac> macs = new LinkedHashMap<>();
        int start = 0;
        long lineNo = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            lineNo++;
            Entry e = new Entry(file, lineNo);
            if (end == bytes.length) {
                e.problem = Kind.TRUNCATED;
                e.reason = "torn last line: " + (end - start) + " bytes without a line break";
            } else {
                parse(e, Arrays.copyOfRange(bytes, start, end), macs);
            }
            into.add(e);
            start = end + 1;
        }
    }

    private void parse(Entry e, byte[] bytes, Map<String, Mac> macCache) {
        String line;
        try {
            line = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException ex) {
            malformed(e, "not UTF-8");
            return;
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(line);
        } catch (IOException ex) {
            malformed(e, "not a JSON object");
            return;
        }
        if (node == null || !node.isObject()) {
            malformed(e, "not a JSON object");
            return;
        }
        JsonNode seq = node.get("seq");
        if (seq == null || !seq.isIntegralNumber() || !seq.canConvertToLong() || seq.longValue() < 0) {
            malformed(e, "no valid seq");
            return;
        }
        e.seq = seq.longValue();
        String prev = text(node, "prev");
        String kv = text(node, "kv");
        String kid = text(node, "kid");
        String type = text(node, "type");
        JsonNode rec = node.get("rec");
        if (!ChainFormat.isHex(prev, 64)) {
            malformed(e, "no valid prev");
            return;
        }
        if (kv == null || !ChainFormat.isHex(kid, 16)) {
            malformed(e, "no valid kv or kid");
            return;
        }
        if (type == null || !ChainFormat.TYPES.contains(type) || rec == null || !rec.isObject()) {
            malformed(e, "no valid type or rec");
            return;
        }
        String unsigned = ChainFormat.unsignedOf(line).orElse(null);
        if (unsigned == null || node.size() != 7 || !ChainFormat.macOf(line).equals(text(node, "mac"))) {
            malformed(e, "the mac is not the line's last member in canonical form");
            return;
        }
        e.prev = prev;
        e.kv = kv;
        e.type = type;
        e.hash = ChainFormat.sha256(line);
        List<byte[]> candidates = keys.get(kv);
        if (candidates == null) {
            e.problem = Kind.UNKNOWN_KEY_VERSION;
            e.reason = "no key given for key version " + printable(kv);
            return;
        }
        Mac mac = null;
        for (int i = 0; i < candidates.size() && mac == null; i++) {
            byte[] candidate = candidates.get(i);
            Mac m = macCache.computeIfAbsent(kv + "\u0000" + i, k -> ChainFormat.mac(candidate));
            if (ChainFormat.keyId(m).equals(kid)) {
                mac = m;
            }
        }
        if (mac == null) {
            e.problem = Kind.BAD_KEY;
            e.reason = "the key given for key version " + printable(kv) + " did not sign this record (kid " + kid + ")";
            return;
        }
        if (!ChainFormat.sameHex(ChainFormat.sign(mac, unsigned), ChainFormat.macOf(line))) {
            e.problem = Kind.ALTERED;
            e.reason = "the mac does not match the record";
        }
    }

    private AuditVerdict walk(List<Entry> entries) {
        if (entries.isEmpty()) {
            return new AuditVerdict(Kind.MALFORMED, null, 0, null, "no records", 0, null, false);
        }
        List<String> accepted = new ArrayList<>();
        long firstSeq = -1;
        long expected = 0;
        String prevHash = ChainFormat.ZERO_HASH;
        Entry last = null;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.problem != null) {
                return bad(e, e.problem, e.reason, accepted.size(), last);
            }
            if (last == null && partial) {
                expected = e.seq;
                prevHash = e.prev;
            }
            if (e.seq == expected) {
                if (!e.prev.equals(prevHash)) {
                    return bad(
                            e,
                            Kind.ALTERED,
                            "prev does not match the hash of the record before it",
                            accepted.size(),
                            last);
                }
            } else if (e.seq < expected) {
                long index = e.seq - firstSeq;
                String reason =
                        firstSeq >= 0 && index >= 0 && accepted.get((int) index).equals(e.hash)
                                ? "a copy of the record with seq " + e.seq
                                : "seq " + e.seq + " where " + expected + " was due";
                return bad(e, Kind.INSERTED, reason, accepted.size(), last);
            } else {
                for (int j = i + 1; j < entries.size(); j++) {
                    if (entries.get(j).seq == expected) {
                        return bad(
                                e,
                                Kind.REORDERED,
                                "seq " + e.seq + " where " + expected + " was due; " + expected + " comes later",
                                accepted.size(),
                                last);
                    }
                }
                String missing = e.seq - 1 == expected ? "seq " + expected : "seq " + expected + " to " + (e.seq - 1);
                return bad(e, Kind.DELETED, missing + " missing before this record", accepted.size(), last);
            }
            if (firstSeq < 0) {
                firstSeq = e.seq;
            }
            accepted.add(e.hash);
            prevHash = e.hash;
            expected = e.seq + 1;
            last = e;
        }
        ChainAnchor anchor = new ChainAnchor(last.seq, last.hash);
        boolean closed = ChainFormat.TYPE_CLOSE.equals(last.type);
        long records = accepted.size();
        if (expectLastSeq != null) {
            if (last.seq < expectLastSeq) {
                return new AuditVerdict(
                        Kind.TRUNCATED,
                        last.file,
                        last.line + 1,
                        last.seq + 1,
                        "the chain ends at seq " + last.seq + " but the anchor says seq " + expectLastSeq
                                + ": whole records were cut",
                        records,
                        anchor,
                        closed);
            }
            if (expectLastHash != null) {
                if (expectLastSeq < firstSeq) {
                    return bad(entries.get(0), Kind.DELETED, "the anchor's record precedes the chain", records, last);
                }
                Entry at = entries.get((int) (expectLastSeq - firstSeq));
                if (!at.hash.equals(expectLastHash)) {
                    return bad(at, Kind.ALTERED, "the record does not match the anchor's hash", records, last);
                }
            }
        }
        if (requireClose && !closed) {
            return new AuditVerdict(
                    Kind.TRUNCATED,
                    last.file,
                    last.line + 1,
                    last.seq + 1,
                    "the chain ends at seq " + last.seq + " without a close record",
                    records,
                    anchor,
                    false);
        }
        String summary = records + " records, seq " + firstSeq + " to " + last.seq
                + (closed
                        ? ", closed cleanly"
                        : ", no close record (the writer is running or stopped without closing; records cut"
                                + " from the end are only detected with an anchor)");
        return new AuditVerdict(Kind.OK, null, 0, null, summary, records, anchor, closed);
    }

    private static AuditVerdict bad(Entry e, Kind kind, String reason, long records, Entry last) {
        return new AuditVerdict(
                kind,
                e.file,
                e.line,
                e.seq < 0 ? null : e.seq,
                reason,
                records,
                last == null ? null : new ChainAnchor(last.seq, last.hash),
                false);
    }

    private static void malformed(Entry e, String reason) {
        e.problem = Kind.MALFORMED;
        e.reason = reason;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    /** A key version as printed: versions are not secret, but keep control characters out of the terminal. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 64; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return "'" + b + "'";
    }

    /** One line as read: where it is, what it says, and the first problem found in it alone. */
    private static final class Entry {
        final Path file;
        final long line;
        long seq = -1;
        String prev;
        String kv;
        String type;
        String hash;
        Kind problem;
        String reason;

        Entry(Path file, long line) {
            this.file = file;
            this.line = line;
        }
    }

    // ---- the command line

    /**
     * The verifier command. Exits with the verdict's {@link Kind#exitStatus()} (0 OK, 3 ALTERED, 4 INSERTED, 5
     * DELETED, 6 REORDERED, 7 TRUNCATED, 8 BAD_KEY, 9 UNKNOWN_KEY_VERSION, 10 MALFORMED) or 2 for a usage or read
     * error.
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command without exiting: prints the verdict to {@code out} (usage and read errors to {@code err}) and
     * answers the exit status.
     *
     * <pre>
     * rotor-audit-verifier --key VERSION=FILE [--key ...] [--expect-last-seq N [--expect-last-hash HEX]]
     *                      [--require-close] [--partial] FILE|DIRECTORY...
     * </pre>
     *
     * A key file holds the key as the secret stores it; one trailing line break is ignored, as the {@code file:}
     * source does. One path that is the active file (or a directory holding exactly one {@code *.jsonl} chain) stands
     * for all its segments; several files of one chain are put in segment order; files of different chains are
     * verified in the order given.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Builder b = builder();
        List<Path> paths = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--key": {
                        String spec = value(args, ++i, a);
                        int eq = spec.indexOf('=');
                        if (eq <= 0 || eq == spec.length() - 1) {
                            throw new UsageException("--key takes VERSION=FILE");
                        }
                        Path keyFile = Path.of(spec.substring(eq + 1));
                        byte[] key;
                        try {
                            key = Files.readAllBytes(keyFile);
                        } catch (IOException e) {
                            throw new UsageException("cannot read key file " + keyFile.getFileName());
                        }
                        b.key(spec.substring(0, eq), stripLineBreak(key));
                        Arrays.fill(key, (byte) 0);
                        break;
                    }
                    case "--expect-last-seq":
                        b.expectLastSeq = parseSeq(value(args, ++i, a));
                        break;
                    case "--expect-last-hash": {
                        String h = value(args, ++i, a);
                        if (!ChainFormat.isHex(h, 64)) {
                            throw new UsageException("--expect-last-hash takes 64 lower-case hex digits");
                        }
                        b.expectLastHash = h;
                        break;
                    }
                    case "--require-close":
                        b.requireClose(true);
                        break;
                    case "--partial":
                        b.partial(true);
                        break;
                    case "-h":
                    case "--help":
                        out.println(USAGE);
                        return 0;
                    default:
                        if (a.startsWith("--")) {
                            throw new UsageException("unknown option " + a);
                        }
                        paths.add(Path.of(a));
                }
            }
            if (paths.isEmpty()) {
                throw new UsageException("no audit file given");
            }
            if (b.keys.isEmpty()) {
                throw new UsageException("no --key given");
            }
            if (b.expectLastHash != null && b.expectLastSeq == null) {
                throw new UsageException("--expect-last-hash needs --expect-last-seq");
            }
            AuditVerdict verdict = b.build().verify(expand(paths));
            out.println(verdict);
            return verdict.kind().exitStatus();
        } catch (UsageException e) {
            err.println("rotor-audit-verifier: " + e.getMessage());
            err.println(USAGE);
            return USAGE_OR_IO_ERROR;
        } catch (UncheckedIOException e) {
            err.println("rotor-audit-verifier: " + e.getMessage() + " ("
                    + e.getCause().getClass().getSimpleName() + ")");
            return USAGE_OR_IO_ERROR;
        }
    }

    private static final String USAGE = "usage: rotor-audit-verifier --key VERSION=FILE [--key VERSION=FILE ...]"
            + " [--expect-last-seq N [--expect-last-hash HEX]] [--require-close] [--partial] FILE|DIRECTORY...";

    private static List<Path> expand(List<Path> paths) {
        if (paths.size() == 1) {
            Path p = paths.get(0);
            if (Files.isDirectory(p)) {
                List<Path> bases = new ArrayList<>();
                try (DirectoryStream<Path> files = Files.newDirectoryStream(p, "*.jsonl")) {
                    files.forEach(bases::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + p.getFileName(), e);
                }
                if (bases.size() != 1) {
                    throw new UsageException("directory " + p.getFileName() + " holds " + bases.size()
                            + " *.jsonl chains; name the active file");
                }
                p = bases.get(0);
            }
            if (ChainFormat.segmentNumber(p, p) < 0 && Files.isRegularFile(p)) {
                try {
                    return ChainFormat.segments(p);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list the segments of " + p.getFileName(), e);
                }
            }
            return paths;
        }
        // several files: if they are all one chain's (a base and its numbered segments), put them in segment order
        Path base = paths.stream()
                .min(Comparator.comparingInt(p -> p.getFileName().toString().length()))
                .orElseThrow();
        boolean oneChain = paths.stream()
                .allMatch(p -> p.equals(base)
                        || (Objects.equals(
                                        p.toAbsolutePath().getParent(),
                                        base.toAbsolutePath().getParent())
                                && ChainFormat.segmentNumber(base, p) >= 0));
        if (!oneChain) {
            return paths;
        }
        List<Path> sorted = new ArrayList<>(paths);
        sorted.sort(
                Comparator.comparingLong(p -> p.equals(base) ? Long.MAX_VALUE : ChainFormat.segmentNumber(base, p)));
        return sorted;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    private static long parseSeq(String s) {
        try {
            long n = Long.parseLong(s);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException("--expect-last-seq takes a sequence number");
    }

    static byte[] stripLineBreak(byte[] key) {
        int n = key.length;
        if (n > 0 && key[n - 1] == '\n') {
            n--;
            if (n > 0 && key[n - 1] == '\r') {
                n--;
            }
        }
        return Arrays.copyOf(key, n);
    }

    private static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message, null, false, false);
        }
    }

    /** Builds an {@link AuditChainVerifier}. At least one key is required. Not thread-safe. */
    public static final class Builder {
        private final Map<String, List<byte[]>> keys = new LinkedHashMap<>();
        private Long expectLastSeq;
        private String expectLastHash;
        private boolean requireClose;
        private boolean partial;

        private Builder() {}

        /**
         * A key for records naming {@code version}. A version may be given several keys (a source that numbers its
         * versions per process, as {@code file:} does, reuses version ids); the record's key id picks the right one.
         * The bytes are copied.
         */
        public Builder key(String version, byte[] key) {
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(key, "key");
            keys.computeIfAbsent(version, v -> new ArrayList<>()).add(key.clone());
            return this;
        }

        /**
         * An anchor taken from {@link ChainedAuditFile#lastWritten()} and kept elsewhere: the chain must reach its
         * seq (else TRUNCATED) and the record at that seq must have its hash (else ALTERED).
         */
        public Builder expectLast(ChainAnchor anchor) {
            this.expectLastSeq = anchor.seq();
            this.expectLastHash = anchor.sha256();
            return this;
        }

        /** Only the seq of an anchor: the chain must reach it (else TRUNCATED). */
        public Builder expectLastSeq(long seq) {
            if (seq < 0) {
                throw new IllegalArgumentException("expectLastSeq must not be negative: " + seq);
            }
            this.expectLastSeq = seq;
            this.expectLastHash = null;
            return this;
        }

        /** Whether a chain without a final close record is TRUNCATED (default false: a running writer has none). */
        public Builder requireClose(boolean require) {
            this.requireClose = require;
            return this;
        }

        /**
         * Whether the chain may start at any seq (default false: it must start at seq 0 with an all-zero prev), for
         * verifying the newest segments after old ones were removed. The first record is then trusted as a start.
         */
        public Builder partial(boolean partial) {
            this.partial = partial;
            return this;
        }

        /** @throws IllegalArgumentException when no key was given */
        public AuditChainVerifier build() {
            if (keys.isEmpty()) {
                throw new IllegalArgumentException("at least one key is required");
            }
            return new AuditChainVerifier(this);
        }
    }
}
