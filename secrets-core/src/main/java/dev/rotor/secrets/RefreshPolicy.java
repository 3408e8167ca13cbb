package dev.rotor.secrets;

import java.time.Duration;
import java.util.Objects;

/**
 * When the engine refreshes, how it retries, and how many calls it lets run at once per source. Immutable; build with
 * {@link #builder()}, start from {@link #defaults()}.
 *
 * <ul>
 *   <li>Leased secrets are refreshed at {@link #leaseFraction()} (2/3) of the lease, minus a random jitter of up to
 *       {@link #leaseJitter()} (1/10) of it, counted from when the lease was issued.
 *   <li>Secrets with a known rotation date are refreshed {@link #afterRotationDelay()} after it (plus jitter of up to
 *       the same again).
 *   <li>Other static secrets are polled every {@link #pollInterval()}, less up to {@link #pollJitter()} of it.
 *   <li>A failed refresh is retried after a full-jitter exponential backoff from {@link #initialBackoff()}, each wait
 *       capped by {@link #maxBackoff()} and by the time left to the hard deadline divided by {@link
 *       #attemptsBeforeExpiry()}, so that several attempts land before the lease ends.
 * </ul>
 *
 * <pre>{@code
 * RefreshPolicy policy = RefreshPolicy.builder().pollInterval(Duration.ofMinutes(1)).maxInFlightPerSource(8).build();
 * }</pre>
 */
public final class RefreshPolicy {
    private static final RefreshPolicy DEFAULTS = builder().build();

    private final double leaseFraction;
    private final double leaseJitter;
    private final Duration pollInterval;
    private final double pollJitter;
    private final Duration afterRotationDelay;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration minBackoff;
    private final int attemptsBeforeExpiry;
    private final int maxInFlightPerSource;
    private final Duration loadTimeout;
    private final Duration revokeDelay;
    private final Duration wipeDelay;

    private RefreshPolicy(Builder b) {
        this.leaseFraction = b.leaseFraction;
        this.leaseJitter = b.leaseJitter;
        this.pollInterval = b.pollInterval;
        this.pollJitter = b.pollJitter;
        this.afterRotationDelay = b.afterRotationDelay;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.minBackoff = b.minBackoff;
        this.attemptsBeforeExpiry = b.attemptsBeforeExpiry;
        this.maxInFlightPerSource = b.maxInFlightPerSource;
        this.loadTimeout = b.loadTimeout;
        this.revokeDelay = b.revokeDelay;
        this.wipeDelay = b.wipeDelay;
    }

    public static RefreshPolicy defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder newBuilder() {
        return new Builder(this);
    }

    public double leaseFraction() {
        return leaseFraction;
    }

    public double leaseJitter() {
        return leaseJitter;
    }

    public Duration pollInterval() {
        return pollInterval;
    }

    public double pollJitter() {
        return pollJitter;
    }

    public Duration afterRotationDelay() {
        return afterRotationDelay;
    }

    public Duration initialBackoff() {
        return initialBackoff;
    }

    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** The shortest wait between two attempts, whatever the jitter draws. */
    public Duration minBackoff() {
        return minBackoff;
    }

    public int attemptsBeforeExpiry() {
        return attemptsBeforeExpiry;
    }

    public int maxInFlightPerSource() {
        return maxInFlightPerSource;
    }

    /** How long a cold read waits for the first load before failing with {@link SourceUnavailableException}. */
    public Duration loadTimeout() {
        return loadTimeout;
    }

    /** How long after the hand-over of a new version the previous lease is revoked. */
    public Duration revokeDelay() {
        return revokeDelay;
    }

    /** How long after the hand-over of a new version the previous version's bytes are wiped. */
    public Duration wipeDelay() {
        return wipeDelay;
    }

    @Override
    public String toString() {
        return "RefreshPolicy{leaseFraction=" + leaseFraction + ", leaseJitter=" + leaseJitter + ", pollInterval="
                + pollInterval + ", pollJitter=" + pollJitter + ", afterRotationDelay=" + afterRotationDelay
                + ", initialBackoff=" + initialBackoff + ", maxBackoff=" + maxBackoff + ", minBackoff=" + minBackoff
                + ", attemptsBeforeExpiry=" + attemptsBeforeExpiry + ", maxInFlightPerSource=" + maxInFlightPerSource
                + ", loadTimeout=" + loadTimeout + ", revokeDelay=" + revokeDelay + ", wipeDelay=" + wipeDelay + "}";
    }

