package dev.rotor.secrets.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretRef;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** Each timing rule on its own: no clock, no scheduler, no engine; the random draw is fixed. */
class RefreshRulesTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final SecretRef REF = SecretRef.parse("mem:db");

    private static RandomGenerator draws(double value) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return (long) (value * Long.MAX_VALUE);
            }

            @Override
            public double nextDouble() {
                return value;
            }
        };
    }

    private static RefreshRules rules(RefreshPolicy policy, double draw) {
        return new RefreshRules(policy.over(RefreshPolicy.defaults()), draws(draw));
    }

    private static Secret leased(Duration ttl, Instant issuedAt) {
        return Secret.builder(REF)
                .version("1")
                .value("v")
                .fetchedAt(issuedAt)
                .lease(Lease.of("lease-1", ttl, true, issuedAt))
                .build();
    }

    private static Secret unleased() {
        return Secret.builder(REF).version("1").value("v").fetchedAt(T0).build();
    }

    @Test
    void lease_refreshesAtTwoThirds_lessUpToATenthAsJitter_countedFromIssue() {
        Secret s = leased(Duration.ofMinutes(30), T0);
        // issued 5 min before "now": the deadline counts from the issue, not from now
        Instant now = T0.plus(Duration.ofMinutes(5));
        assertThat(rules(RefreshPolicy.defaults(), 0).softDeadline(s, now, null))
                .isEqualTo(T0.plus(Duration.ofMinutes(20)));
        assertThat(rules(RefreshPolicy.defaults(), 0.999999).softDeadline(s, now, null))
                .isBetween(
                        T0.plus(Duration.ofMinutes(17)),
                        T0.plus(Duration.ofMinutes(17)).plusMillis(1));
    }

    @Test
    void lease_comesForwardForTheSourcesHint_butNeverPastItsOwnDeadlineOrIntoThePast() {
        // a 90-day expiry on a version the store may replace at any time: the source asks to look again in 5 min
        Secret s = leased(Duration.ofDays(90), T0);
        Instant now = T0.plus(Duration.ofMinutes(1));
        Instant hint = now.plus(Duration.ofMinutes(5));
        assertThat(rules(RefreshPolicy.defaults(), 0).softDeadline(s, now, hint))
                .isEqualTo(hint);
        assertThat(rules(RefreshPolicy.defaults(), 0).firstSoftDeadline(s, now, hint))
                .isEqualTo(hint);
        // a hint later than the lease's own deadline, or one already past, changes nothing
        assertThat(rules(RefreshPolicy.defaults(), 0).softDeadline(s, now, T0.plus(Duration.ofDays(80))))
                .isEqualTo(T0.plus(Duration.ofDays(60)));
        assertThat(rules(RefreshPolicy.defaults(), 0).softDeadline(s, now, T0)).isEqualTo(T0.plus(Duration.ofDays(60)));
    }

    @Test
    void leaseThatArrivedPastItsSoftDeadline_waitsATwentiethOfTheLease_neverSpins() {
        Secret s = leased(Duration.ofMinutes(20), T0);
        Instant now = T0.plus(Duration.ofMinutes(19));
        assertThat(rules(RefreshPolicy.defaults(), 0).softDeadline(s, now, null))
                .isEqualTo(now.plus(Duration.ofMinutes(1)));
    }

    @Test
    void lease_comesForwardForASourcesHint_butALaterHintDoesNotDelayIt() {
        // a mounted certificate: its lease is its validity (90 days), and the source asks to be polled every 10 s
        Secret s = leased(Duration.ofDays(90), T0);
        Instant now = T0.plus(Duration.ofDays(1));
        RefreshRules r = rules(RefreshPolicy.defaults(), 0);
        assertThat(r.softDeadline(s, now, now.plusSeconds(10))).isEqualTo(now.plusSeconds(10));
        assertThat(r.firstSoftDeadline(s, now, now.plusSeconds(10))).isEqualTo(now.plusSeconds(10));
        assertThat(r.softDeadline(s, now, T0.plus(Duration.ofDays(80)))).isEqualTo(T0.plus(Duration.ofDays(60)));
        // a hint already past is no hint
        assertThat(r.softDeadline(s, now, now.minusSeconds(1))).isEqualTo(T0.plus(Duration.ofDays(60)));
    }

    @Test
    void unleasedSecret_pollsEveryInterval_lessUpToPollJitter_andComesForwardForAHint() {
        RefreshRules r = rules(
                RefreshPolicy.builder().pollInterval(Duration.ofMinutes(10)).build(), 0.5);
        assertThat(r.softDeadline(unleased(), T0, null)).isEqualTo(T0.plus(Duration.ofSeconds(570)));
        assertThat(r.softDeadline(unleased(), T0, T0.plus(Duration.ofMinutes(2))))
                .isEqualTo(T0.plus(Duration.ofMinutes(2)));
        // a hint later than the poll does not delay it
        assertThat(r.softDeadline(unleased(), T0, T0.plus(Duration.ofHours(2))))
                .isEqualTo(T0.plus(Duration.ofSeconds(570)));
    }

    @Test
    void knownRotationDate_isReadJustAfterIt() {
        Secret s = Secret.builder(REF)
                .version("1")
                .value("v")
                .fetchedAt(T0)
                .nextRotation(T0.plus(Duration.ofMinutes(1)))
                .build();
        assertThat(rules(RefreshPolicy.defaults(), 0).softDeadline(s, T0, null))
                .isEqualTo(T0.plus(Duration.ofMinutes(1)).plusSeconds(5));
    }

    @Test
    void knownRotationDate_lookIsSpreadOverTheWholePollInterval_atMostFiveMinutes() {
        Instant rotation = T0.plus(Duration.ofMinutes(1));
        Secret s = Secret.builder(REF)
                .version("1")
                .value("v")
                .fetchedAt(T0)
                .nextRotation(rotation)
                .build();
        // afterRotationDelay 5 s, plus up to the whole 5 min poll interval
        assertThat(rules(RefreshPolicy.defaults(), 0.5).softDeadline(s, T0, null))
                .isEqualTo(rotation.plusSeconds(5).plusSeconds(150));
        // later than the next poll (5 min less up to a tenth): the poll comes first
        assertThat(rules(RefreshPolicy.defaults(), 0.999).softDeadline(s, T0, null))
                .isBetween(T0.plusSeconds(270), T0.plusSeconds(271));
        // a long poll interval: the spread stops at 5 min
        RefreshPolicy hourly =
                RefreshPolicy.builder().pollInterval(Duration.ofHours(1)).build();
        assertThat(rules(hourly, 0.999).softDeadline(s, T0, null))
                .isBetween(rotation.plusSeconds(304), rotation.plusSeconds(305));
        // half the interval, the earlier default
        RefreshPolicy half = RefreshPolicy.builder().afterRotationSpread(0.5).build();
        assertThat(rules(half, 0.5).softDeadline(s, T0, null)).isEqualTo(rotation.plusSeconds(5 + 75));
        // no spread: up to afterRotationDelay again, as a single client would want
        RefreshPolicy prompt = RefreshPolicy.builder().afterRotationSpread(0).build();
        assertThat(rules(prompt, 0.5).softDeadline(s, T0, null)).isEqualTo(rotation.plusMillis(7_500));
    }

    @Test
    void credentialsTheSourceRotatesItself_areLookedAtPromptly_whateverTheSpread() {
        // the old credential stops working at the lease end: the spread for announced rotations does not apply
        Secret s = Secret.builder(REF)
                .version("1")
                .value("v")
                .fetchedAt(T0)
                .lease(Lease.builder(Duration.ofHours(1), T0)
                        .id("static")
                        .rotationPeriod(Duration.ofHours(1))
                        .build())
                .build();
        assertThat(rules(RefreshPolicy.builder().afterRotationSpread(1).build(), 0.5)
                        .softDeadline(s, T0, null))
                .isEqualTo(T0.plus(Duration.ofHours(1)).plusMillis(7_500));
    }

    @Test
    void pollAfterTheLookAfterARotationDate_fallsAnywhereInOneInterval() {
        Instant rotation = T0.plus(Duration.ofMinutes(1));
        Instant look = rotation.plusSeconds(20);
        Secret s = Secret.builder(REF)
                .version("2")
                .value("v2")
                .fetchedAt(look)
                .nextRotation(rotation.plus(Duration.ofHours(6)))
                .build();
        RefreshRules r = rules(RefreshPolicy.defaults(), 0.5);

        // a fleet that looked just after one date polls anywhere in the next interval, not in step
        assertThat(r.softDeadline(s, look, null, rotation)).isEqualTo(look.plusSeconds(150));
        // the usual rule otherwise: one interval less up to a tenth of it
        assertThat(r.softDeadline(s, look, null, null)).isEqualTo(look.plusSeconds(285));
        // a rotation date more than one poll interval ago is not the look after it
        Instant later = rotation.plus(Duration.ofMinutes(6));
        assertThat(r.softDeadline(s, later, null, rotation)).isEqualTo(later.plusSeconds(285));
        // and without spreadFirstRefresh, nothing is spread
        RefreshRules steady =
                rules(RefreshPolicy.builder().spreadFirstRefresh(false).build(), 0.5);
        assertThat(steady.softDeadline(s, look, null, rotation)).isEqualTo(look.plusSeconds(285));
    }

    @Test
    void hardDeadline_isTheLeaseEnd_andNoneWithoutALease() {
        RefreshRules r = rules(RefreshPolicy.defaults(), 0);
        assertThat(r.hardDeadline(leased(Duration.ofMinutes(30), T0))).isEqualTo(T0.plus(Duration.ofMinutes(30)));
        assertThat(r.hardDeadline(unleased())).isNull();
    }

    @Test
    void renewal_stopsPaying_belowTheLeaseFractionOfTheBaseLease() {
        RefreshRules r = rules(RefreshPolicy.defaults(), 0);
        Lease full = Lease.of("l", Duration.ofMinutes(30), true, T0);
        Lease capped = Lease.of("l", Duration.ofMinutes(19), true, T0);
        assertThat(r.renewalStopsPaying(Duration.ofMinutes(30), full)).isFalse();
        assertThat(r.renewalStopsPaying(Duration.ofMinutes(30), capped)).isTrue();
    }

    @Test
    void retry_growsExponentially_withFullJitter_underMaxBackoff() {
        RefreshRules top = rules(RefreshPolicy.defaults(), 0.999999);
        assertThat(top.retryDelay(1, true, true, null, T0, null)).isBetween(ms(999), ms(1000));
        assertThat(top.retryDelay(3, true, true, null, T0, null)).isBetween(ms(3999), ms(4000));
        assertThat(top.retryDelay(30, true, true, null, T0, null)).isBetween(ms(299_999), ms(300_000));
        // full jitter: anything from the floor up
        assertThat(rules(RefreshPolicy.defaults(), 0).retryDelay(3, true, true, null, T0, null))
                .isEqualTo(ms(100));
    }

    @Test
    void retry_beforeTheLeaseEnds_leavesRoomForSeveralAttempts() {
        RefreshRules top = rules(RefreshPolicy.defaults(), 0.999999);
        Instant hard = T0.plus(Duration.ofMinutes(2));
        assertThat(top.retryDelay(30, true, true, hard, T0, null)).isLessThanOrEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void retry_onceTheLeaseHasEnded_orBeforeAnythingLoaded_isCappedAtExpiredMaxBackoff() {
        RefreshRules top = rules(RefreshPolicy.defaults(), 0.999999);
        Instant ended = T0.minusSeconds(1);
        assertThat(top.retryDelay(30, true, true, ended, T0, null)).isLessThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(top.retryDelay(30, true, false, null, T0, null)).isLessThanOrEqualTo(Duration.ofSeconds(1));
        // what retrying cannot cure waits the whole cap, which is still short for a dead secret
        assertThat(rules(RefreshPolicy.defaults(), 0).retryDelay(1, false, false, null, T0, null))
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void retry_waitsForTheBreakersTrialCall_whenThatComesLater() {
        RefreshRules r = rules(RefreshPolicy.defaults(), 0);
        assertThat(r.retryDelay(1, true, true, null, T0, Duration.ofSeconds(4))).isEqualTo(Duration.ofSeconds(4));
        assertThat(r.retryDelay(1, true, true, null, T0, Duration.ZERO)).isEqualTo(ms(100));
    }

    @Test
    void failureRetryingCannotCure_waitsTheWholeCap() {
        RefreshRules r =
                rules(RefreshPolicy.builder().maxBackoff(Duration.ofMinutes(1)).build(), 0);
        assertThat(r.retryDelay(1, false, true, null, T0, null)).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void cheapSourceDefaults_retryAtThePollInterval() {
        RefreshPolicy file = RefreshPolicy.builder()
                .pollInterval(Duration.ofSeconds(10))
                .maxBackoff(Duration.ofSeconds(10))
                .build();
        RefreshRules top = rules(file, 0.999999);
        assertThat(top.retryDelay(20, true, true, null, T0, null)).isLessThanOrEqualTo(Duration.ofSeconds(10));
        assertThat(rules(file, 0).retryDelay(20, false, true, null, T0, null)).isEqualTo(Duration.ofSeconds(10));
    }

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }
}
