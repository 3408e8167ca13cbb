package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretEventType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A source's request budget ({@link RefreshPolicy#requestsPerSecond()}) is spent by urgency: polls give way, a
 * renewal goes before them, a lease about to end and a first load never wait. On the manual clock; the fixture draws
 * every jitter at 0.5 and keeps the first poll on the steady rule.
 */
class RequestBudgetTest {
    private static final Duration POLL = Duration.ofMinutes(1);

    private static List<Instant> recordCalls(Fixture f) {
        List<Instant> calls = Collections.synchronizedList(new ArrayList<>());
        f.source.beforeCall(() -> calls.add(f.scheduler.clock().now()));
        return calls;
    }

    private static long callsBetween(List<Instant> calls, Instant from, Instant to) {
        synchronized (calls) {
            return calls.stream()
                    .filter(t -> !t.isBefore(from) && t.isBefore(to))
                    .count();
        }
    }

    @Test
    void polls_dueTogether_goAtTheBudgetsPace_andTheWaitingOnesShowInTheInventory() {
        try (Fixture f = new Fixture()) {
            for (int i = 0; i < 20; i++) {
                f.source.put("s" + i, "v");
            }
            f.policy(RefreshPolicy.builder()
                    .pollInterval(POLL)
                    .requestsPerSecond(1)
                    .build());
            Instant t0 = f.scheduler.clock().now();
            for (int i = 0; i < 20; i++) {
                f.secrets.get("mem:s" + i); // first loads: never held, they run the bucket into debt
            }
            List<Instant> calls = recordCalls(f);
            Instant due = t0.plus(POLL).minus(POLL.dividedBy(20)); // all 20 polls due at once

            f.scheduler.advanceTo(due.plusMillis(500));
            assertThat(calls).hasSize(1); // the one saved token
            long waiting = f.secrets.inventory().stream()
                    .filter(InventoryEntry::waitingForBudget)
                    .count();
            assertThat(waiting).isEqualTo(19);

            f.scheduler.advanceTo(due.plusSeconds(10).plusMillis(500));
            assertThat(calls).hasSize(11); // one a second

            f.scheduler.advanceTo(due.plusSeconds(30));
            assertThat(calls).hasSize(20);
            assertThat(f.secrets.inventory()).noneMatch(InventoryEntry::waitingForBudget);
            for (int s = 0; s < 30; s++) {
                Instant from = due.plusSeconds(s);
                assertThat(callsBetween(calls, from, from.plusSeconds(1))).isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void aProbeThatSeesANewVersion_paysForItsFetchToo() {
        // the budget counts calls: a poll whose probe finds a change makes two, and the next poll waits for both
        try (Fixture f = new Fixture()) {
            for (int i = 0; i < 20; i++) {
                f.source.put("s" + i, "v1");
            }
            f.policy(RefreshPolicy.builder()
                    .pollInterval(POLL)
                    .requestsPerSecond(1)
                    .build());
            Instant t0 = f.scheduler.clock().now();
            for (int i = 0; i < 20; i++) {
                f.secrets.get("mem:s" + i);
            }
            for (int i = 0; i < 20; i++) {
                f.source.put("s" + i, "v2"); // every secret changes before its poll
            }
            List<Instant> calls = recordCalls(f);
            Instant due = t0.plus(POLL).minus(POLL.dividedBy(20));

            f.scheduler.advanceTo(due.plusSeconds(10).plusMillis(500));
            // a probe and its fetch every 2 s: 6 polls (due, +2, ..., +10), 12 calls; paying one a poll would be 22
            assertThat(calls).hasSize(12);
            for (int s = 0; s < 10; s += 2) {
                Instant from = due.plusSeconds(s);
                assertThat(callsBetween(calls, from, from.plusSeconds(2))).isLessThanOrEqualTo(2);
            }

            f.scheduler.advanceTo(due.plusSeconds(45));
            assertThat(calls).hasSize(40);
            for (int i = 0; i < 20; i++) {
                assertThat(f.secrets.get("mem:s" + i).value()).isEqualTo("v2");
            }
        }
    }

    @Test
    void aThrottledLook_keepsItsPlaceInLine_insteadOfGoingBehindTheLooksDueAfterIt() {
        try (Fixture f = new Fixture()) {
            for (int i = 0; i < 5; i++) {
                f.source.put("s" + i, "v1");
            }
            f.policy(RefreshPolicy.builder()
                    .pollInterval(POLL)
                    .requestsPerSecond(1)
                    .learnFromThrottling(false)
                    .build());
            f.secrets.get("mem:s0"); // s0's poll falls due one second before the others'
            f.advance(Duration.ofSeconds(1));
            for (int i = 1; i < 5; i++) {
                f.secrets.get("mem:s" + i);
            }
            for (int i = 0; i < 5; i++) {
                f.source.put("s" + i, "v2"); // each poll then makes two calls: the probe and the fetch
            }
            f.events.clear();
            // the store throttles the first call, s0's probe: come back in 1 s
            f.source.failNext(
                    1,
                    () -> new dev.rotor.secrets.SourceThrottledException(
                            "mem throttled (429)", null, "mem", Duration.ofSeconds(1), null));

            f.advance(Duration.ofSeconds(75)); // the polls are due at 57 s (s0) and 58 s, then one every 2 s

            List<String> order = f.events.ofType(SecretEventType.ROTATED).stream()
                    .map(e -> e.ref().orElseThrow().path())
                    .toList();
            assertThat(order).hasSize(5);
            // s0's retry goes at the next call the budget allows, not behind s2, s3 and s4, which fell due after it
            assertThat(order.indexOf("s0")).isLessThan(order.indexOf("s2"));
            assertThat(order.subList(2, 5)).containsExactly("s2", "s3", "s4");
        }
    }

    @Test
    void withoutABudget_pollsDueTogetherAllGoAtOnce() {
        // the contrast: the same polls on the default (unlimited) budget
        try (Fixture f = new Fixture()) {
            for (int i = 0; i < 20; i++) {
                f.source.put("s" + i, "v");
            }
            f.policy(RefreshPolicy.builder().pollInterval(POLL).build());
            Instant t0 = f.scheduler.clock().now();
            for (int i = 0; i < 20; i++) {
                f.secrets.get("mem:s" + i);
            }
            List<Instant> calls = recordCalls(f);

            f.scheduler.advanceTo(t0.plus(POLL).minus(POLL.dividedBy(20)));

            assertThat(calls).hasSize(20);
        }
    }

    @Test
    void renewal_goesBeforePollsThatWereWaitingLonger() {
        try (Fixture f = new Fixture()) {
            for (int i = 0; i < 5; i++) {
                f.source.put("s" + i, "v");
            }
            f.dynamic("db", Duration.ofSeconds(75), Duration.ofHours(1), true);
            f.policy(RefreshPolicy.builder()
                    .pollInterval(POLL)
                    .leaseJitter(0)
                    .requestsPerSecond(0.1)
                    .build());
            Instant t0 = f.scheduler.clock().now();
            for (int i = 0; i < 5; i++) {
                f.secrets.get("mem:s" + i);
            }
            f.secrets.get("mem:db"); // lease of 75 s: renewal due at 50 s, urgent from 62.5 s
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            f.source.beforeCall(() -> order.add(
                    f.source.count(dev.rotor.secrets.test.InMemorySource.Operation.RENEW) > renewalsBefore(order)
                            ? "renew"
                            : "poll"));

            // the six first loads put the bucket 5 tokens in debt, paid off at 50 s: the renewal, due then, waits; the
            // polls join it at 57 s; the first token (60 s) goes to the renewal
            f.scheduler.advanceTo(t0.plusSeconds(200));
            assertThat(order).isNotEmpty();
            assertThat(order.get(0)).isEqualTo("renew");
            assertThat(f.events.ofType(SecretEventType.RENEWED)).isNotEmpty();
            assertThat(f.events.ofType(SecretEventType.EXPIRED)).isEmpty();
        }
    }

    private static int renewalsBefore(List<String> order) {
        synchronized (order) {
            return (int) order.stream().filter("renew"::equals).count();
        }
    }

    @Test
    void leaseAboutToEnd_stopsWaitingForTheBudget_andNeverExpires() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofSeconds(60), Duration.ofHours(1), true);
            f.policy(RefreshPolicy.builder()
                    .leaseJitter(0)
                    .requestsPerSecond(0.001)
                    .build());
            Instant t0 = f.scheduler.clock().now();
            f.secrets.get("mem:db");
            f.source.put("x", "v");
            f.secrets.get("mem:x"); // a second first load: the bucket is a whole token in debt
            List<Instant> calls = recordCalls(f);

            // the renewal falls due at 40 s but the budget has nothing for it for another 1,000 s; from 50 s on (the
            // last sixth of the lease) it no longer waits
            f.scheduler.advanceTo(t0.plusSeconds(49));
            assertThat(calls).isEmpty();
            assertThat(entryOf(f, "mem:db").waitingForBudget()).isTrue();
            f.scheduler.advanceTo(t0.plusSeconds(50));
            assertThat(calls).containsExactly(t0.plusSeconds(50));
            assertThat(f.events.ofType(SecretEventType.RENEWED)).hasSize(1);
            assertThat(f.events.ofType(SecretEventType.EXPIRED)).isEmpty();
        }
    }

