package dev.rotor.secrets;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The time a source granted for one version of a secret: an id (used to renew and revoke), a duration counted from
 * when it was issued, and whether it can be renewed. For rotating static credentials (a Vault database static role)
 * the {@linkplain #rotationPeriod() rotation period} says how often the source replaces them.
 *
 * <p>The issue time and the duration are kept as numbers, and the id as its UTF-8 bytes: {@link #issuedAt()},
 * {@link #expiresAt()}, {@link #duration()} and {@link #id()} make their objects when asked (a renewal or a revocation
 * asks, a read does not), so that a client holding thousands of leases does not hold an instant, a duration and a
 * string wrapper for each.
 * Immutable and thread-safe. {@link #toString()} prints a short digest of the lease id, never the id: a store may
 * accept the id as a handle to renew or revoke the lease.
 *
 * <pre>{@code
 * Lease lease = Lease.builder(Duration.ofHours(1), issuedAt).id("database/creds/app/x1").renewable(true).build();
 * }</pre>
 */
public final class Lease {
    /** The id as {@link CompactText} (its bytes when it is ASCII, as a store's lease ids are), or null. */
    private final Object id;

    private final long durationSeconds;
    private final int durationNano;
    private final boolean renewable;
    private final long issuedEpochSecond;
    private final int issuedNano;
    private final Duration rotationPeriod;

    private Lease(Builder b) {
        this.id = CompactText.of(b.id);
        this.durationSeconds = b.duration.getSeconds();
        this.durationNano = b.duration.getNano();
        this.renewable = b.renewable;
        this.issuedEpochSecond = b.issuedAt.getEpochSecond();
        this.issuedNano = b.issuedAt.getNano();
        b.issuedAt.plus(b.duration); // an end past Instant.MAX fails here, when the lease is built, not when it is read
        this.rotationPeriod = b.rotationPeriod;
    }

    /** A lease of the given duration issued at the given time; not renewable, no id, unless the builder says so. */
    public static Builder builder(Duration duration, Instant issuedAt) {
        return new Builder(duration, issuedAt);
    }

    /** Shorthand for a lease with an id. */
    public static Lease of(String id, Duration duration, boolean renewable, Instant issuedAt) {
        return builder(duration, issuedAt).id(id).renewable(renewable).build();
    }

    /** The same lease extended by a renewal: a new duration counted from the renewal time. */
    public Lease renewed(Duration newDuration, Instant renewedAt) {
        return newBuilder().duration(newDuration).issuedAt(renewedAt).build();
    }

    /** A builder holding this lease's values. */
    public Builder newBuilder() {
        Builder b = new Builder(duration(), issuedAt());
        b.id = idString();
        b.renewable = renewable;
        b.rotationPeriod = rotationPeriod;
        return b;
    }

    /** The id a source needs to renew or revoke the lease, if it has one. */
    public Optional<String> id() {
        return Optional.ofNullable(idString());
    }

    private String idString() {
        return CompactText.text(id);
    }

    /** How long the lease runs from {@link #issuedAt()}. */
    public Duration duration() {
        return Duration.ofSeconds(durationSeconds, durationNano);
    }

    /** Whether the source may extend it. */
    public boolean renewable() {
        return renewable;
    }

    /** When the source issued (or last renewed) the lease. */
    public Instant issuedAt() {
        return Instant.ofEpochSecond(issuedEpochSecond, issuedNano);
    }

    /** The hard deadline, {@link #issuedAt()} plus {@link #duration()}: past it the credentials are no longer valid. */
    public Instant expiresAt() {
        return Instant.ofEpochSecond(issuedEpochSecond, issuedNano)
                .plusSeconds(durationSeconds)
                .plusNanos(durationNano);
    }

    /** For credentials the source rotates on a schedule: the period between rotations. */
    public Optional<Duration> rotationPeriod() {
        return Optional.ofNullable(rotationPeriod);
    }

    @Override
    public String toString() {
        return "Lease{id=" + (id == null ? "-" : "sha256:" + shortDigest(idString())) + ", duration=" + duration()
                + ", renewable=" + renewable
                + ", issuedAt=" + issuedAt() + ", expiresAt=" + expiresAt()
                + (rotationPeriod == null ? "" : ", rotationPeriod=" + rotationPeriod) + "}";
    }

    /**
     * The first 16 hex digits of the SHA-256 of a lease id: enough to tell leases apart in a log line, and the same
     * digest the Vault adapter uses as a dynamic secret's version, without printing the id, which a store may accept
     * as a handle to renew or revoke the lease.
     */
    static String shortDigest(String id) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder(16);
            for (int i = 0; i < 8; i++) {
                sb.append(Character.forDigit((d[i] >> 4) & 0xF, 16)).append(Character.forDigit(d[i] & 0xF, 16));
            }
            return sb.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            return "****"; // every Java platform has SHA-256
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Lease)) {
            return false;
        }
        Lease l = (Lease) o;
        return Objects.equals(idString(), l.idString())
                && durationSeconds == l.durationSeconds
                && durationNano == l.durationNano
                && renewable == l.renewable
                && issuedEpochSecond == l.issuedEpochSecond
                && issuedNano == l.issuedNano
                && Objects.equals(rotationPeriod, l.rotationPeriod);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                idString(), durationSeconds, durationNano, renewable, issuedEpochSecond, issuedNano, rotationPeriod);
    }

    /** Builds a {@link Lease}; {@link #build()} rejects a zero or negative duration. Not thread-safe. */
    public static final class Builder {
        private String id;
        private Duration duration;
        private boolean renewable;
        private Instant issuedAt;
        private Duration rotationPeriod;

        private Builder(Duration duration, Instant issuedAt) {
            this.duration = duration;
            this.issuedAt = issuedAt;
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder duration(Duration duration) {
            this.duration = duration;
            return this;
        }

        public Builder renewable(boolean renewable) {
            this.renewable = renewable;
            return this;
        }

        public Builder issuedAt(Instant issuedAt) {
            this.issuedAt = issuedAt;
            return this;
        }

        public Builder rotationPeriod(Duration rotationPeriod) {
            this.rotationPeriod = rotationPeriod;
            return this;
        }

        public Lease build() {
            Objects.requireNonNull(duration, "lease duration");
            Objects.requireNonNull(issuedAt, "lease issuedAt");
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("lease duration must be positive, was " + duration);
            }
            if (rotationPeriod != null && (rotationPeriod.isNegative() || rotationPeriod.isZero())) {
                throw new IllegalArgumentException("lease rotationPeriod must be positive, was " + rotationPeriod);
            }
            return new Lease(this);
        }
    }
}
