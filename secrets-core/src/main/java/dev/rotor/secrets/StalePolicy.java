package dev.rotor.secrets;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What happens to a version once its lease has ended and no newer one could be loaded.
 *
 * <ul>
 *   <li>{@link #strict()} (the default): it is no longer served; reads fail with {@link SecretExpiredException}.
 *   <li>{@link #serveStale()}: it keeps being served, with a {@link SecretEventType#STALE_SERVED} event for each
 *       version the first time it is served stale.
 *   <li>{@link #serveStaleFor(Duration)}: as above, for at most that long past the lease end.
 * </ul>
 *
 * Immutable.
 */
public final class StalePolicy {
    private static final StalePolicy STRICT = new StalePolicy(false, null);
    private static final StalePolicy SERVE_STALE = new StalePolicy(true, null);

    private final boolean serveStale;
    private final Duration maxStaleness;

    private StalePolicy(boolean serveStale, Duration maxStaleness) {
        this.serveStale = serveStale;
        this.maxStaleness = maxStaleness;
    }

    public static StalePolicy strict() {
        return STRICT;
    }

    public static StalePolicy serveStale() {
        return SERVE_STALE;
    }

    public static StalePolicy serveStaleFor(Duration maxStaleness) {
        Objects.requireNonNull(maxStaleness, "maxStaleness");
        if (maxStaleness.isNegative() || maxStaleness.isZero()) {
            throw new SecretConfigurationException(
                    "StalePolicy.maxStaleness must be positive, was " + maxStaleness, null, null);
        }
        return new StalePolicy(true, maxStaleness);
    }

    /** Whether a version past its lease end is served at all. */
    public boolean servesStale() {
        return serveStale;
    }

    /** How long past the lease end a version may be served; empty means without limit. */
    public Optional<Duration> maxStaleness() {
        return Optional.ofNullable(maxStaleness);
    }

    @Override
    public String toString() {
        return !serveStale
                ? "StalePolicy{strict}"
                : "StalePolicy{serveStale" + (maxStaleness == null ? "" : " for " + maxStaleness) + "}";
    }
}