    /** Builds a {@link RefreshPolicy}; {@link #build()} names the first option that is out of range. */
    public static final class Builder {
        private double leaseFraction = 2.0 / 3.0;
        private double leaseJitter = 0.1;
        private Duration pollInterval = Duration.ofMinutes(5);
        private double pollJitter = 0.1;
        private Duration afterRotationDelay = Duration.ofSeconds(5);
        private Duration initialBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofMinutes(5);
        private Duration minBackoff = Duration.ofMillis(100);
        private int attemptsBeforeExpiry = 4;
        private int maxInFlightPerSource = 16;
        private Duration loadTimeout = Duration.ofSeconds(30);
        private Duration revokeDelay = Duration.ZERO;
        private Duration wipeDelay = Duration.ofSeconds(60);

        private Builder() {}

        private Builder(RefreshPolicy p) {
            leaseFraction = p.leaseFraction;
            leaseJitter = p.leaseJitter;
            pollInterval = p.pollInterval;
            pollJitter = p.pollJitter;
            afterRotationDelay = p.afterRotationDelay;
            initialBackoff = p.initialBackoff;
            maxBackoff = p.maxBackoff;
            minBackoff = p.minBackoff;
            attemptsBeforeExpiry = p.attemptsBeforeExpiry;
            maxInFlightPerSource = p.maxInFlightPerSource;
            loadTimeout = p.loadTimeout;
            revokeDelay = p.revokeDelay;
            wipeDelay = p.wipeDelay;
        }

        public Builder leaseFraction(double v) {
            leaseFraction = v;
            return this;
        }

        public Builder leaseJitter(double v) {
            leaseJitter = v;
            return this;
        }

        public Builder pollInterval(Duration v) {
            pollInterval = v;
            return this;
        }

        public Builder pollJitter(double v) {
            pollJitter = v;
            return this;
        }

        public Builder afterRotationDelay(Duration v) {
            afterRotationDelay = v;
            return this;
        }

        public Builder initialBackoff(Duration v) {
            initialBackoff = v;
            return this;
        }

        public Builder maxBackoff(Duration v) {
            maxBackoff = v;
            return this;
        }

        public Builder minBackoff(Duration v) {
            minBackoff = v;
            return this;
        }

        public Builder attemptsBeforeExpiry(int v) {
            attemptsBeforeExpiry = v;
            return this;
        }

        public Builder maxInFlightPerSource(int v) {
            maxInFlightPerSource = v;
            return this;
        }

        public Builder loadTimeout(Duration v) {
            loadTimeout = v;
            return this;
        }

        public Builder revokeDelay(Duration v) {
            revokeDelay = v;
            return this;
        }

        public Builder wipeDelay(Duration v) {
            wipeDelay = v;
            return this;
        }

        public RefreshPolicy build() {
            if (!(leaseFraction > 0 && leaseFraction < 1)) {
                throw bad("leaseFraction must be between 0 and 1 (exclusive), was " + leaseFraction);
            }
            if (!(leaseJitter >= 0 && leaseJitter < leaseFraction)) {
                throw bad("leaseJitter must be at least 0 and below leaseFraction, was " + leaseJitter);
            }
            if (!(pollJitter >= 0 && pollJitter < 1)) {
                throw bad("pollJitter must be at least 0 and below 1, was " + pollJitter);
            }
            positive("pollInterval", pollInterval);
            positive("initialBackoff", initialBackoff);
            positive("maxBackoff", maxBackoff);
            positive("loadTimeout", loadTimeout);
            notNegative("afterRotationDelay", afterRotationDelay);
            notNegative("minBackoff", minBackoff);
            notNegative("revokeDelay", revokeDelay);
            notNegative("wipeDelay", wipeDelay);
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw bad("maxBackoff (" + maxBackoff + ") must not be shorter than initialBackoff (" + initialBackoff
                        + ")");
            }
            if (minBackoff.compareTo(initialBackoff) > 0) {
                throw bad("minBackoff (" + minBackoff + ") must not be longer than initialBackoff (" + initialBackoff
                        + ")");
            }
            if (attemptsBeforeExpiry < 1) {
                throw bad("attemptsBeforeExpiry must be at least 1, was " + attemptsBeforeExpiry);
            }
            if (maxInFlightPerSource < 1) {
                throw bad("maxInFlightPerSource must be at least 1, was " + maxInFlightPerSource);
            }
            return new RefreshPolicy(this);
        }

        private static void positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw bad(name + " must be positive, was " + d);
            }
        }

        private static void notNegative(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw bad(name + " must not be negative, was " + d);
            }
        }

        private static SecretConfigurationException bad(String message) {
            return new SecretConfigurationException("RefreshPolicy." + message, null, null);
        }
    }
}
