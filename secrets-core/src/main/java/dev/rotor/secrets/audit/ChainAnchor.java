package dev.rotor.secrets.audit;

import java.util.Objects;

/**
 * The position of one record in an audit chain: its sequence number and the SHA-256 (hex) of its full line. An
 * application that ships the anchor of the last record somewhere the file's owner cannot rewrite (a metrics system, a
 * ticket, another store) can later prove that no whole records were cut from the end of the chain: the verifier takes
 * it as {@code --expect-last-seq} and {@code --expect-last-hash}. Not secret. Immutable and thread-safe.
 */
public final class ChainAnchor {
    private final long seq;
    private final String sha256;

    public ChainAnchor(long seq, String sha256) {
        if (seq < 0) {
            throw new IllegalArgumentException("seq must not be negative: " + seq);
        }
        if (!ChainFormat.isHex(sha256, 64)) {
            throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits");
        }
        this.seq = seq;
        this.sha256 = sha256;
    }

    /** The record's sequence number. */
    public long seq() {
        return seq;
    }

    /** The SHA-256 of the record's full line (UTF-8, without its line break), lower-case hex. */
    public String sha256() {
        return sha256;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChainAnchor && ((ChainAnchor) o).seq == seq && ((ChainAnchor) o).sha256.equals(sha256);
    }

    @Override
    public int hashCode() {
        return Objects.hash(seq, sha256);
    }

    @Override
    public String toString() {
        return "ChainAnchor{seq=" + seq + " sha256=" + sha256 + "}";
    }
}
