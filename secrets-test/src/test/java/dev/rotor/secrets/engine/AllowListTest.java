package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.DrillReport;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretDeclaration;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretPolicyException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.test.InMemorySource.Operation;
import dev.rotor.secrets.test.LeakCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The client's ref allow-list: what it lets through, what it refuses, and how refusals are audited. */
class AllowListTest {

    private static Fixture started(Fixture f, String... allowed) {
        f.source.put("app/db", "app-db-value");
        f.source.put("app/api", "app-api-value");
        f.source.put("app/db/admin", "admin-value");
        f.source.put("other", "other-value");
        f.source.putFields("creds", Map.of("username", "u", "password", "creds-password"));
        return f.start(f.builder().allowRefs(allowed));
    }

    private static SecretPolicyException refusal(Runnable read) {
        Throwable t = catchThrowable(read::run);
        assertThat(t).isInstanceOf(SecretPolicyException.class).isInstanceOf(SecretAccessDeniedException.class);
        return (SecretPolicyException) t;
    }

    @Test
    void patternAndExactRef_allowWhatTheyName_andRefuseTheRestBeforeAnyStoreCall() {
        try (Fixture f = started(new Fixture(), "mem:app/*", "mem:creds")) {
            assertThat(f.secrets.get("mem:app/db").value()).isEqualTo("app-db-value");
            assertThat(f.secrets.value("mem:creds#password")).isEqualTo("creds-password");
            assertThat(f.secrets.get("mem:app/api").value()).isEqualTo("app-api-value");
            f.source.resetCounts();

            SecretPolicyException e = refusal(() -> f.secrets.get("mem:other"));
            assertThat(e.ref()).contains(SecretRef.parse("mem:other"));
            assertThat(e.source()).contains("mem");
            assertThat(e.isRetryable()).isFalse();
            assertThat(e.getMessage()).contains("ref=mem:other", "source=mem", "allow-list");
            // '*' stays within one segment
            refusal(() -> f.secrets.get("mem:app/db/admin"));
            assertThat(f.source.count(Operation.FETCH)).isZero();
            assertThat(f.secrets.inventory())
                    .extracting(i -> i.ref().toString())
                    .doesNotContain("mem:other");
        }
    }

    @Test
    void everyReadingCall_isRefusedOutsideTheList() {
        try (Fixture f = started(new Fixture(), "mem:app/db")) {
            List<Runnable> reads = List.of(
                    () -> f.secrets.get("mem:other"),
                    () -> f.secrets.get(SecretRef.parse("mem:other")),
                    () -> f.secrets.value("mem:creds#password"),
                    () -> f.secrets.get("mem:other", String.class),
                    () -> f.secrets.handle("mem:other"),
                    () -> f.secrets.watch("mem:other", c -> {}),
                    () -> f.secrets.refresh("mem:other"),
                    () -> f.secrets.compromised("mem:other"),
                    () -> f.secrets.preload(List.of("mem:app/db", "mem:other")),
                    () -> f.secrets.alternates("mem:other"),
                    () -> f.secrets.refreshPolicy("mem:other"));
            for (Runnable r : reads) {
                refusal(r);
            }
            // a drill reports the refusal per secret rather than throwing
            DrillReport drill = f.secrets.drill(List.of("mem:other"));
            assertThat(drill.succeeded()).isFalse();
            assertThat(drill.secrets().get(0).reason())
                    .get()
                    .asString()
                    .contains("SecretPolicyException", "allow-list");
            assertThat(f.source.count(Operation.FETCH)).isZero();
            assertThat(f.source.count(Operation.ROTATE)).isZero();
        }
    }

    @Test
    void doubleStar_crossesSegments_andFieldsAndParametersTakeNoPart() {
        try (Fixture f = started(new Fixture(), "mem:app/**")) {
            assertThat(f.secrets.get("mem:app/db/admin").value()).isEqualTo("admin-value");
            assertThat(f.secrets.get("mem:app/db#anything")).isNotNull();
            refusal(() -> f.secrets.get("mem:apple"));
            refusal(() -> f.secrets.get("mem:other"));
        }
    }

    @Test
    void otherScheme_isRefused_evenWithTheSamePath() {
        try (Fixture f = started(new Fixture(), "mem:app/**")) {
            SecretPolicyException e = refusal(() -> f.secrets.get("file:app/db"));
            assertThat(e.source()).contains("file");
        }
    }

    @Test
    void noAllowList_allowsEverything() {
        try (Fixture f = new Fixture()) {
            f.source.put("anything/at/all", "v");
            f.start();
            assertThat(f.secrets.get("mem:anything/at/all").value()).isEqualTo("v");
        }
    }

    @Test
    void declaredSecretOutsideTheList_failsTheBuild() {
        try (Fixture f = new Fixture()) {
            assertThatThrownBy(() ->
                            f.start(f.builder().allowRefs("mem:app/*").declare(SecretDeclaration.of("mem:other"))))
                    .isInstanceOf(SecretPolicyException.class)
                    .hasMessageContaining("ref=mem:other");
            f.start(f.builder().allowRefs("mem:app/*").declare(SecretDeclaration.of("mem:app/db")));
        }
    }

