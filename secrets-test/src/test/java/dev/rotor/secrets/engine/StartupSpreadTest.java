package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A fleet started together (a deployment: here 50 clients on one clock and one store, each with its own random
 * draws) loads at once, but spreads its first poll and first renewal over the whole interval, so it does not poll and
 * renew in step ever after.
 */
class StartupSpreadTest {
    private static final int FLEET = 50;
    private static final Duration POLL = Duration.ofMinutes(5);

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource store = new InMemorySource("mem", scheduler.clock());
    private final List<Instant> calls = Collections.synchronizedList(new ArrayList<>());

    private List<Secrets> fleet(RefreshPolicy policy) {
        List<Secrets> fleet = new ArrayList<>();
        for (int i = 0; i < FLEET; i++) {
            fleet.add(Secrets.builder()
                    .source(store)
                    .discoverSources(false)
                    .scheduler(scheduler)
                    .executor(ManualScheduler.directExecutor())
                    .random(new SplittableRandom(i + 1))
                    .refreshPolicy(policy)
                    .auditLog(false)
                    .build());
        }
        return fleet;
    }

    private static void close(List<Secrets> fleet) {
        fleet.forEach(Secrets::close);
    }

    private long countBetween(Instant from, Instant to) {
        synchronized (calls) {
            return calls.stream()
                    .filter(t -> !t.isBefore(from) && t.isBefore(to))
                    .count();
        }
    }

    private Duration spread() {
        synchronized (calls) {
            Instant first = Collections.min(calls);
            Instant last = Collections.max(calls);
            return Duration.between(first, last);
        }
    }

    @Test
    void firstPolls_ofAFleetStartedTogether_spreadOverTheWholePollInterval() {
        store.put("k", "v");
        List<Secrets> fleet = fleet(RefreshPolicy.builder().pollInterval(POLL).build());
        try {
            Instant t0 = scheduler.clock().now();
            fleet.forEach(s -> s.get("mem:k"));
            store.beforeCall(() -> calls.add(scheduler.clock().now()));

            // until 4.5 min every call is a first poll: a second one comes at least 4.5 min after the first
            Instant nineTenths = t0.plus(POLL.multipliedBy(9).dividedBy(10));
            scheduler.advanceTo(nineTenths.minusMillis(1));

            assertThat(calls.size()).isGreaterThanOrEqualTo(FLEET * 3 / 4);
            assertThat(countBetween(t0, t0.plusSeconds(60))).isGreaterThanOrEqualTo(4);
            assertThat(countBetween(t0.plusSeconds(180), nineTenths)).isGreaterThanOrEqualTo(4);

            scheduler.advanceTo(t0.plus(POLL));
            assertThat(calls.size()).isGreaterThanOrEqualTo(FLEET); // every client polled within the interval
        } finally {
            close(fleet);
        }
    }

    @Test
    void withoutTheSpread_firstPollsBunchInTheLastTenthOfTheInterval() {
        // the contrast: the steady rule alone (one interval less up to a tenth of it) keeps a fleet in step
        store.put("k", "v");
        List<Secrets> fleet = fleet(RefreshPolicy.builder()
                .pollInterval(POLL)
                .spreadFirstRefresh(false)
                .build());
        try {
            Instant t0 = scheduler.clock().now();
            fleet.forEach(s -> s.get("mem:k"));
            store.beforeCall(() -> calls.add(scheduler.clock().now()));

            scheduler.advanceTo(t0.plus(POLL));

            assertThat(calls).hasSize(FLEET);
            assertThat(countBetween(t0, t0.plus(POLL.multipliedBy(9).dividedBy(10))))
                    .isZero();
            assertThat(spread()).isLessThanOrEqualTo(POLL.dividedBy(10));
        } finally {
            close(fleet);
        }
    }

