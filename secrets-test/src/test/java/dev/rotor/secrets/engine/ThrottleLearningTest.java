package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SourceThrottledException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A store that throttles teaches the source a rate ({@code learnFromThrottling}): 20 secrets polled every minute
 * ask for about 0.35 calls a second; after one throttled answer the source makes 0.7 of that, growing back, and
 * forgets it after 30 min without throttling.
 */
class ThrottleLearningTest {
    private static final Duration POLL = Duration.ofMinutes(1);
    private static final int SECRETS = 20;

    private static SourceThrottledException throttled() {
        return new SourceThrottledException("mem throttled (429)", null, "mem", null, null);
    }

    private static List<Instant> load(Fixture f, RefreshPolicy policy) {
        for (int i = 0; i < SECRETS; i++) {
            f.source.put("s" + i, "v1");
        }
        f.policy(policy);
        for (int i = 0; i < SECRETS; i++) {
            f.secrets.get("mem:s" + i);
            f.advance(Duration.ofSeconds(3)); // polls spread over the minute
        }
        f.advance(POLL.multipliedBy(3)); // three minutes of polls: the rate the source is asked for
        List<Instant> calls = Collections.synchronizedList(new ArrayList<>());
        f.source.beforeCall(() -> calls.add(f.scheduler.clock().now()));
        return calls;
    }

    private static long between(List<Instant> calls, Instant from, Instant to) {
        synchronized (calls) {
            return calls.stream()
                    .filter(t -> !t.isBefore(from) && t.isBefore(to))
                    .count();
        }
    }

    @Test
    void oneThrottledAnswer_cutsTheRate_thePollsGiveWay_andTheRateGrowsBackAndIsForgotten() {
        try (Fixture f = new Fixture()) {
            List<Instant> calls =
                    load(f, RefreshPolicy.builder().pollInterval(POLL).build());
            f.source.failNext(1, ThrottleLearningTest::throttled);
            Instant t0 = f.scheduler.clock().now();

            f.advance(POLL);

            // unthrottled, a minute is 20 polls of 57 s, 21 or 22 (plus the retry); at 0.7 of the rate (0.25 a
            // second), growing by a fifth a minute, about 16
            assertThat(between(calls, t0, t0.plus(POLL))).isBetween(12L, 18L);
            assertThat(f.secrets.inventory()).anyMatch(e -> e.waitingForBudget());
            f.advance(POLL);

            // 30 min without throttling: the rate is forgotten, every poll on its own schedule again
            f.advance(Duration.ofMinutes(31));
            Instant later = f.scheduler.clock().now();
            f.advance(POLL.multipliedBy(2));
            assertThat(between(calls, later, later.plus(POLL.multipliedBy(2)))).isBetween(40L, 44L);
            assertThat(f.secrets.inventory()).noneMatch(e -> e.waitingForBudget());
        }
    }

    @Test
    void withoutLearning_oneThrottledAnswer_costsOnlyTheRetry() {
        // the contrast
        try (Fixture f = new Fixture()) {
            List<Instant> calls = load(
                    f,
                    RefreshPolicy.builder()
                            .pollInterval(POLL)
                            .learnFromThrottling(false)
                            .build());
            f.source.failNext(1, ThrottleLearningTest::throttled);
            Instant t0 = f.scheduler.clock().now();

            f.advance(POLL);

            assertThat(between(calls, t0, t0.plus(POLL))).isBetween(20L, 23L);
        }
    }

    @Test
    void aLearnedRate_neverHoldsAFirstLoad() {
        try (Fixture f = new Fixture()) {
            load(f, RefreshPolicy.builder().pollInterval(POLL).build());
            f.source.failNext(1, ThrottleLearningTest::throttled);
            f.advance(Duration.ofSeconds(10));
            f.source.put("cold", "c1");

            // an application read waits for nothing but the store
            assertThat(f.secrets.value("mem:cold")).isEqualTo("c1");
        }
    }
}
