package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretExpiredException;
import dev.rotor.secrets.SecretState;
import dev.rotor.secrets.StalePolicy;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.test.InMemorySource.Operation;
import dev.rotor.secrets.test.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Rules 2 and 3: the soft and hard deadlines, and where the soft one falls. */
class DeadlinesTest {

    @Test
    void leasedSecret_refreshesAtTwoThirdsMinusJitter_countedFromIssue() {
        try (Fixture f = new Fixture()) {
            // random draws 0.5: jitter is half of a tenth of the lease = 3 minutes of 60.
            f.dynamic("db", Duration.ofMinutes(60), Duration.ofHours(10), false);
            f.start();
            f.secrets.get("mem:db");
            assertThat(f.source.fetches("db")).isEqualTo(1);

            f.advance(Duration.ofMinutes(37).minusSeconds(1));
            assertThat(f.source.fetches("db")).isEqualTo(1);
            f.advance(Duration.ofSeconds(1));
            assertThat(f.source.fetches("db")).isEqualTo(2);
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("2");
        }
    }

    @Test
    void jitter_staysWithinATenthOfTheLease() {
        for (double draw : new double[] {0.0, 0.999}) {
            try (Fixture f = new Fixture()) {
                f.dynamic("db", Duration.ofMinutes(60), Duration.ofHours(10), false);
                f.start(f.builder().random(Fixture.fixedRandom(draw)));
                f.secrets.get("mem:db");
                Instant issued = f.scheduler.clock().now();
                Instant soft = f.scheduler.pending().get(0);
                assertThat(soft).isBetween(issued.plus(Duration.ofMinutes(34)), issued.plus(Duration.ofMinutes(40)));
                // between refreshes the soft deadline is the only task: the hard one is armed when the look falls due
                assertThat(f.scheduler.pending()).containsExactly(soft);
                f.advance(Duration.between(issued, soft));
                assertThat(f.source.fetches("db")).isEqualTo(2);
            }
        }
    }

    @Test
    void softDeadline_isCountedFromWhenTheLeaseWasIssued_notFromTheFetch() {
        try (Fixture f = new Fixture()) {
            ManualScheduler s = f.scheduler;
            // a source that hands out a lease issued 30 minutes before the fetch (a cached credential)
            SecretSource aged = new SecretSource() {
                @Override
                public String scheme() {
                    return "aged";
                }

                @Override
                public Secret fetch(FetchRequest request) {
                    Instant now = s.clock().now();
                    return Secret.builder(request.ref())
                            .version("v" + now.getEpochSecond())
                            .value("x")
                            .lease(Lease.of("l", Duration.ofMinutes(60), false, now.minus(Duration.ofMinutes(30))))
                            .fetchedAt(now)
                            .build();
                }
            };
            f.start(f.builder().source(aged).refreshPolicy("aged", Fixture.STEADY));
            f.secrets.get("aged:x");
            Instant fetched = s.clock().now();
            // issued at -30m, soft at issued + 40m - 3m = fetch + 7m
            assertThat(s.pending().get(0)).isEqualTo(fetched.plus(Duration.ofMinutes(7)));
        }
    }

    @Test
    void leaseAlreadyPastItsSoftDeadline_doesNotMakeTheEngineSpin() {
        try (Fixture f = new Fixture()) {
            ManualScheduler s = f.scheduler;
            Instant issued = s.clock().now().minus(Duration.ofMinutes(50));
            // the same old lease on every fetch: soft deadline long gone, hard deadline in 10 minutes
            SecretSource stale = new SecretSource() {
                @Override
                public String scheme() {
                    return "old";
                }

                @Override
                public Secret fetch(FetchRequest request) {
                    return Secret.builder(request.ref())
                            .version("1")
                            .value("x")
                            .lease(Lease.of("l", Duration.ofMinutes(60), false, issued))
                            .fetchedAt(s.clock().now())
                            .build();
                }
            };
            java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
            f.start(f.builder()
                    .source(new dev.rotor.secrets.engine.CountingSource(stale, fetches))
                    .refreshPolicy("old", Fixture.STEADY));
            f.secrets.get("old:x");
            f.advance(Duration.ofMinutes(1));
            // a twentieth of the lease (3 minutes) between attempts, not a loop
            assertThat(fetches.get()).isEqualTo(1);
            f.advance(Duration.ofMinutes(2));
            assertThat(fetches.get()).isEqualTo(2);
        }
    }

