package dev.rotor.secrets;

import java.time.Duration;
import java.util.Objects;

/**
 * When the engine's anomaly signals fire (the {@link SecretEventType} values {@code ROTATION_TOO_FREQUENT}, {@code
 * ACCESS_DENIED_BURST}, {@code CONSUMER_REFUSING}, {@code UNDECLARED_READ} and {@code READ_RATE_SPIKE}). The signals
 * run only while the monitor does ({@link Secrets.Builder#monitorInterval}); these settings change when they speak,
 * never what they cost on the read path. Immutable and thread-safe; build with {@link #builder()}, start from {@link
 * #defaults()} or {@link #newBuilder()}.
 *
 * <pre>{@code
 * Secrets.builder().signalThresholds(SignalThresholds.builder().deniedBurst(3).deniedWindow(Duration.ofSeconds(30))
 *         .build())
 * }</pre>
 *
 * <table>
 *   <caption>The settings and their defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>the signal fires when</th><th>why the default</th></tr>
 *   <tr><td>{@link #versionsPerCadence()}</td><td>3</td><td>more new versions than this arrive within one declared
 *       rotation cadence</td><td>a rotation, a retry of it and an operator's manual rotation fit in one cadence;
 *       a fourth is a loop or a leak being rotated away</td></tr>
 *   <tr><td>{@link #deniedBurst()} within {@link #deniedWindow()}</td><td>5 within 1 min</td><td>that many access
 *       denied answers come from one source within the window</td><td>one or two denials are a typo or a policy
 *       being deployed; five in a minute is a revoked policy or someone probing refs</td></tr>
 *   <tr><td>{@link #refusals()}</td><td>3</td><td>the validators, or one consumer, refuse that many new versions of
 *       a secret in a row</td><td>each refusal is retried with backoff, so three in a row outlast a transient
 *       failure to connect</td></tr>
 *   <tr><td>{@link #maxUndeclared()}</td><td>1000</td><td>(a bound, not a trigger) an undeclared ref is reported
 *       once, and at most this many refs are remembered</td><td>bounds memory when refs come from input; past it the
 *       signal stays quiet rather than grow</td></tr>
 *   <tr><td>{@link #spikeFactor()}, {@link #spikeMinReads()}, {@link #spikeWarmup()}</td><td>10, 100, 5</td><td>after
 *       {@code spikeWarmup} evaluations, an interval holds at least {@code spikeMinReads} reads and more than {@code
 *       spikeFactor} times the secret's moving average rate</td><td>an order of magnitude is far beyond a daily
 *       peak; the minimum keeps a secret read twice instead of once from counting; five intervals give the average
 *       something to stand on</td></tr>
 * </table>
 */
public final class SignalThresholds {
    private static final SignalThresholds DEFAULTS = builder().build();
    /** The most of each count setting: the monitor keeps that many timestamps per secret or source. */
    public static final int MAX_COUNT = 1_000;

    private final int versionsPerCadence;
    private final int deniedBurst;
    private final Duration deniedWindow;
    private final int refusals;
    private final int maxUndeclared;
    private final double spikeFactor;
    private final int spikeMinReads;
    private final int spikeWarmup;

    private SignalThresholds(Builder b) {
        this.versionsPerCadence = b.versionsPerCadence;
        this.deniedBurst = b.deniedBurst;
        this.deniedWindow = b.deniedWindow;
        this.refusals = b.refusals;
        this.maxUndeclared = b.maxUndeclared;
        this.spikeFactor = b.spikeFactor;
        this.spikeMinReads = b.spikeMinReads;
        this.spikeWarmup = b.spikeWarmup;
    }

    /** The defaults, as the table above lists them. */
    public static SignalThresholds defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this value's settings. */
    public Builder newBuilder() {
        Builder b = new Builder();
        b.versionsPerCadence = versionsPerCadence;
        b.deniedBurst = deniedBurst;
        b.deniedWindow = deniedWindow;
        b.refusals = refusals;
        b.maxUndeclared = maxUndeclared;
        b.spikeFactor = spikeFactor;
        b.spikeMinReads = spikeMinReads;
        b.spikeWarmup = spikeWarmup;
        return b;
    }

    /** {@code ROTATION_TOO_FREQUENT} fires at more new versions than this within one declared cadence (default 3). */
    public int versionsPerCadence() {
        return versionsPerCadence;
    }

    /** {@code ACCESS_DENIED_BURST} fires at this many access denied answers from one source (default 5)... */
    public int deniedBurst() {
        return deniedBurst;
    }

    /** ...within this window (default 1 minute). */
    public Duration deniedWindow() {
        return deniedWindow;
    }

    /** {@code CONSUMER_REFUSING} fires at this many refused versions in a row (default 3). */
    public int refusals() {
        return refusals;
    }

