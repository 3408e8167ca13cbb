package dev.rotor.secrets.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.kubernetes.internal.NamespaceWatch;
import dev.rotor.secrets.test.FixedRandom;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shared watch of a namespace, against fabric8's mock API server in CRUD mode, on a manual clock for the engine:
 * changes pushed through the watch, one watch per namespace, reconnects with backoff, 410 Gone and the relist, the
 * poll as the fallback, deletions. The only real-time waits are bounded waits for the watch's own delivery thread to
 * have seen a write ({@link NamespaceWatch#await}); every timing rule runs on the manual scheduler.
 */
class KubernetesWatchTest {
    private static final String NS = "shop";
    private static final Duration SEEN = Duration.ofSeconds(10);
    private static final Duration POLL = KubernetesSecretSource.DEFAULT_POLL_INTERVAL;

    private final ApiServer api = ApiServer.crud();
    private final FaultyLink link = new FaultyLink(api.port());
    private final ManualScheduler scheduler = new ManualScheduler();
    private final RecordingListener events = new RecordingListener();
    private KubernetesSecretSource source;
    private Secrets secrets;

    @AfterEach
    void close() {
        try {
            if (secrets != null) {
                secrets.close();
            }
        } finally {
            link.close();
            api.close();
        }
    }

    private Secrets start(KubernetesSecretSource.Builder b) {
        source = b.masterUrl(link.url()).requestTimeout(Duration.ofSeconds(5)).build();
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .random(FixedRandom.of(0.5))
                .refreshPolicy(RefreshPolicy.builder()
                        .pollJitter(0)
                        .spreadFirstRefresh(false)
                        .build())
                .eventListener(events)
                .build();
        return secrets;
    }

    private Secrets start() {
        return start(KubernetesSecretSource.builder().reconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4)));
    }

    private NamespaceWatch watch() {
        NamespaceWatch w = source.watchOf(NS);
        assertThat(w).as("a watch of " + NS).isNotNull();
        return w;
    }

    private void await(Predicate<NamespaceWatch> state) throws InterruptedException {
        assertThat(watch().await(state, SEEN))
                .as("the watch reached the state: " + watch())
                .isTrue();
    }

    private Duration untilNextTask() {
        Instant next = scheduler.nextDue();
        return Duration.between(scheduler.clock().now(), next);
    }

    @Test
    void watchClosed_reconnectsWithFullJitterBackoff_boundedByTheCap_onTheManualClock() throws Exception {
        api.put(NS, "db", Map.of("password", "p1"));
        start();
        assertThat(secrets.value("k8s:shop/db#password")).isEqualTo("p1");
        await(w -> w.synced() && w.eventsReceived() > 0);
        assertThat(api.watchRequests(NS)).isEqualTo(1);

        link.down();
        await(w -> !w.synced());
        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            await(NamespaceWatch::reconnectScheduled); // the failure may be reported on the client's thread
            Duration wait = untilNextTask();
            waits.add(wait);
            scheduler.advance(wait);
        }
        // half of 1 s, 2 s, 4 s, then the cap of 4 s (FixedRandom 0.5): full jitter, bounded
        assertThat(waits)
                .containsExactly(
                        Duration.ofMillis(500),
                        Duration.ofMillis(1000),
                        Duration.ofMillis(2000),
                        Duration.ofMillis(2000),
                        Duration.ofMillis(2000));

        link.forward();
        await(NamespaceWatch::reconnectScheduled);
        scheduler.advance(untilNextTask());
        await(NamespaceWatch::synced);
        long watches = api.watchRequests(NS);
        assertThat(watches).isGreaterThanOrEqualTo(2);

        String v2 = api.put(NS, "db", Map.of("password", "p2"));
        await(w -> w.indexed("db").map(v2::equals).orElse(false));
        scheduler.advance(NamespaceWatch.SETTLE);
        assertThat(secrets.value("k8s:shop/db#password")).isEqualTo("p2");
    }
}
