package dev.rotor.secrets.audit;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What {@link AuditChainVerifier} found: {@link Kind#OK}, or the kind of the first bad record with its file, line
 * number and (when it could be read) sequence number, and a short reason. Never holds a value or a key. Immutable and
 * thread-safe.
 */
public final class AuditVerdict {
    /** The verdicts, each with the verifier command's exit status. */
    public enum Kind {
        /** Every record verified, in order, without gaps. Exit status 0. */
        OK(0),
        /** A record's MAC does not match its bytes, or its prev hash does not match the record before it. Exit 3. */
        ALTERED(3),
        /** A record appears where the chain already went past its sequence number (a copy or a foreign record). 4. */
        INSERTED(4),
        /** Sequence numbers jump and the missing ones appear nowhere later. Exit status 5. */
        DELETED(5),
        /** Sequence numbers jump and the missing one appears later: records were moved. Exit status 6. */
        REORDERED(6),
        /** The chain ends early: a torn last line, or fewer records than an anchor or a required close says. 7. */
        TRUNCATED(7),
        /** The record names a key version that was given, but none of that version's keys signed it. Exit 8. */
        BAD_KEY(8),
        /** The record names a key version for which no key was given. Exit status 9. */
        UNKNOWN_KEY_VERSION(9),
        /** A complete line that is not a chain record (bad JSON, missing or ill-formed field, bad UTF-8). 10. */
        MALFORMED(10);

        private final int exitStatus;

        Kind(int exitStatus) {
            this.exitStatus = exitStatus;
        }

        /** The verifier command's exit status for this verdict. */
        public int exitStatus() {
            return exitStatus;
        }
    }

    private final Kind kind;
    private final Path file;
    private final long line;
    private final Long seq;
    private final String reason;
    private final long records;
    private final ChainAnchor last;
    private final boolean closed;

    AuditVerdict(
            Kind kind, Path file, long line, Long seq, String reason, long records, ChainAnchor last, boolean closed) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.file = file;
        this.line = line;
        this.seq = seq;
        this.reason = Objects.requireNonNull(reason, "reason");
        this.records = records;
        this.last = last;
        this.closed = closed;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isOk() {
        return kind == Kind.OK;
    }

    /** The file of the first bad record (empty when OK or when no file was given). */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** The 1-based line number of the first bad record in {@link #file()}, 0 when OK. */
    public long line() {
        return line;
    }

    /** The sequence number of the first bad record, when it could be read. */
    public OptionalLong seq() {
        return seq == null ? OptionalLong.empty() : OptionalLong.of(seq);
    }

    /** What is wrong (or, when OK, a summary). Names positions and fields, never a value. */
    public String reason() {
        return reason;
    }

    /** How many records verified before the verdict. */
    public long records() {
        return records;
    }

    /** The anchor of the last record that verified. */
    public Optional<ChainAnchor> last() {
        return Optional.ofNullable(last);
    }

    /** Whether the chain ends with a close record (a clean end). */
    public boolean closed() {
        return closed;
    }

    @Override
    public String toString() {
        if (kind == Kind.OK) {
            return "OK: " + reason;
        }
        return kind + " at " + (file == null ? "?" : file.getFileName()) + " line " + line
                + (seq == null ? "" : " (seq " + seq + ")") + ": " + reason;
    }
}
