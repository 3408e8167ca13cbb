package dev.rotor.secrets.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a cheap version probe found: the current version id and, optionally, when the source wants to look again
 * sooner than the policy's poll interval (a rotation under way, say). Immutable.
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

    private VersionProbe(String version, Instant checkAgainAt) {
        this.version = Objects.requireNonNull(version, "version");
        this.checkAgainAt = checkAgainAt;
    }

    /** The version id, to be looked at again on the policy's poll interval. */
    public static VersionProbe of(String version) {
        return new VersionProbe(version, null);
    }

    /** The version id, to be looked at again at {@code checkAgainAt} if that is sooner than the poll interval. */
    public static VersionProbe of(String version, Instant checkAgainAt) {
        return new VersionProbe(version, Objects.requireNonNull(checkAgainAt, "checkAgainAt"));
    }

    /** The current version id, as {@link dev.rotor.secrets.Secret#version()} would tell it. */
    public String version() {
        return version;
    }

    /** When to probe again, if the source wants that sooner than the poll interval. */
    public Optional<Instant> checkAgainAt() {
        return Optional.ofNullable(checkAgainAt);
    }

    @Override
    public String toString() {
        return "VersionProbe{" + version + (checkAgainAt == null ? "" : ", checkAgainAt=" + checkAgainAt) + "}";
    }
}
