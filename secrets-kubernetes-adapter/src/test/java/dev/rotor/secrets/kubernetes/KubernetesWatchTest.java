package dev.rotor.secrets.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretEventType;
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

    @Test
    void change_pushedThroughTheWatch_reachesTheApplication_withoutAPoll_andCostsOneGet() throws Exception {
        api.put(NS, "db", Map.of("username", "app", "password", "p1"));
        start();
        assertThat(secrets.value("k8s:shop/db#password")).isEqualTo("p1");
        await(w -> w.synced() && w.eventsReceived() > 0);
        long gets = api.gets(NS, "db");
        Instant t0 = scheduler.clock().now();

        String v2 = api.put(NS, "db", Map.of("username", "app", "password", "p2"));
        await(w -> w.indexed("db").map(v2::equals).orElse(false));
        scheduler.advance(NamespaceWatch.SETTLE);

        assertThat(secrets.value("k8s:shop/db#password")).isEqualTo("p2");
        assertThat(secrets.get("k8s:shop/db").version()).isEqualTo(v2);
        assertThat(Duration.between(t0, scheduler.clock().now())).isLessThan(POLL);
        assertThat(events.types()).contains(SecretEventType.ROTATED);
        assertThat(api.gets(NS, "db") - gets).as("one GET for the change").isEqualTo(1);
    }

    @Test
    void manyRefs_shareOneWatchPerNamespace() throws Exception {
        for (int i = 0; i < 6; i++) {
            api.put(NS, "s" + i, Map.of("key", "v" + i));
        }
        api.put("billing", "stripe", Map.of("key", "b"));
        start();
        for (int i = 0; i < 6; i++) {
            assertThat(secrets.value("k8s:shop/s" + i)).isEqualTo("v" + i);
            assertThat(secrets.value("k8s:shop/s" + i + "#key")).isEqualTo("v" + i);
        }
        assertThat(secrets.value("k8s:billing/stripe#key")).isEqualTo("b");
        await(w -> w.synced() && w.eventsReceived() > 0);

        assertThat(api.watchRequests(NS))
                .as(
                        "%s",
                        api.requests().stream()
                                .map(r -> r.getMethod() + " " + r.getPath())
                                .toList())
                .isEqualTo(1);
        assertThat(api.listRequests(NS)).isEqualTo(1);
        assertThat(api.watchRequests("billing")).isEqualTo(1);
        assertThat(source.watchedNamespaces()).isEqualTo(2);

        // a change to one of them is seen through the same watch
        String v = api.put(NS, "s3", Map.of("key", "new"));
        await(w -> w.indexed("s3").map(v::equals).orElse(false));
        scheduler.advance(NamespaceWatch.SETTLE);
        assertThat(secrets.value("k8s:shop/s3")).isEqualTo("new");
        assertThat(secrets.value("k8s:shop/s2")).isEqualTo("v2");
        assertThat(api.watchRequests(NS)).isEqualTo(1);
    }

    @Test
    void gone410_onResume_relistsAndSeesWhatChangedMeanwhile() throws Exception {
        api.put(NS, "db", Map.of("password", "p1"));
        start();
        assertThat(secrets.value("k8s:shop/db#password")).isEqualTo("p1");
        await(w -> w.synced() && w.eventsReceived() > 0);
        String resume = lastWatchPath();
        // the version the watch would resume from is too old now: the API server answers 410 Gone
        api.mock()
                .expect()
                .get()
                .withPath(resume)
                .andReturn(410, ApiServer.status(410, "Expired", null))
                .always();

        link.cutWatches();
        await(NamespaceWatch::reconnectScheduled);
        String v2 = api.put(NS, "db", Map.of("password", "p2")); // while no watch is open
        for (int i = 0; i < 10 && api.listRequests(NS) < 2; i++) {
            scheduler.advance(untilNextTask());
            watch().await(w -> w.reconnectScheduled() || w.synced(), SEEN);
        }
        await(w -> w.synced() && w.indexed("db").map(v2::equals).orElse(false));
        assertThat(api.listRequests(NS)).as("relisted after 410").isEqualTo(2);
        scheduler.advance(NamespaceWatch.SETTLE);

        assertThat(secrets.value("k8s:shop/db#password")).isEqualTo("p2");
        assertThat(api.requests().stream().map(r -> r.getPath()))
                .as("a new watch from the list's version")
                .anyMatch(p -> p.contains("watch=true") && !p.equals(resume));
    }

    @Test
    void watchDown_thePollKeepsTheSecretFresh() throws Exception {
        // an identity without list (and so without a watch): the watch keeps failing, backed off, and the poll reads
        api.mock()
                .expect()
                .get()
                .withPath("/api/v1/namespaces/" + NS + "/secrets")
                .andReturn(403, ApiServer.status(403, "Forbidden", null))
                .always();
        api.put(NS, "db", Map.of("password", "p1"));
        start(KubernetesSecretSource.builder());
        assertThat(secrets.value("k8s:shop/db#password")).isEqualTo("p1");
        await(NamespaceWatch::reconnectScheduled);
        assertThat(watch().synced()).isFalse();

        api.put(NS, "db", Map.of("password", "p2"));
        scheduler.advance(POLL.plusSeconds(1));

        assertThat(secrets.value("k8s:shop/db#password")).isEqualTo("p2");
        assertThat(events.types()).contains(SecretEventType.ROTATED);
        long lists = api.listRequests(NS);
        assertThat(lists)
                .as("LIST retried with backoff, not in a loop: " + lists)
                .isBetween(2L, 20L);
    }

    @Test
    void deletedSecret_isAnEventAndTheLastValueKeepsBeingServed_thenARecreatedOneIsPushed() throws Exception {
        api.put(NS, "db", Map.of("password", "p1"));
        start();
        assertThat(secrets.value("k8s:shop/db#password")).isEqualTo("p1");
        await(w -> w.synced() && w.eventsReceived() > 0);

        api.delete(NS, "db");
        await(w -> w.indexed("db").isEmpty());
        scheduler.advance(NamespaceWatch.SETTLE);

        assertThat(events.ofType(SecretEventType.REFRESH_FAILED))
                .anySatisfy(e -> assertThat(e.errorClass()).contains("dev.rotor.secrets.SecretNotFoundException"));
        assertThat(secrets.value("k8s:shop/db#password"))
                .as("served per the stale policy")
                .isEqualTo("p1");

        String v3 = api.put(NS, "db", Map.of("password", "p3"));
        await(w -> w.indexed("db").map(v3::equals).orElse(false));
        scheduler.advance(NamespaceWatch.SETTLE);
        assertThat(secrets.value("k8s:shop/db#password")).isEqualTo("p3");
    }

    @Test
    void lastRefIntoANamespaceForgotten_closesItsWatch() throws Exception {
        api.put(NS, "db", Map.of("password", "p1"));
        start();
        secrets.value("k8s:shop/db#password");
        await(w -> w.synced() && w.eventsReceived() > 0);
        NamespaceWatch w = watch();

        source.forget(dev.rotor.secrets.SecretRef.parse("k8s:shop/db"));

        assertThat(source.watchedNamespaces()).isZero();
        assertThat(w.synced()).isFalse();
    }

    private String lastWatchPath() {
        List<String> paths = api.requests().stream()
                .map(r -> r.getPath())
                .filter(p -> p.contains("watch=true"))
                .toList();
        assertThat(paths).isNotEmpty();
        return paths.get(paths.size() - 1);
    }
}
