package dev.rotor.secrets.internal;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * The timing rules of one policy, in one place and nothing else: given the version held, the failures so far and the
 * time, when to look again, when the version is dead, and how long to wait after a failure. Pure: no clock, no
 * scheduler, no state; the random generator is the only input not passed in. Thread-safe when the generator is.
 *
 * <p>Every rule here is tested on its own in {@code RefreshRulesTest}; the entry only asks.
 */
final class RefreshRules {
    final RefreshPolicy policy;
    private final RandomGenerator random;

    RefreshRules(RefreshPolicy policy, RandomGenerator random) {
        this.policy = policy;
        this.random = random;
    }

    /**
     * When to look at {@code held} again after a success at {@code now}:
     *
     * <ul>
     *   <li>credentials the source rotates itself (a lease with a rotation period): just after it does, at the lease
     *       end plus {@code afterRotationDelay} plus up to as much again;
     *   <li>a lease: at {@code leaseFraction} of it less up to {@code leaseJitter} of it, counted from its issue,
     *       brought forward to the source's {@code checkAgainAt} when that comes sooner (a store whose versions carry
     *       an expiry but can change at any time before it, such as Azure Key Vault, keeps polling that way);
     *   <li>no lease: one poll interval less up to {@code pollJitter} of it, brought forward to the source's
     *       {@code checkAgainAt} and to just after a known rotation date when those come sooner ({@code
     *       afterRotationDelay} plus up to {@code afterRotationSpread} of the poll interval: the store keeps the
     *       previous version valid, so a fleet may spread its looks).
     * </ul>
     *
     * A deadline that has already passed (a source handing out an old lease) never makes the engine spin: the answer is
     * at least {@code minBackoff}, or a twentieth of the lease, from now.
     */
    Instant softDeadline(Secret held, Instant now, Instant checkAgainAt) {
        return softDeadline(held, now, checkAgainAt, null);
    }

    /**
     * As {@link #softDeadline(Secret, Instant, Instant)}, for a look made while {@code previousRotation} (the rotation
     * date the version held before the look announced; may be null) was due: a poll made within one poll interval
     * after that date, which is the look after the rotation, is followed by a poll anywhere within one interval, as
     * the first poll after a load is ({@code spreadFirstRefresh}), so that a fleet that looked just after one rotation
     * date does not poll in step ever after.
     */
    Instant softDeadline(Secret held, Instant now, Instant checkAgainAt, Instant previousRotation) {
        if (previousRotation != null
                && policy.spreadFirstRefresh()
                && held.lease().isEmpty()
                && !now.isBefore(previousRotation)
                && now.isBefore(previousRotation.plus(policy.pollInterval()))) {
            return firstSoftDeadline(held, now, checkAgainAt);
        }
        Lease lease = held.lease().orElse(null);
        Instant soft;
        if (lease != null && lease.rotationPeriod().isPresent()) {
            // the source replaced the credential at the lease end and the old one no longer works: look at once
            Duration delay = policy.afterRotationDelay();
            soft = lease.expiresAt().plus(delay).plus(jitter(delay));
        } else if (lease != null) {
            long ttl = lease.duration().toNanos();
            long at = (long) (ttl * policy.leaseFraction());
            long jitter = (long) (random.nextDouble() * ttl * policy.leaseJitter());
            soft = lease.issuedAt().plusNanos(at - jitter);
            soft = sooner(soft, checkAgainAt, now);
        } else {
            Duration poll = policy.pollInterval();
            soft = now.plus(poll).minus(jitter(Duration.ofNanos((long) (poll.toNanos() * policy.pollJitter()))));
            if (checkAgainAt != null && checkAgainAt.isAfter(now) && checkAgainAt.isBefore(soft)) {
                soft = checkAgainAt;
            }
            Instant rotation = held.nextRotation().orElse(null);
            if (rotation != null && rotation.isAfter(now)) {
                Instant afterRotation = rotation.plus(afterRotation());
                if (afterRotation.isBefore(soft)) {
                    soft = afterRotation;
                }
            }
        }
        Duration floor = policy.minBackoff();
        if (lease != null && lease.duration().dividedBy(20).compareTo(floor) > 0) {
            floor = lease.duration().dividedBy(20);
        }
        Instant earliest = now.plus(floor);
        return soft.isBefore(now.plus(policy.minBackoff())) ? earliest : soft;
    }

