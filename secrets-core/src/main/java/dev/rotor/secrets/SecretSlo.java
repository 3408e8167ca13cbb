package dev.rotor.secrets;

import java.time.Duration;
import java.util.Optional;

/**
 * A secret's freshness objective as the engine sees it, computed from what it already knows (no call to the store):
 * whether the objective is met, and the three measures it rests on. Part of every {@link InventoryEntry}. Immutable.
 *
 * <p>The objective is met when all of these hold:
 *
 * <ul>
 *   <li>a servable version is held (loaded, and not past its lease end);
 *   <li>the version is no older than the declared {@linkplain SecretDeclaration#maxAge(Duration) maximum age}, if
 *       any ({@link Breach#MAX_AGE});
 *   <li>for a leased secret: more of the lease is left than the last sixth of it, with the default policy (half of
 *       what follows the planned refresh), which a healthy refresh never lets happen ({@link Breach#LEASE_ENDING});
 *   <li>for any other secret: the store confirmed the version (a load, a poll that found no change) within two poll
 *       intervals, or, for one with a known rotation date, within two poll intervals after that date ({@link
 *       Breach#CHECK_OVERDUE}).
 * </ul>
 *
 * A declared secret that nothing has read yet has no objective to miss ({@link #met()} is true); one whose first
 * load fails misses it ({@link Breach#NOT_LOADED}).
 */
public final class SecretSlo {
    /** Why the objective is missed. */
    public enum Breach {
        /** The first load failed: nothing is held. */
        NOT_LOADED,
        /** The lease of the version held has ended. */
        EXPIRED,
        /** The version in service is older than the declared maximum age. */
        MAX_AGE,
        /** The lease is about to end and no refresh has replaced or renewed it. */
        LEASE_ENDING,
        /** The store has not confirmed the version for longer than the secret's check bound. */
        CHECK_OVERDUE
    }

    private static final SecretSlo UNUSED = new SecretSlo(null, null, null, null);

    private final Breach breach;
    private final Duration age;
    private final Duration sinceLastCheck;
    private final Duration leaseRemaining;

    /**
     * @param breach why the objective is missed, or null when it is met
     * @param age time since the version in service was fetched; null when none is held
     * @param sinceLastCheck time since the store last confirmed the version held; null when none is held
     * @param leaseRemaining time left on the lease (negative once ended); null without a lease
     */
    public SecretSlo(Breach breach, Duration age, Duration sinceLastCheck, Duration leaseRemaining) {
        this.breach = breach;
        this.age = age;
        this.sinceLastCheck = sinceLastCheck;
        this.leaseRemaining = leaseRemaining;
    }

    /** The objective of a secret nothing has read yet: met, with no measures. */
    public static SecretSlo unused() {
        return UNUSED;
    }

    /** Whether the freshness objective is met. */
    public boolean met() {
        return breach == null;
    }

    /** Why it is missed; empty when met. */
    public Optional<Breach> breach() {
        return Optional.ofNullable(breach);
    }

    /** Time since the version in service was fetched. */
    public Optional<Duration> age() {
        return Optional.ofNullable(age);
    }

    /** Time since the last successful check with the store (a load, a poll or probe, a renewal). */
    public Optional<Duration> sinceLastCheck() {
        return Optional.ofNullable(sinceLastCheck);
    }

    /** Time left on the lease of the version held; negative once it has ended. */
    public Optional<Duration> leaseRemaining() {
        return Optional.ofNullable(leaseRemaining);
    }

    @Override
    public String toString() {
        return "SecretSlo{" + (breach == null ? "met" : "breached=" + breach)
                + (age == null ? "" : ", age=" + age)
                + (sinceLastCheck == null ? "" : ", sinceLastCheck=" + sinceLastCheck)
                + (leaseRemaining == null ? "" : ", leaseRemaining=" + leaseRemaining) + "}";
    }
}