    @Test
    void firstLoads_neverWaitForTheBudget() {
        try (Fixture f = new Fixture()) {
            for (int i = 0; i < 10; i++) {
                f.source.put("s" + i, "v" + i);
            }
            f.policy(RefreshPolicy.builder().requestsPerSecond(0.001).build());
            for (int i = 0; i < 10; i++) {
                assertThat(f.secrets.value("mem:s" + i)).isEqualTo("v" + i);
            }
        }
    }

    @Test
    void checkedAt_movesWithEveryPollThatFindsNoChange_whileFetchedAtStays() {
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.policy(RefreshPolicy.builder().pollInterval(POLL).build());
            Instant t0 = f.scheduler.clock().now();
            f.secrets.get("mem:k");
            assertThat(entryOf(f, "mem:k").checkedAt()).contains(t0);

            f.advance(POLL);

            Instant polled = t0.plus(POLL).minus(POLL.dividedBy(20));
            InventoryEntry e = entryOf(f, "mem:k");
            assertThat(e.checkedAt()).contains(polled);
            assertThat(e.fetchedAt()).contains(t0);
        }
    }

    @Test
    void budget_mustBePositive() {
        assertThatThrownBy(() -> RefreshPolicy.builder().requestsPerSecond(0).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("requestsPerSecond");
        assertThat(RefreshPolicy.defaults().requestsPerSecond()).isEqualTo(RefreshPolicy.UNLIMITED);
        assertThat(RefreshPolicy.builder().requestsPerSecond(5).build().overrides())
                .containsExactly("requestsPerSecond");
    }

    private static InventoryEntry entryOf(Fixture f, String ref) {
        return f.secrets.inventory().stream()
                .filter(e -> e.ref().toString().equals(ref))
                .findFirst()
                .orElseThrow();
    }
}