    /**
     * No expiry task is held between refreshes; the one a look arms when it falls due must still end the lease on time
     * when that look never comes back (here: its call is queued on an executor that does not run it).
     */
    @Test
    void aLookStillUnderWayAtTheLeaseEnd_expiresTheLeaseOnTime() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofMinutes(60), Duration.ofHours(10), false);
            java.util.concurrent.atomic.AtomicBoolean direct = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.List<Runnable> held = new java.util.ArrayList<>();
            f.start(f.builder().executor(task -> {
                if (direct.get()) {
                    task.run();
                } else {
                    held.add(task);
                }
            }));
            Instant issued = f.scheduler.clock().now();
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("1");
            direct.set(false);
            f.advance(Duration.ofMinutes(40)); // the look fell due at about 37 min; its call waits on the executor
            assertThat(held).isNotEmpty();
            assertThat(f.scheduler.pending()).contains(issued.plus(Duration.ofMinutes(60)));
            f.advance(Duration.ofMinutes(20).minusNanos(1));
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("1");
            assertThat(f.events.types()).doesNotContain(SecretEventType.EXPIRED);
            f.advance(Duration.ofNanos(1));
            assertThat(f.events.types()).contains(SecretEventType.EXPIRED);
            assertThatThrownBy(() -> f.secrets.get("mem:db")).isInstanceOf(SecretExpiredException.class);
            direct.set(true);
            for (Runnable r : java.util.List.copyOf(held)) {
                r.run();
            }
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("2");
        }
    }

    @Test
    void hardDeadline_strictPolicy_stopsServingWhenTheLeaseEnds() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofMinutes(60), Duration.ofHours(10), false);
            f.start();
            f.secrets.get("mem:db");
            f.source.goDown();
            f.advance(Duration.ofMinutes(59));
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("1");
            f.advance(Duration.ofMinutes(1));
            assertThatThrownBy(() -> f.secrets.get("mem:db"))
                    .isInstanceOf(SecretExpiredException.class)
                    .hasMessageContaining("mem:db");
            assertThat(f.events.types()).contains(SecretEventType.EXPIRED);
            assertThat(f.secrets.inventory().get(0).state()).isEqualTo(SecretState.EXPIRED);

            f.source.recover();
            f.advance(Duration.ofMinutes(10));
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("2");
        }
    }

    @Test
    void hardDeadline_serveStalePolicy_servesWithOneEventPerVersion() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofMinutes(60), Duration.ofHours(10), false);
            f.stale(StalePolicy.serveStale());
            f.secrets.get("mem:db");
            f.source.goDown();
            f.advance(Duration.ofMinutes(61));
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("1");
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("1");
            assertThat(f.events.ofType(SecretEventType.STALE_SERVED)).hasSize(1);
        }
    }

    @Test
    void serveStaleFor_limitsHowLongPastTheLeaseEnd() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofMinutes(60), Duration.ofHours(10), false);
            f.stale(StalePolicy.serveStaleFor(Duration.ofMinutes(5)));
            f.secrets.get("mem:db");
            f.source.goDown();
            f.advance(Duration.ofMinutes(64));
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("1");
            f.advance(Duration.ofMinutes(2));
            assertThatThrownBy(() -> f.secrets.get("mem:db")).isInstanceOf(SecretExpiredException.class);
        }
    }

    @Test
    void staticSecret_withRotationDate_isReadJustAfterIt() {
        try (Fixture f = new Fixture()) {
            Instant rotation = f.scheduler.clock().now().plus(Duration.ofHours(2));
            f.source.putRotating("api", Map.of("key", "k1"), rotation);
            f.policy(RefreshPolicy.builder().pollInterval(Duration.ofDays(1)).build());
            f.secrets.get("mem:api");
            // after rotation + 5 s delay + half of the spread: half of the day-long poll interval, capped at 5 min
            assertThat(f.scheduler.pending()).containsExactly(rotation.plusSeconds(5 + 150));

            // the store rotated on its date: the look after it fetches at once, with no probe before the fetch
            f.scheduler.advanceTo(rotation);
            f.source.putRotating("api", Map.of("key", "k2"), rotation.plus(Duration.ofDays(30)));
            f.scheduler.advanceTo(rotation.plusSeconds(5 + 150));
            assertThat(f.secrets.get("mem:api").field("key")).hasValue("k2");
            assertThat(f.source.count(Operation.PROBE)).isZero();
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(2);
        }
    }

    @Test
    void aRotationDateAProbeTells_isLookedAtJustAfterIt_spreadAsAFetchedOnesIs() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            f.policy(RefreshPolicy.builder().pollInterval(Duration.ofDays(1)).build());
            f.secrets.get("mem:api");
            Instant firstPoll = f.scheduler.pending().get(0);
            // rotation is turned on after the read: only the probes will tell the date
            Instant rotation = firstPoll.plus(Duration.ofHours(2));
            f.source.announceRotation("api", rotation);

            f.scheduler.advanceTo(firstPoll);
            assertThat(f.source.count(Operation.PROBE)).isEqualTo(1);
            assertThat(f.secrets.get("mem:api").nextRotation()).contains(rotation);
            // after rotation + 5 s delay + half of the spread (5 min at most), not the day-long poll
            assertThat(f.scheduler.pending()).containsExactly(rotation.plusSeconds(5 + 150));

            f.scheduler.advanceTo(rotation);
            f.source.putRotating("api", Map.of("key", "k2"), rotation.plus(Duration.ofDays(30)));
            f.scheduler.advanceTo(rotation.plusSeconds(5 + 150));
            assertThat(f.secrets.get("mem:api").field("key")).hasValue("k2");
        }
    }

    @Test
    void lookAfterARotationDate_thatFindsNoNewVersion_pollsOnAfterwards_withoutFetchingAgainAndAgain() {
        try (Fixture f = new Fixture()) {
            Instant rotation = f.scheduler.clock().now().plus(Duration.ofHours(2));
            f.source.putRotating("api", Map.of("key", "k1"), rotation);
            f.policy(
                    RefreshPolicy.builder().pollInterval(Duration.ofMinutes(10)).build());
            f.secrets.get("mem:api");

            // the store's rotation is late: the look fetches the same version, and the rotation date stays behind
            f.scheduler.advanceTo(rotation);
            int probes = f.source.count(Operation.PROBE);
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(1);
            f.scheduler.advanceTo(rotation.plus(Duration.ofMinutes(30)));
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(2);
            // then polls, every 9.5 min, probe again
            assertThat(f.source.count(Operation.PROBE) - probes).isBetween(2, 3);
        }
    }

    @Test
    void staticSecret_isPolledWithJitter_throughTheCheapProbe() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            f.policy(
                    RefreshPolicy.builder().pollInterval(Duration.ofMinutes(10)).build());
            f.secrets.get("mem:api");
            // 10 minutes less half of a tenth
            assertThat(f.scheduler.pending())
                    .containsExactly(f.scheduler.clock().now().plusSeconds(570));

            f.advance(Duration.ofMinutes(10));
            assertThat(f.source.count(Operation.PROBE)).isEqualTo(1);
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(1);

            f.source.put("api", "k2");
            f.advance(Duration.ofMinutes(10));
            assertThat(f.source.count(Operation.PROBE)).isEqualTo(2);
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(2);
            assertThat(f.secrets.get("mem:api").value()).isEqualTo("k2");
        }
    }

    @Test
    void staticSecret_probesSooner_whileTheSourceSaysARotationIsUnderWay() {
        try (Fixture f = new Fixture()) {
            f.source.putFields("db", Map.of("password", "p1"));
            f.policy(RefreshPolicy.builder()
                    .pollInterval(Duration.ofMinutes(5))
                    .pollJitter(0)
                    .build());
            f.secrets.get("mem:db");
            f.source.stagePending("db", Map.of("password", "p2"));

            f.advance(Duration.ofMinutes(5));
            assertThat(f.source.count(Operation.PROBE)).isEqualTo(1);
            f.advance(Duration.ofSeconds(10));
            assertThat(f.source.count(Operation.PROBE)).isEqualTo(2);
            f.advance(Duration.ofSeconds(10));
            assertThat(f.source.count(Operation.PROBE)).isEqualTo(3);

            f.source.promotePending("db");
            f.advance(Duration.ofSeconds(10));
            assertThat(f.source.count(Operation.PROBE)).isEqualTo(4);
            assertThat(f.secrets.get("mem:db").field("password")).hasValue("p2");

            f.advance(Duration.ofMinutes(4));
            assertThat(f.source.count(Operation.PROBE))
                    .as("back to the poll interval")
                    .isEqualTo(4);
            f.advance(Duration.ofMinutes(1));
            assertThat(f.source.count(Operation.PROBE)).isEqualTo(5);
        }
    }

    @Test
    void staticSecret_fetchedWithACheckAgainHint_isReadAgainThen_notAtThePollInterval() {
        try (Fixture f = new Fixture()) {
            java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
            SecretSource hinting = new SecretSource() {
                @Override
                public String scheme() {
                    return "hint";
                }

                @Override
                public Secret fetch(FetchRequest request) {
                    int n = fetches.incrementAndGet();
                    Instant now = f.scheduler.clock().now();
                    Secret.Builder b = Secret.builder(request.ref())
                            .version("1")
                            .value("v")
                            .fetchedAt(now);
                    return n == 1 ? b.checkAgainAt(now.plusSeconds(10)).build() : b.build();
                }
            };
            f.start(f.builder()
                    .source(hinting)
                    .refreshPolicy(RefreshPolicy.builder()
                            .pollInterval(Duration.ofMinutes(5))
                            .pollJitter(0)
                            .build()));
            assertThat(f.secrets.get("hint:a").checkAgainAt()).isPresent();
            f.advance(Duration.ofSeconds(10));
            assertThat(fetches.get()).isEqualTo(2);
            f.advance(Duration.ofMinutes(4));
            assertThat(fetches.get())
                    .as("no hint the second time: back to the poll interval")
                    .isEqualTo(2);
            f.advance(Duration.ofMinutes(1));
            assertThat(fetches.get()).isEqualTo(3);
        }
    }

    @Test
    void staticSecret_withoutProbe_isFetchedAndUnchangedVersionsAreNotHandedOver() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            f.source.capabilities(Set.of());
            f.policy(
                    RefreshPolicy.builder().pollInterval(Duration.ofMinutes(10)).build());
            Secret first = f.secrets.get("mem:api");
            f.advance(Duration.ofMinutes(10));
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(2);
            assertThat(f.secrets.get("mem:api")).isSameAs(first);
            assertThat(f.events.ofType(SecretEventType.ROTATED)).isEmpty();
        }
    }
}