    @Test
    void firstRenewals_spreadBetweenATwentiethOfTheLeaseAndTwoThirds_laterOnesFollowTheSteadyRule() {
        Duration ttl = Duration.ofHours(1);
        store.dynamic("db", n -> java.util.Map.of("password", "p" + n), ttl, Duration.ofDays(1), true);
        List<Secrets> fleet = fleet(RefreshPolicy.defaults());
        try {
            Instant t0 = scheduler.clock().now();
            fleet.forEach(s -> s.get("mem:db"));
            store.beforeCall(() -> calls.add(scheduler.clock().now()));

            // first renewals fall between 3 min and 40 min; until 37 min every call is a first renewal (a second
            // one comes at least 34 min after the first)
            scheduler.advanceTo(t0.plus(Duration.ofMinutes(37)).minusMillis(1));

            assertThat(calls.size()).isGreaterThanOrEqualTo(FLEET * 3 / 4);
            assertThat(Collections.min(calls)).isAfterOrEqualTo(t0.plus(ttl.dividedBy(20)));
            assertThat(countBetween(t0, t0.plus(Duration.ofMinutes(12)))).isGreaterThanOrEqualTo(4);
            assertThat(countBetween(t0.plus(Duration.ofMinutes(28)), t0.plus(Duration.ofMinutes(37))))
                    .isGreaterThanOrEqualTo(4);
            // the next renewal of each renewed one: at two thirds of its renewed lease less up to a tenth
            for (Secrets s : fleet) {
                Lease l = s.get("mem:db").lease().orElseThrow();
                if (!l.issuedAt().isAfter(t0)) {
                    continue; // not renewed yet
                }
                assertThat(s.inventory().get(0).nextRefresh().orElseThrow())
                        .isAfterOrEqualTo(l.issuedAt()
                                .plus(ttl.multipliedBy(2).dividedBy(3))
                                .minus(ttl.dividedBy(10)))
                        .isBeforeOrEqualTo(l.issuedAt().plus(ttl.multipliedBy(2).dividedBy(3)));
            }
        } finally {
            close(fleet);
        }
    }

    @Test
    void lookAfterAnAnnouncedRotationDate_isSpreadOverTheWholePollInterval() {
        Instant rotation = scheduler.clock().now().plus(Duration.ofHours(1));
        store.putRotating("k", java.util.Map.of("v", "1"), rotation);
        List<Secrets> fleet = fleet(RefreshPolicy.builder().pollInterval(POLL).build());
        try {
            fleet.forEach(s -> s.get("mem:k"));
            scheduler.advanceTo(rotation);
            store.putRotating("k", java.util.Map.of("v", "2"), rotation.plus(Duration.ofHours(6)));
            // when each client took the new version: its look after the date
            fleet.forEach(s -> s.addEventListener(e -> {
                if (e.type() == SecretEventType.ROTATED) {
                    calls.add(scheduler.clock().now());
                }
            }));

            scheduler.advanceTo(rotation.plus(POLL).plusSeconds(6));

            // every client took it once, between 5 s and 5 min after the date (its look, or a poll that came
            // first), not all in its first 10 s, and a good part in the second half of the interval
            assertThat(calls).hasSize(FLEET);
            assertThat(Collections.min(calls)).isAfterOrEqualTo(rotation.plusSeconds(5));
            assertThat(countBetween(rotation, rotation.plusSeconds(10))).isLessThanOrEqualTo(FLEET / 4);
            assertThat(countBetween(
                            rotation.plusSeconds(155), rotation.plus(POLL).plusSeconds(6)))
                    .isGreaterThanOrEqualTo(FLEET / 10);
            fleet.forEach(s -> assertThat(s.get("mem:k").version()).isEqualTo("2"));
        } finally {
            close(fleet);
        }
    }

    @Test
    void pollsAfterTheLookAfterARotationDate_spreadOverTheInterval_insteadOfKeepingTheLookInStep() {
        // looks in the 5-10 s after the date (no spread for the look itself), then polls: without spreading the poll
        // that follows, all fifty would come 4.5-5 min after their look, in step ever after
        Instant rotation = scheduler.clock().now().plus(Duration.ofHours(1));
        store.putRotating("k", java.util.Map.of("v", "1"), rotation);
        List<Secrets> fleet = fleet(RefreshPolicy.builder()
                .pollInterval(POLL)
                .afterRotationSpread(0)
                .build());
        try {
            fleet.forEach(s -> s.get("mem:k"));
            scheduler.advanceTo(rotation);
            store.putRotating("k", java.util.Map.of("v", "2"), rotation.plus(Duration.ofHours(6)));
            scheduler.advanceTo(rotation.plusSeconds(10));
            fleet.forEach(s -> assertThat(s.get("mem:k").version()).isEqualTo("2")); // all looked in the 5-10 s
            store.beforeCall(() -> calls.add(scheduler.clock().now()));

            scheduler.advanceTo(rotation.plus(POLL).plusSeconds(10));

            assertThat(calls.size()).isGreaterThanOrEqualTo(FLEET * 3 / 4);
            assertThat(countBetween(rotation.plusSeconds(10), rotation.plus(Duration.ofMinutes(2))))
                    .isGreaterThanOrEqualTo(FLEET / 10);
            assertThat(countBetween(rotation.plus(Duration.ofMinutes(2)), rotation.plus(Duration.ofMinutes(4))))
                    .isGreaterThanOrEqualTo(FLEET / 10);
        } finally {
            close(fleet);
        }
    }
}