    /**
     * When to look at {@code held} first, after it was loaded at {@code now}: anywhere in the whole interval, so that
     * instances started together (a deployment) spread their polls and renewals over it instead of keeping in step:
     *
     * <ul>
     *   <li>a lease: at a random point up to {@code leaseFraction} of it, counted from its issue, and not before a
     *       twentieth of it, brought forward to the source's {@code checkAgainAt} when that comes sooner;
     *   <li>no lease: at a random point up to one poll interval from now, brought forward to the source's {@code
     *       checkAgainAt} and to just after a known rotation date as {@link #softDeadline} does;
     *   <li>credentials the source rotates itself: as {@link #softDeadline} (the rotation date sets the time).
     * </ul>
     *
     * Never sooner than {@code minBackoff} from now. With {@code spreadFirstRefresh} off, as {@link #softDeadline}.
     */
    Instant firstSoftDeadline(Secret held, Instant now, Instant checkAgainAt) {
        Lease lease = held.lease().orElse(null);
        if (!policy.spreadFirstRefresh()
                || (lease != null && lease.rotationPeriod().isPresent())) {
            return softDeadline(held, now, checkAgainAt);
        }
        Instant soft;
        if (lease != null) {
            long ttl = lease.duration().toNanos();
            long latest = (long) (ttl * policy.leaseFraction());
            long earliest = ttl / 20;
            long at = earliest + (long) (random.nextDouble() * Math.max(0, latest - earliest));
            soft = lease.issuedAt().plusNanos(at);
            soft = sooner(soft, checkAgainAt, now);
        } else {
            Duration poll = policy.pollInterval();
            soft = now.plus(poll).minus(jitter(poll));
            if (checkAgainAt != null && checkAgainAt.isAfter(now) && checkAgainAt.isBefore(soft)) {
                soft = checkAgainAt;
            }
            Instant rotation = held.nextRotation().orElse(null);
            if (rotation != null && rotation.isAfter(now)) {
                Instant afterRotation = rotation.plus(afterRotation());
                if (afterRotation.isBefore(soft)) {
                    soft = afterRotation;
                }
            }
        }
        Instant earliest = now.plus(policy.minBackoff());
        return soft.isBefore(earliest) ? earliest : soft;
    }

    /**
     * {@code checkAgainAt} when it falls between {@code now} and {@code soft}: a source that asks to be looked at
     * again before the lease refresh (a mounted certificate, whose lease is its validity, polled for a replacement).
     */
    private static Instant sooner(Instant soft, Instant checkAgainAt, Instant now) {
        return checkAgainAt != null && checkAgainAt.isAfter(now) && checkAgainAt.isBefore(soft) ? checkAgainAt : soft;
    }

    /**
     * How long to wait after the store throttled a call: at least what it asked for ({@code asked}, may be null) plus
     * up to as much again at random (clients throttled together must not come back together), and never less than
     * {@code backoff}, the wait {@link #retryDelay} chose.
     */
    Duration throttledDelay(Duration backoff, Duration asked) {
        if (asked == null || asked.isZero() || asked.isNegative()) {
            return backoff;
        }
        Duration wait = asked.plus(jitter(asked));
        return wait.compareTo(backoff) < 0 ? backoff : wait;
    }

    /** When {@code held} stops being servable: its lease end; null for a version without a lease (or one the source rotates itself). */
    Instant hardDeadline(Secret held) {
        Lease lease = held.lease().orElse(null);
        return lease == null || lease.rotationPeriod().isPresent() ? null : lease.expiresAt();
    }

    /** Whether a renewal that granted {@code renewed} no longer pays: less than {@code leaseFraction} of {@code base}. */
    boolean renewalStopsPaying(Duration base, Lease renewed) {
        return renewed.duration().compareTo(renewalThreshold(base)) < 0;
    }

