package dev.rotor.secrets.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a cheap version probe found: the current version id and, optionally, when the source wants to look again
 * sooner than the policy's poll interval (a rotation under way, say) and the next rotation date the store announces
 * (the engine then looks just after that date, spread as {@link dev.rotor.secrets.RefreshPolicy#afterRotationSpread()}
 * says: a source should hand the date over this way rather than as {@code checkAgainAt}, which the whole fleet would
 * keep to the second). Immutable.
 *
 * <pre>{@code
 * return Optional.of(rotating
 *         ? VersionProbe.of(currentVersionId, now.plusSeconds(30))   // check again soon: a rotation is under way
 *         : VersionProbe.of(currentVersionId));
 * }</pre>
 */
public final class VersionProbe {
    private final String version;
    private final Instant checkAgainAt;
    private final Instant nextRotation;

    private VersionProbe(String version, Instant checkAgainAt, Instant nextRotation) {
        this.version = Objects.requireNonNull(version, "version");
        this.checkAgainAt = checkAgainAt;
        this.nextRotation = nextRotation;
    }

    /** The version id, to be looked at again on the policy's poll interval. */
    public static VersionProbe of(String version) {
        return new VersionProbe(version, null, null);
    }

    /** The version id, to be looked at again at {@code checkAgainAt} if that is sooner than the poll interval. */
    public static VersionProbe of(String version, Instant checkAgainAt) {
        return new VersionProbe(version, Objects.requireNonNull(checkAgainAt, "checkAgainAt"), null);
    }

    /**
     * This probe, telling also the store's next rotation date for the version (as {@link
     * dev.rotor.secrets.Secret#nextRotation()} would); null for none announced.
     */
    public VersionProbe withNextRotation(Instant nextRotation) {
        return new VersionProbe(version, checkAgainAt, nextRotation);
    }

    /** The current version id, as {@link dev.rotor.secrets.Secret#version()} would tell it. */
    public String version() {
        return version;
    }

    /** When to probe again, if the source wants that sooner than the poll interval. */
    public Optional<Instant> checkAgainAt() {
        return Optional.ofNullable(checkAgainAt);
    }

    /** The next rotation date the store announces for this version, if the source told it. */
    public Optional<Instant> nextRotation() {
        return Optional.ofNullable(nextRotation);
    }

    @Override
    public String toString() {
        return "VersionProbe{" + version + (checkAgainAt == null ? "" : ", checkAgainAt=" + checkAgainAt)
                + (nextRotation == null ? "" : ", nextRotation=" + nextRotation) + "}";
    }
}