    @Test
    void malformedEntries_failTheBuild_namingTheEntry() {
        try (Fixture f = new Fixture()) {
            for (String bad : List.of("mem:app#password", "mem:app?version=2", "no-colon", "*:app", " ", "mem:")) {
                assertThatThrownBy(() -> f.builder().allowRefs(bad).build())
                        .as(bad)
                        .isInstanceOf(SecretConfigurationException.class)
                        .hasMessageContaining("allowRefs");
            }
            assertThatThrownBy(() -> f.builder().allowRefs().build())
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("at least one");
        }
    }

    @Test
    void refusalEvent_atMostOncePerRefPerMinute_thenAgain_countingWhatWasNotReported() {
        try (Fixture f = started(new Fixture(), "mem:app/*")) {
            for (int i = 0; i < 1000; i++) {
                refusal(() -> f.secrets.get("mem:other"));
            }
            List<SecretEvent> refused = f.events.ofType(SecretEventType.REFUSED_BY_POLICY);
            assertThat(refused).hasSize(1);
            SecretEvent ev = refused.get(0);
            assertThat(ev.ref()).contains(SecretRef.parse("mem:other"));
            assertThat(ev.source()).contains("mem");
            assertThat(ev.outcome()).isEqualTo(SecretEvent.Outcome.FAILURE);
            assertThat(ev.errorClass()).contains(SecretPolicyException.class.getName());

            f.advance(Duration.ofSeconds(59));
            refusal(() -> f.secrets.get("mem:other"));
            assertThat(f.events.ofType(SecretEventType.REFUSED_BY_POLICY)).hasSize(1);
            f.advance(Duration.ofSeconds(1));
            refusal(() -> f.secrets.get("mem:other"));
            refused = f.events.ofType(SecretEventType.REFUSED_BY_POLICY);
            assertThat(refused).hasSize(2);
            assertThat(refused.get(1).detail()).get().asString().contains("1000 refusals not reported");
        }
    }

    @Test
    void manyDistinctRefusedRefs_areCappedPerMinute() {
        try (Fixture f = started(new Fixture(), "mem:app/*")) {
            for (int i = 0; i < 5000; i++) {
                int n = i;
                refusal(() -> f.secrets.get("mem:hostile/" + n));
            }
            assertThat(f.events.ofType(SecretEventType.REFUSED_BY_POLICY)).hasSize(100);
            f.advance(Duration.ofMinutes(1));
            refusal(() -> f.secrets.get("mem:hostile/again"));
            assertThat(f.events.ofType(SecretEventType.REFUSED_BY_POLICY)).hasSize(101);
        }
    }

    @Test
    void concurrentRefusedReads_publishOneEventPerRef() throws Exception {
        try (Fixture f = started(new Fixture(), "mem:app/*")) {
            f.secrets.get("mem:app/db");
            int threads = 8;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> done = new ArrayList<>();
            try {
                for (int t = 0; t < threads; t++) {
                    done.add(pool.submit(() -> {
                        go.await(10, TimeUnit.SECONDS);
                        int refusals = 0;
                        for (int i = 0; i < 5_000; i++) {
                            try {
                                f.secrets.get("mem:blocked/" + (i % 3));
                            } catch (SecretPolicyException e) {
                                refusals++;
                            }
                            // an allowed, loaded secret is read alongside, untouched by the list
                            assertThat(f.secrets.get("mem:app/db").value()).isEqualTo("app-db-value");
                        }
                        return refusals;
                    }));
                }
                go.countDown();
                for (Future<Integer> d : done) {
                    assertThat(d.get(60, TimeUnit.SECONDS)).isEqualTo(5_000);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(f.events.ofType(SecretEventType.REFUSED_BY_POLICY))
                    .extracting(e -> e.ref().orElseThrow().toString())
                    .containsExactlyInAnyOrder("mem:blocked/0", "mem:blocked/1", "mem:blocked/2");
        }
    }

    @Test
    void refusals_neverCarryAValue() {
        try (LeakCheck leaks = LeakCheck.start("app-db-value", "creds-password", "other-value")) {
            try (Fixture f = new Fixture()) {
                Consumer<Fixture> run = x -> {
                    x.secrets.get("mem:app/db");
                    leaks.check(
                            catchThrowable(() -> x.secrets.get("mem:other")),
                            catchThrowable(() -> x.secrets.value("mem:creds#password")),
                            x.events.events(),
                            x.secrets.health(),
                            x.secrets.inventory());
                };
                f.source.put("app/db", "app-db-value");
                f.source.put("other", "other-value");
                f.source.putFields("creds", Map.of("password", "creds-password"));
                f.start(f.builder().allowRefs("mem:app/*").eventListener(leaks));
                run.accept(f);
            }
            leaks.assertNoLeaks();
        }
    }
}