    /** The most undeclared refs {@code UNDECLARED_READ} remembers (and so reports) (default 1000). */
    public int maxUndeclared() {
        return maxUndeclared;
    }

    /** {@code READ_RATE_SPIKE} fires above this multiple of the secret's moving average read rate (default 10). */
    public double spikeFactor() {
        return spikeFactor;
    }

    /** ...in an interval with at least this many reads (default 100)... */
    public int spikeMinReads() {
        return spikeMinReads;
    }

    /** ...once this many evaluations have built the average (default 5). */
    public int spikeWarmup() {
        return spikeWarmup;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SignalThresholds)) {
            return false;
        }
        SignalThresholds t = (SignalThresholds) o;
        return versionsPerCadence == t.versionsPerCadence
                && deniedBurst == t.deniedBurst
                && deniedWindow.equals(t.deniedWindow)
                && refusals == t.refusals
                && maxUndeclared == t.maxUndeclared
                && Double.compare(spikeFactor, t.spikeFactor) == 0
                && spikeMinReads == t.spikeMinReads
                && spikeWarmup == t.spikeWarmup;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                versionsPerCadence,
                deniedBurst,
                deniedWindow,
                refusals,
                maxUndeclared,
                spikeFactor,
                spikeMinReads,
                spikeWarmup);
    }

    @Override
    public String toString() {
        return "SignalThresholds{versionsPerCadence=" + versionsPerCadence + ", deniedBurst=" + deniedBurst
                + ", deniedWindow=" + deniedWindow + ", refusals=" + refusals + ", maxUndeclared=" + maxUndeclared
                + ", spikeFactor=" + spikeFactor + ", spikeMinReads=" + spikeMinReads + ", spikeWarmup=" + spikeWarmup
                + "}";
    }

    /**
     * Builds {@link SignalThresholds}; every setting starts at its default. {@link #build()} rejects a bad value with
     * an {@link IllegalArgumentException} naming the setting. Not thread-safe.
     */
    public static final class Builder {
        private int versionsPerCadence = 3;
        private int deniedBurst = 5;
        private Duration deniedWindow = Duration.ofMinutes(1);
        private int refusals = 3;
        private int maxUndeclared = 1_000;
        private double spikeFactor = 10;
        private int spikeMinReads = 100;
        private int spikeWarmup = 5;

        private Builder() {}

        /** From 1 to {@value SignalThresholds#MAX_COUNT}. */
        public Builder versionsPerCadence(int n) {
            this.versionsPerCadence = n;
            return this;
        }

        /** From 1 to {@value SignalThresholds#MAX_COUNT}. */
        public Builder deniedBurst(int n) {
            this.deniedBurst = n;
            return this;
        }

        /** Positive. */
        public Builder deniedWindow(Duration window) {
            this.deniedWindow = window;
            return this;
        }

        /** At least 1. */
        public Builder refusals(int n) {
            this.refusals = n;
            return this;
        }

        /** From 0 (no undeclared ref is reported) to 1,000,000. */
        public Builder maxUndeclared(int n) {
            this.maxUndeclared = n;
            return this;
        }

        /** A finite number above 1. */
        public Builder spikeFactor(double factor) {
            this.spikeFactor = factor;
            return this;
        }

        /** At least 1. */
        public Builder spikeMinReads(int n) {
            this.spikeMinReads = n;
            return this;
        }

        /** At least 1. */
        public Builder spikeWarmup(int n) {
            this.spikeWarmup = n;
            return this;
        }

        public SignalThresholds build() {
            between("versionsPerCadence", versionsPerCadence, 1, MAX_COUNT);
            between("deniedBurst", deniedBurst, 1, MAX_COUNT);
            if (deniedWindow == null || deniedWindow.isNegative() || deniedWindow.isZero()) {
                throw bad("deniedWindow must be positive, was " + deniedWindow);
            }
            between("refusals", refusals, 1, Integer.MAX_VALUE);
            between("maxUndeclared", maxUndeclared, 0, 1_000_000);
            if (!(spikeFactor > 1) || Double.isInfinite(spikeFactor)) {
                throw bad("spikeFactor must be a finite number above 1, was " + spikeFactor);
            }
            between("spikeMinReads", spikeMinReads, 1, Integer.MAX_VALUE);
            between("spikeWarmup", spikeWarmup, 1, Integer.MAX_VALUE);
            return new SignalThresholds(this);
        }

        private static void between(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw bad(name
                        + (max == Integer.MAX_VALUE
                                ? " must be at least " + min
                                : " must be from " + min + " to " + max)
                        + ", was " + value);
            }
        }

        private static IllegalArgumentException bad(String message) {
            return new IllegalArgumentException("SignalThresholds." + message);
        }
    }
}
