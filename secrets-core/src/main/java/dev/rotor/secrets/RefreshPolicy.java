package dev.rotor.secrets;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * When the engine refreshes, how it retries, and how many calls it lets run at once per source. Immutable; build with
 * {@link #builder()}, start from {@link #defaults()}.
 *
 * <ul>
 *   <li>Leased secrets are refreshed at {@link #leaseFraction()} (2/3) of the lease, minus a random jitter of up to
 *       {@link #leaseJitter()} (1/10) of it, counted from when the lease was issued.
 *   <li>Secrets with a known rotation date are refreshed {@link #afterRotationDelay()} after it, plus a random part
 *       of up to {@link #afterRotationSpread()} of the poll interval (at least up to {@code afterRotationDelay}
 *       again), so that a fleet told of one rotation date does not look at the store in the same few seconds; that
 *       look fetches at once (a new version is expected: one call, not a probe and a fetch), and the poll after it
 *       falls anywhere within one poll interval, so the fleet does not poll in step after it.
 *   <li>Other static secrets are polled every {@link #pollInterval()}, less up to {@link #pollJitter()} of it.
 *   <li>A failed refresh is retried after a full-jitter exponential backoff from {@link #initialBackoff()}, each wait
 *       capped by {@link #maxBackoff()} and by the time left to the hard deadline divided by {@link
 *       #attemptsBeforeExpiry()}, so that several attempts land before the lease ends. Once the lease has ended (or
 *       before the first version is loaded) the cap is {@link #expiredMaxBackoff()}.
 * </ul>
 *
 * <h2>Layers</h2>
 *
 * A policy only overrides the options that were set on its builder; the others come from the layer below. The engine
 * layers, from the bottom: {@link #defaults()}, the source's own defaults ({@link
 * dev.rotor.secrets.spi.SecretSource#defaultRefreshPolicy()}: a local file is free to read, a store call is not),
 * the client-wide policy ({@link Secrets.Builder#refreshPolicy(RefreshPolicy)}), the policy for the source ({@link
 * Secrets.Builder#refreshPolicy(String, RefreshPolicy)}) and the policy of a declared secret ({@link
 * SecretDeclaration#refreshPolicy(RefreshPolicy)}). {@link Secrets#refreshPolicy(String)} tells the policy in force
 * for a ref.
 *
 * <pre>{@code
 * RefreshPolicy policy = RefreshPolicy.builder().pollInterval(Duration.ofMinutes(1)).maxInFlightPerSource(8).build();
 * }</pre>
 */
public final class RefreshPolicy {
    private static final RefreshPolicy DEFAULTS = builder().build();
    private static final String[] NAMES = {
        "leaseFraction",
        "leaseJitter",
        "pollInterval",
        "pollJitter",
        "afterRotationDelay",
        "initialBackoff",
        "maxBackoff",
        "expiredMaxBackoff",
        "minBackoff",
        "attemptsBeforeExpiry",
        "maxInFlightPerSource",
        "loadTimeout",
        "revokeDelay",
        "wipeDelay",
        "requestsPerSecond",
        "spreadFirstRefresh",
        "afterRotationSpread",
        "learnFromThrottling"
    };

    /** {@link #requestsPerSecond()} without a limit. */
    public static final double UNLIMITED = Double.POSITIVE_INFINITY;

    private final double leaseFraction;
    private final double leaseJitter;
    private final Duration pollInterval;
    private final double pollJitter;
    private final Duration afterRotationDelay;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration expiredMaxBackoff;
    private final Duration minBackoff;
    private final int attemptsBeforeExpiry;
    private final int maxInFlightPerSource;
    private final Duration loadTimeout;
    private final Duration revokeDelay;
    private final Duration wipeDelay;
    private final double requestsPerSecond;
    private final boolean spreadFirstRefresh;
    private final double afterRotationSpread;
    private final boolean learnFromThrottling;
    private final int set; // one bit per option, in the order of NAMES: which options this policy overrides

    private RefreshPolicy(Builder b) {
        this.leaseFraction = b.leaseFraction;
        this.leaseJitter = b.leaseJitter;
        this.pollInterval = b.pollInterval;
        this.pollJitter = b.pollJitter;
        this.afterRotationDelay = b.afterRotationDelay;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.expiredMaxBackoff = b.expiredMaxBackoff;
        this.minBackoff = b.minBackoff;
        this.attemptsBeforeExpiry = b.attemptsBeforeExpiry;
        this.maxInFlightPerSource = b.maxInFlightPerSource;
        this.loadTimeout = b.loadTimeout;
        this.revokeDelay = b.revokeDelay;
        this.wipeDelay = b.wipeDelay;
        this.requestsPerSecond = b.requestsPerSecond;
        this.spreadFirstRefresh = b.spreadFirstRefresh;
        this.afterRotationSpread = b.afterRotationSpread;
        this.learnFromThrottling = b.learnFromThrottling;
        this.set = b.set;
    }

    /** Every option at its documented default; overrides nothing. */
    public static RefreshPolicy defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this policy's values, and overriding what this policy overrides. */
    public Builder newBuilder() {
        return new Builder(this);
    }

    /**
     * This policy over {@code base}: the options set here, the others from {@code base}. The result overrides what
     * either overrides, and is checked like a built one.
     *
     * @throws SecretConfigurationException when the two together break a rule (say, this one's {@code maxBackoff}
     *     under the base's {@code initialBackoff})
     */
    public RefreshPolicy over(RefreshPolicy base) {
        Objects.requireNonNull(base, "base");
        if (set == 0) {
            return base;
        }
        Builder b = new Builder(this);
        if ((set & 1) == 0) {
            b.leaseFraction = base.leaseFraction;
        }
        if ((set & 2) == 0) {
            b.leaseJitter = base.leaseJitter;
        }
        if ((set & 4) == 0) {
            b.pollInterval = base.pollInterval;
        }
        if ((set & 8) == 0) {
            b.pollJitter = base.pollJitter;
        }
        if ((set & 16) == 0) {
            b.afterRotationDelay = base.afterRotationDelay;
        }
        if ((set & 32) == 0) {
            b.initialBackoff = base.initialBackoff;
        }
        if ((set & 64) == 0) {
            b.maxBackoff = base.maxBackoff;
        }
        if ((set & 128) == 0) {
            b.expiredMaxBackoff = base.expiredMaxBackoff;
        }
        if ((set & 256) == 0) {
            b.minBackoff = base.minBackoff;
        }
        if ((set & 512) == 0) {
            b.attemptsBeforeExpiry = base.attemptsBeforeExpiry;
        }
        if ((set & 1024) == 0) {
            b.maxInFlightPerSource = base.maxInFlightPerSource;
        }
        if ((set & 2048) == 0) {
            b.loadTimeout = base.loadTimeout;
        }
        if ((set & 4096) == 0) {
            b.revokeDelay = base.revokeDelay;
        }
        if ((set & 8192) == 0) {
            b.wipeDelay = base.wipeDelay;
        }
        if ((set & 16384) == 0) {
            b.requestsPerSecond = base.requestsPerSecond;
        }
        if ((set & 32768) == 0) {
            b.spreadFirstRefresh = base.spreadFirstRefresh;
        }
        if ((set & 65536) == 0) {
            b.afterRotationSpread = base.afterRotationSpread;
        }
        if ((set & 131072) == 0) {
            b.learnFromThrottling = base.learnFromThrottling;
        }
        b.set = set | base.set;
        return b.build();
    }

    /** The names of the options this policy overrides, in their documented order; empty for {@link #defaults()}. */
    public List<String> overrides() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
            if ((set & (1 << i)) != 0) {
                out.add(NAMES[i]);
            }
        }
        return List.copyOf(out);
    }

    /** How far into a lease the refresh falls (2/3), counted from when the lease was issued. */
    public double leaseFraction() {
        return leaseFraction;
    }

    /** The most that is taken off the lease refresh at random, as a fraction of the lease (1/10). */
    public double leaseJitter() {
        return leaseJitter;
    }

    /** How often a secret without a lease is looked at again (5 min; less up to {@link #pollJitter()} of it). */
    public Duration pollInterval() {
        return pollInterval;
    }

    /** The most that is taken off each poll interval at random, as a fraction of it (1/10). */
    public double pollJitter() {
        return pollJitter;
    }

    /** How long after a known rotation date the secret is read again (5 s, plus up to as much again at random). */
    public Duration afterRotationDelay() {
        return afterRotationDelay;
    }

    /** The first retry waits up to this long (1 s); each further failure doubles it. */
    public Duration initialBackoff() {
        return initialBackoff;
    }

    /** The longest wait between two attempts while the version held is still valid (5 min). */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** The longest wait between two attempts once the version held is past its lease, or before any version was loaded (1 s): a dead secret costs the application more than a call costs the store. */
    public Duration expiredMaxBackoff() {
        return expiredMaxBackoff;
    }

    /** The shortest wait between two attempts, whatever the jitter draws (100 ms). */
    public Duration minBackoff() {
        return minBackoff;
    }

    /** How many attempts should fit before the lease ends: each wait is capped at the time left divided by this (4). */
    public int attemptsBeforeExpiry() {
        return attemptsBeforeExpiry;
    }

    /** How many calls to one source run at once; the others wait in line, most urgent first (16). */
    public int maxInFlightPerSource() {
        return maxInFlightPerSource;
    }

    /** How long a cold read waits for the first load before failing with {@link SourceUnavailableException} (30 s). */
    public Duration loadTimeout() {
        return loadTimeout;
    }

    /** How long after the hand-over of a new version the previous lease is revoked (at once). */
    public Duration revokeDelay() {
        return revokeDelay;
    }

    /** How long after the hand-over of a new version the previous version's bytes are wiped (60 s). */
    public Duration wipeDelay() {
        return wipeDelay;
    }

    /**
     * The request budget of one source: how many calls per second the engine may make to it, on average ({@link
     * #UNLIMITED} by default). Calls are spent by urgency: a lease about to end first, then first loads, renewals,
     * rotations, and polls last; a poll that finds no budget waits, and its secret's inventory entry shows it ({@link
     * InventoryEntry#waitingForBudget()}). A first load and a lease about to end never wait for the budget (a caller or
     * a live credential depends on them), but they spend it. Up to one second's worth may be spent in a burst.
     */
    public double requestsPerSecond() {
        return requestsPerSecond;
    }

    /**
     * Whether the first look at the store after a secret is loaded falls at a random point of the whole interval (on
     * by default): a first poll anywhere within one {@link #pollInterval()}, a first renewal anywhere between a
     * twentieth of the lease and {@link #leaseFraction()} of it. Instances of one service started together (a
     * deployment) then spread their calls over the interval, instead of polling and renewing in step ever after.
     * Later looks follow the usual rules. Off, the first look follows them too.
     */
    public boolean spreadFirstRefresh() {
        return spreadFirstRefresh;
    }

    /**
     * Over how much of the {@link #pollInterval()} the look after a known rotation date is spread (1, the whole
     * interval): it falls {@link #afterRotationDelay()} after the date plus a random part of up to this fraction of
     * the poll interval, at most 5 min (and at least up to {@code afterRotationDelay} again). With the default 5 min
     * poll a fleet picks up an announced rotation between 5 s and 5 min after its date (2.5 min on average, sooner
     * where the next poll comes first), instead of every instance calling the store in the same 5 s: a fleet's
     * requests stay level through a rotation. The store keeps the previous version valid meanwhile ({@code
     * AWSPREVIOUS}), and a pool binding that sees a login refused looks at once. 0.5 halves the wait and doubles the
     * herd; 0 spreads the look over {@code afterRotationDelay} only (5-10 s).
     */
    public double afterRotationSpread() {
        return afterRotationSpread;
    }

    /**
     * Whether a store's throttling also lowers the source's request budget for a while (on by default): at a
     * throttled answer the budget becomes 0.7 of the rate the source was asked for over the last two poll intervals
     * (or of the rate learned before), at most once per second or per {@code Retry-After}; it then grows back
     * linearly, doubling in 5 min, and is forgotten after 30 min without throttling. A fleet whose store quota is below
     * its demand then asks for about what the store can answer, its polls giving way by priority, instead of retrying
     * into the quota. Never lower than one call in ten minutes; a lease about to end and a first load never wait for
     * it. Off, a throttled call waits its {@code Retry-After} and the budget stays {@link #requestsPerSecond()}.
     */
    public boolean learnFromThrottling() {
        return learnFromThrottling;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RefreshPolicy && toString().equals(o.toString()) && set == ((RefreshPolicy) o).set;
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "RefreshPolicy{" + "leaseFraction=" + leaseFraction + ", "
                + "leaseJitter=" + leaseJitter + ", "
                + "pollInterval=" + pollInterval + ", "
                + "pollJitter=" + pollJitter + ", "
                + "afterRotationDelay=" + afterRotationDelay + ", "
                + "initialBackoff=" + initialBackoff + ", "
                + "maxBackoff=" + maxBackoff + ", "
                + "expiredMaxBackoff=" + expiredMaxBackoff + ", "
                + "minBackoff=" + minBackoff + ", "
                + "attemptsBeforeExpiry=" + attemptsBeforeExpiry + ", "
                + "maxInFlightPerSource=" + maxInFlightPerSource + ", "
                + "loadTimeout=" + loadTimeout + ", "
                + "revokeDelay=" + revokeDelay + ", "
                + "wipeDelay=" + wipeDelay + ", "
                + "requestsPerSecond=" + requestsPerSecond + ", "
                + "spreadFirstRefresh=" + spreadFirstRefresh + ", "
                + "afterRotationSpread=" + afterRotationSpread + ", "
                + "learnFromThrottling=" + learnFromThrottling + "}";
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
        private Duration expiredMaxBackoff = Duration.ofSeconds(1);
        private Duration minBackoff = Duration.ofMillis(100);
        private int attemptsBeforeExpiry = 4;
        private int maxInFlightPerSource = 16;
        private Duration loadTimeout = Duration.ofSeconds(30);
        private Duration revokeDelay = Duration.ZERO;
        private Duration wipeDelay = Duration.ofSeconds(60);
        private double requestsPerSecond = UNLIMITED;
        private boolean spreadFirstRefresh = true;
        private double afterRotationSpread = 1.0;
        private boolean learnFromThrottling = true;
        private int set;

        private Builder() {}

        private Builder(RefreshPolicy p) {
            leaseFraction = p.leaseFraction;
            leaseJitter = p.leaseJitter;
            pollInterval = p.pollInterval;
            pollJitter = p.pollJitter;
            afterRotationDelay = p.afterRotationDelay;
            initialBackoff = p.initialBackoff;
            maxBackoff = p.maxBackoff;
            expiredMaxBackoff = p.expiredMaxBackoff;
            minBackoff = p.minBackoff;
            attemptsBeforeExpiry = p.attemptsBeforeExpiry;
            maxInFlightPerSource = p.maxInFlightPerSource;
            loadTimeout = p.loadTimeout;
            revokeDelay = p.revokeDelay;
            wipeDelay = p.wipeDelay;
            requestsPerSecond = p.requestsPerSecond;
            spreadFirstRefresh = p.spreadFirstRefresh;
            afterRotationSpread = p.afterRotationSpread;
            learnFromThrottling = p.learnFromThrottling;
            set = p.set;
        }

        public Builder leaseFraction(double v) {
            leaseFraction = v;
            set |= 1;
            return this;
        }

        public Builder leaseJitter(double v) {
            leaseJitter = v;
            set |= 2;
            return this;
        }

        public Builder pollInterval(Duration v) {
            pollInterval = v;
            set |= 4;
            return this;
        }

        public Builder pollJitter(double v) {
            pollJitter = v;
            set |= 8;
            return this;
        }

        public Builder afterRotationDelay(Duration v) {
            afterRotationDelay = v;
            set |= 16;
            return this;
        }

        public Builder initialBackoff(Duration v) {
            initialBackoff = v;
            set |= 32;
            return this;
        }

        public Builder maxBackoff(Duration v) {
            maxBackoff = v;
            set |= 64;
            return this;
        }

        public Builder expiredMaxBackoff(Duration v) {
            expiredMaxBackoff = v;
            set |= 128;
            return this;
        }

        public Builder minBackoff(Duration v) {
            minBackoff = v;
            set |= 256;
            return this;
        }

        public Builder attemptsBeforeExpiry(int v) {
            attemptsBeforeExpiry = v;
            set |= 512;
            return this;
        }

        public Builder maxInFlightPerSource(int v) {
            maxInFlightPerSource = v;
            set |= 1024;
            return this;
        }

        public Builder loadTimeout(Duration v) {
            loadTimeout = v;
            set |= 2048;
            return this;
        }

        public Builder revokeDelay(Duration v) {
            revokeDelay = v;
            set |= 4096;
            return this;
        }

        public Builder wipeDelay(Duration v) {
            wipeDelay = v;
            set |= 8192;
            return this;
        }

        /** The source's request budget, in calls per second; {@link #UNLIMITED} for none (the default). */
        public Builder requestsPerSecond(double v) {
            requestsPerSecond = v;
            set |= 16384;
            return this;
        }

        /** Whether the first refresh after a load falls anywhere in the whole interval (default true). */
        public Builder spreadFirstRefresh(boolean v) {
            spreadFirstRefresh = v;
            set |= 32768;
            return this;
        }

        /** Over how much of the poll interval the look after a known rotation date is spread, in [0, 1] (default 1/2). */
        public Builder afterRotationSpread(double v) {
            afterRotationSpread = v;
            set |= 65536;
            return this;
        }

        /** Whether a store's throttling lowers the source's request budget for a while (default true). */
        public Builder learnFromThrottling(boolean v) {
            learnFromThrottling = v;
            set |= 131072;
            return this;
        }

        public RefreshPolicy build() {
            if (!(leaseFraction > 0 && leaseFraction < 1)) {
                throw bad("leaseFraction must be between 0 and 1 (exclusive), was " + leaseFraction);
            }
            if (!(leaseJitter >= 0 && leaseJitter < leaseFraction)) {
                throw bad("leaseJitter must be at least 0 and below leaseFraction, was " + leaseJitter);
            }
            if (!(afterRotationSpread >= 0 && afterRotationSpread <= 1)) {
                throw bad("afterRotationSpread must be between 0 and 1, was " + afterRotationSpread);
            }
            if (!(pollJitter >= 0 && pollJitter < 1)) {
                throw bad("pollJitter must be at least 0 and below 1, was " + pollJitter);
            }
            positive("pollInterval", pollInterval);
            positive("initialBackoff", initialBackoff);
            positive("maxBackoff", maxBackoff);
            positive("expiredMaxBackoff", expiredMaxBackoff);
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
            if (expiredMaxBackoff.compareTo(minBackoff) < 0) {
                throw bad("expiredMaxBackoff (" + expiredMaxBackoff + ") must not be shorter than minBackoff ("
                        + minBackoff + ")");
            }
            if (attemptsBeforeExpiry < 1) {
                throw bad("attemptsBeforeExpiry must be at least 1, was " + attemptsBeforeExpiry);
            }
            if (!(requestsPerSecond > 0)) {
                throw bad("requestsPerSecond must be positive (RefreshPolicy.UNLIMITED for no budget), was "
                        + requestsPerSecond);
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