    Duration renewalThreshold(Duration base) {
        return Duration.ofNanos((long) (base.toNanos() * policy.leaseFraction()));
    }

    /**
     * How long to wait after failed attempt number {@code attempt} (1 for the first failure). Full-jitter exponential
     * backoff: a random wait up to {@code initialBackoff * 2^(attempt-1)}, never under {@code minBackoff}, capped by
     *
     * <ul>
     *   <li>{@code expiredMaxBackoff} when nothing servable is held ({@code hardDeadline} is in the past, or nothing
     *       was ever loaded: {@code loaded} false);
     *   <li>otherwise {@code maxBackoff}, and the time left to {@code hardDeadline} divided by {@code
     *       attemptsBeforeExpiry}.
     * </ul>
     *
     * A failure that retrying cannot cure ({@code retryable} false) waits the whole cap. When the source's circuit
     * breaker is open, the wait reaches at least the moment it lets a trial call through ({@code untilTrial}), plus a
     * little jitter: a retry refused by the breaker would cost another whole step.
     */
    Duration retryDelay(
            int attempt, boolean retryable, boolean loaded, Instant hardDeadline, Instant now, Duration untilTrial) {
        boolean dead = !loaded || (hardDeadline != null && !now.isBefore(hardDeadline));
        long cap;
        if (dead) {
            cap = Math.min(
                    policy.expiredMaxBackoff().toNanos(), policy.maxBackoff().toNanos());
        } else {
            cap = policy.maxBackoff().toNanos();
            if (hardDeadline != null) {
                long left = Duration.between(now, hardDeadline).toNanos();
                cap = Math.min(cap, left / policy.attemptsBeforeExpiry());
            }
        }
        long min = policy.minBackoff().toNanos();
        cap = Math.max(cap, min);
        long exp = policy.initialBackoff().toNanos();
        for (int i = 1; i < attempt && exp < cap; i++) {
            exp = exp > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : exp * 2;
        }
        exp = Math.min(exp, cap);
        long delay = retryable ? (long) (random.nextDouble() * exp) : cap;
        Duration wait = Duration.ofNanos(Math.max(delay, min));
        if (untilTrial != null && untilTrial.compareTo(wait) > 0) {
            wait = untilTrial.plus(jitter(policy.minBackoff()));
        }
        return wait;
    }

    /**
     * How long after a known rotation date to look: {@code afterRotationDelay}, plus a random part of up to {@code
     * afterRotationSpread} of the poll interval (at most 5 min), and at least up to {@code afterRotationDelay} again.
     */
    private Duration afterRotation() {
        Duration delay = policy.afterRotationDelay();
        Duration spread = Duration.ofNanos((long) (policy.pollInterval().toNanos() * policy.afterRotationSpread()));
        if (spread.compareTo(MAX_AFTER_ROTATION_SPREAD) > 0) {
            spread = MAX_AFTER_ROTATION_SPREAD;
        }
        return delay.plus(jitter(spread.compareTo(delay) > 0 ? spread : delay));
    }

    /** The longest spread of the look after a known rotation date, whatever the poll interval. */
    static final Duration MAX_AFTER_ROTATION_SPREAD = Duration.ofMinutes(5);

    /**
     * Within how long of a source's recovery (its breaker closed after an outage) a secret waiting out a failure's
     * backoff looks again: a fifth of the shorter of the poll interval and {@code maxBackoff} (1 min on the defaults,
     * 2 s for a file), at a random point.
     */
    Duration recoveryWindow() {
        Duration shorter =
                policy.pollInterval().compareTo(policy.maxBackoff()) < 0 ? policy.pollInterval() : policy.maxBackoff();
        return shorter.dividedBy(5);
    }

    Duration jitter(Duration max) {
        long nanos = SystemScheduler.saturatedNanos(max);
        return nanos <= 0 ? Duration.ZERO : Duration.ofNanos((long) (random.nextDouble() * nanos));
    }
}
