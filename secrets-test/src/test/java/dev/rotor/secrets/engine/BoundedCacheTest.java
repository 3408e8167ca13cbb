package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The client's cache bound ({@code maximumEntries}): what it keeps, what it lets go, and that a handle or a watcher
 * always holds a live entry, also while other threads push the cache over its bound.
 */
class BoundedCacheTest {

    private static Set<String> held(Secrets secrets) {
        return secrets.inventory().stream()
                .map(InventoryEntry::ref)
                .map(Object::toString)
                .collect(Collectors.toSet());
    }

    @Test
    void unpinnedEntriesStayWithinTheBound_andPinnedOnesDoNotCountTowardsIt() {
        try (Fixture f = new Fixture()) {
            for (int i = 0; i < 100; i++) {
                f.source.put("s" + i, "v" + i);
            }
            for (int i = 0; i < 5; i++) {
                f.source.put("h" + i, "hv" + i);
            }
            f.start(f.builder().maximumEntries(10));
            List<SecretHandle> handles = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                handles.add(f.secrets.handle("mem:h" + i));
            }
            for (int i = 0; i < 100; i++) {
                assertThat(f.secrets.value("mem:s" + i)).isEqualTo("v" + i);
                assertThat(held(f.secrets)).hasSizeLessThanOrEqualTo(15);
            }
            assertThat(held(f.secrets))
                    .as("the five pinned entries and exactly the bound of others")
                    .hasSize(15)
                    .contains("mem:h0", "mem:h1", "mem:h2", "mem:h3", "mem:h4");
        }
    }

    @Test
    void aSecretReadBetweenTwoSweeps_isNeverEvicted_whileOneReadOnceGoes() {
        try (Fixture f = new Fixture()) {
            for (int i = 0; i < 300; i++) {
                f.source.put("s" + i, "v" + i);
            }
            for (int i = 0; i < 4; i++) {
                f.source.put("hot" + i, "h" + i);
            }
            f.start(f.builder().maximumEntries(8));
            for (int i = 0; i < 300; i++) {
                for (int h = 0; h < 4; h++) {
                    assertThat(f.secrets.value("mem:hot" + h)).isEqualTo("h" + h);
                }
                assertThat(f.secrets.value("mem:s" + i)).isEqualTo("v" + i);
            }
            for (int h = 0; h < 4; h++) {
                assertThat(f.source.fetches("hot" + h))
                        .as("hot%d loaded once", h)
                        .isEqualTo(1);
            }
            assertThat(f.source.fetches("s0")).isEqualTo(1);
            assertThat(held(f.secrets)).doesNotContain("mem:s0").contains("mem:s299");
        }
    }

    @Test
    void anEvictedSecret_isLoadedAgainOnItsNextRead_withItsTasksGone() {
        try (Fixture f = new Fixture()) {
            for (int i = 0; i < 3; i++) {
                f.source.put("s" + i, "v" + i);
            }
            f.start(f.builder()
                    .maximumEntries(2)
                    .refreshPolicy(RefreshPolicy.builder()
                            .pollInterval(Duration.ofMinutes(1))
                            .build()));
            f.secrets.value("mem:s0");
            f.secrets.value("mem:s1");
            f.secrets.value("mem:s2"); // over the bound: one of the first two goes
            Set<String> held = held(f.secrets);
            assertThat(held).hasSize(2).contains("mem:s2");
            String gone = held.contains("mem:s0") ? "s1" : "s0";
            int fetchesBefore = f.source.fetches(gone);
            f.advance(Duration.ofMinutes(5));
            assertThat(f.source.fetches(gone))
                    .as("an evicted secret is no longer polled")
                    .isEqualTo(fetchesBefore);
            f.source.put(gone, "new");
            assertThat(f.secrets.value("mem:" + gone)).isEqualTo("new");
        }
    }

    /**
     * Handles are taken while other threads push a tiny cache over its bound again and again: every handle must end
     * up holding an entry that is in the cache and still refreshed, never one evicted between its look-up and its pin.
     */
    @Test
    void handlesTakenWhileOtherThreadsChurnTheCache_alwaysHoldALiveEntry() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        InMemorySource source = new InMemorySource("mem", scheduler.clock());
        int handles = 400;
        int churn = 2_000;
        for (int i = 0; i < handles; i++) {
            source.put("h" + i, "a" + i);
        }
        for (int i = 0; i < churn; i++) {
            source.put("c" + i, "c" + i);
        }
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .refreshPolicy(RefreshPolicy.builder()
                        .pollInterval(Duration.ofMinutes(1))
                        .build())
                .maximumEntries(2)
                .auditLog(false)
                .build()) {
            SecretHandle[] byIndex = new SecretHandle[handles];
            List<Future<?>> taken = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int first = t;
                taken.add(threads.submit(() -> {
                    for (int i = first; i < handles; i += 2) {
                        // a read first makes an unpinned entry the churners can evict before the handle pins it
                        secrets.get("mem:h" + i);
                        byIndex[i] = secrets.handle("mem:h" + i);
                    }
                }));
            }
            List<Future<?>> churners = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int first = t;
                churners.add(threads.submit(() -> {
                    for (int i = first; i < churn; i += 2) {
                        secrets.get("mem:c" + i);
                    }
                }));
            }
            for (Future<?> f : taken) {
                f.get(60, TimeUnit.SECONDS);
            }
            for (Future<?> f : churners) {
                f.get(60, TimeUnit.SECONDS);
            }
            Set<String> held = held(secrets);
            for (int i = 0; i < handles; i++) {
                assertThat(held).as("handle %d's entry is held", i).contains("mem:h" + i);
                source.put("h" + i, "b" + i);
            }
            scheduler.advance(Duration.ofMinutes(2));
            for (int i = 0; i < handles; i++) {
                assertThat(byIndex[i].value())
                        .as("handle %d follows its secret's changes", i)
                        .isEqualTo("b" + i);
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
