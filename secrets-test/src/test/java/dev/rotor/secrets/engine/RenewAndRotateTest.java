package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.LeaseExpiredException;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.test.InMemorySource.Operation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Rule 4: renew until renewal stops paying, then rotate early, revoking the old lease after the hand-over. */
class RenewAndRotateTest {

    @Test
    void renewableLease_isRenewedAtTheSoftDeadline_withoutAHandOver() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(10), true);
            f.start();
            List<SecretChange> changes = new ArrayList<>();
            f.secrets.watch("mem:db", changes::add);
            Instant t0 = f.scheduler.clock().now();

            f.advance(Duration.ofMinutes(37));
            assertThat(f.source.count(Operation.RENEW)).isEqualTo(1);
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(1);
            Secret renewed = f.secrets.get("mem:db");
            assertThat(renewed.version()).isEqualTo("1");
            assertThat(renewed.lease().orElseThrow().expiresAt()).isEqualTo(t0.plus(Duration.ofMinutes(97)));
            assertThat(changes).hasSize(1); // only the initial delivery
            assertThat(f.events.types()).contains(SecretEventType.RENEWED);

            // the next soft deadline counts from the renewal
            f.advance(Duration.ofMinutes(36));
            assertThat(f.source.count(Operation.RENEW)).isEqualTo(1);
            f.advance(Duration.ofMinutes(1));
            assertThat(f.source.count(Operation.RENEW)).isEqualTo(2);
        }
    }

    @Test
    void renewalCappedByMaxTtl_rotatesEarly_andRevokesTheOldLeaseOnlyAfterTheHandOver() {
        try (Fixture f = new Fixture()) {
            // ttl 1h, max 2h: renewal at 37m gives 1h (to 1h37m); at 1h14m only 46m are left: less than 40m? no;
            // at 1h51m only 9m: capped, rotate early.
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(2), true);
            f.start();
            String firstLease =
                    f.secrets.get("mem:db").lease().orElseThrow().id().orElseThrow();
            List<String> leaseValidAtHandOver = new ArrayList<>();
            List<String> seen = new ArrayList<>();
            f.secrets.watch("mem:db", change -> {
                seen.add(change.previous().map(Secret::version).orElse("-") + "->"
                        + change.current().version());
                change.previous()
                        .ifPresent(p -> leaseValidAtHandOver.add(
                                p.lease().orElseThrow().id().orElseThrow() + "="
                                        + f.source.isLeaseValid(
                                                p.lease().orElseThrow().id().orElseThrow())));
            });

            f.advance(Duration.ofMinutes(37 + 37 + 37));
            assertThat(f.source.count(Operation.RENEW)).isEqualTo(3);
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(2);
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("2");
            assertThat(f.secrets.get("mem:db").field("password")).contains("pass-2");
            assertThat(seen).containsExactly("-->1", "1->2");
            assertThat(leaseValidAtHandOver).containsExactly(firstLease + "=true");
            assertThat(f.source.revokedLeases()).containsExactly(firstLease);
            assertThat(f.events.types())
                    .containsSubsequence(SecretEventType.RENEWED, SecretEventType.ROTATED, SecretEventType.REVOKED);
        }
    }

    @Test
    void earlyRotationThatFails_keepsTheRenewedVersion_andRetriesTheRotationNotTheRenewal() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofMinutes(70), true);
            f.start();
            f.secrets.get("mem:db");
            f.source.failOnly(Set.of(Operation.FETCH));
            f.source.failNext(1, () -> new dev.rotor.secrets.SourceUnavailableException("down", null, "mem"));
            // renewal at 37m is capped to 33m: rotate early, which fails once
            f.advance(Duration.ofMinutes(37));
            assertThat(f.source.count(Operation.RENEW)).isEqualTo(1);
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("1");
            f.advance(Duration.ofMinutes(5));
            assertThat(f.source.count(Operation.RENEW)).isEqualTo(1);
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("2");
        }
    }

    @Test
    void leaseUnknownToTheSource_isReissued() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(10), true);
            f.start();
            f.secrets.get("mem:db");
            f.source.failOnly(Set.of(Operation.RENEW));
            f.source.failNext(1, () -> new LeaseExpiredException("lease not found", null, "mem"));
            f.advance(Duration.ofMinutes(37));
            assertThat(f.source.count(Operation.RENEW)).isEqualTo(1);
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("2");
        }
    }

    @Test
    void nonRenewableLease_isReplacedAtTheSoftDeadline_andTheOldLeaseRevoked() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(1), false);
            f.start();
            String first = f.secrets.get("mem:db").lease().orElseThrow().id().orElseThrow();
            f.advance(Duration.ofMinutes(37));
            assertThat(f.source.count(Operation.RENEW)).isZero();
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("2");
            assertThat(f.source.revokedLeases()).containsExactly(first);
        }
    }

    @Test
    void revokeDelay_keepsTheOldLeaseForTheGracePeriod() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(1), false);
            f.policy(dev.rotor.secrets.RefreshPolicy.builder()
                    .revokeDelay(Duration.ofSeconds(30))
                    .build());
            f.secrets.get("mem:db");
            f.advance(Duration.ofMinutes(37));
            assertThat(f.source.revokedLeases()).isEmpty();
            f.advance(Duration.ofSeconds(30));
            assertThat(f.source.revokedLeases()).hasSize(1);
        }
    }

    @Test
    void holdOnThePreviousVersion_delaysRevocationAndWipeUntilReleased_whileLaterVersionsAreDelivered() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(1), false);
            f.policy(RefreshPolicy.builder().wipeDelay(Duration.ZERO).build());
            Secret first = f.secrets.get("mem:db");
            String firstLease = first.lease().orElseThrow().id().orElseThrow();
            List<String> seen = new ArrayList<>();
            List<SecretChange.Hold> holds = new ArrayList<>();
            f.secrets.watch("mem:db", change -> {
                seen.add(change.current().version());
                holds.add(change.holdPrevious(Duration.ofHours(2)));
            });

            f.advance(Duration.ofMinutes(37));
            assertThat(seen).containsExactly("1", "2");
            assertThat(f.source.revokedLeases()).as("held by the listener").isEmpty();
            assertThat(first.isWiped()).isFalse();

            f.advance(Duration.ofMinutes(37));
            assertThat(seen).as("a hold does not stop later deliveries").containsExactly("1", "2", "3");

            holds.get(1).release();
            assertThat(f.source.revokedLeases()).containsExactly(firstLease);
            assertThat(first.isWiped()).isTrue();
            holds.get(1).release();
            assertThat(f.source.revokedLeases())
                    .as("releasing twice is harmless; version 2 is still held")
                    .hasSize(1);
        }
    }

    @Test
    void holdOnThePreviousVersion_endsWhenItsTimeIsUp() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(1), false);
            f.start();
            String firstLease =
                    f.secrets.get("mem:db").lease().orElseThrow().id().orElseThrow();
            f.secrets.watch("mem:db", change -> change.holdPrevious(Duration.ofMinutes(5)));

            f.advance(Duration.ofMinutes(37));
            assertThat(f.source.revokedLeases()).isEmpty();
            f.advance(Duration.ofMinutes(5));
            assertThat(f.source.revokedLeases()).containsExactly(firstLease);
        }
    }

    @Test
    void close_wipesReplacedVersions_stillHeldOrWaitingForTheirWipe() {
        Fixture f = new Fixture();
        f.dynamic("db", Duration.ofHours(1), Duration.ofHours(1), false);
        f.policy(RefreshPolicy.builder().wipeDelay(Duration.ofHours(1)).build());
        Secret first = f.secrets.get("mem:db");
        f.advance(Duration.ofMinutes(37));
        Secret second = f.secrets.get("mem:db");
        f.secrets.watch("mem:db", change -> change.holdPrevious(Duration.ofHours(5)));
        f.advance(Duration.ofMinutes(37));
        assertThat(f.secrets.get("mem:db").version()).isEqualTo("3");
        assertThat(first.isWiped()).as("waiting out wipeDelay").isFalse();
        assertThat(second.isWiped()).as("held by the listener").isFalse();

        f.close();

        assertThat(first.isWiped()).isTrue();
        assertThat(second.isWiped()).isTrue();
    }
}
