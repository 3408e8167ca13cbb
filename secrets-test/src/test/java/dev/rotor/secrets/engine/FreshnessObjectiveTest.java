package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Criticality;
import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretDeclaration;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretSlo;
import dev.rotor.secrets.SourceUnavailableException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The freshness objective of declared secrets: computed from what the engine knows, shown in the inventory, and
 * published as one event per transition from the engine's periodic evaluation (on the manual clock).
 */
class FreshnessObjectiveTest {
    private static final RefreshPolicy POLL_1M =
            RefreshPolicy.builder().pollInterval(Duration.ofMinutes(1)).build();

    private static final Set<SecretEventType> SIGNALS =
            EnumSet.range(SecretEventType.SLO_BREACHED, SecretEventType.READ_RATE_SPIKE);

    private static InventoryEntry entry(Fixture f, String ref) {
        return f.secrets.inventory().stream()
                .filter(e -> e.ref().toString().equals(ref))
                .findFirst()
                .orElseThrow();
    }

    private static List<SecretEvent> of(Fixture f, SecretEventType type) {
        return f.events.ofType(type);
    }

    @Test
    void inventory_showsAgeSinceLastCheckLeaseLeftCriticalityAndCadence() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofDays(1), false);
            f.start(f.builder()
                    .declare(SecretDeclaration.of("mem:db")
                            .criticality(Criticality.CRITICAL)
                            .rotationCadence(Duration.ofDays(7))));
            f.secrets.get("mem:db");
            f.advance(Duration.ofMinutes(10));

            InventoryEntry e = entry(f, "mem:db");
            assertThat(e.criticality()).isEqualTo(Criticality.CRITICAL);
            assertThat(e.rotationCadence()).contains(Duration.ofDays(7));
            SecretSlo slo = e.slo();
            assertThat(slo.met()).isTrue();
            assertThat(slo.age()).contains(Duration.ofMinutes(10));
            assertThat(slo.sinceLastCheck()).contains(Duration.ofMinutes(10));
            assertThat(slo.leaseRemaining()).contains(Duration.ofMinutes(50));
        }
    }

    @Test
    void declaredButUnread_hasNoObjectiveToMiss_andTheDefaultCriticalityIsMedium() {
        try (Fixture f = new Fixture()) {
            f.start(f.builder().declare(SecretDeclaration.of("mem:later")));
            f.advance(Duration.ofHours(1));
            InventoryEntry e = entry(f, "mem:later");
            assertThat(e.criticality()).isEqualTo(Criticality.MEDIUM);
            assertThat(e.slo().met()).isTrue();
            assertThat(e.slo().age()).isEmpty();
            assertThat(f.events.types()).doesNotContainAnyElementsOf(SIGNALS);
        }
    }

    @Test
    void pastMaxAge_breachedOnce_thenRecoveredOnceWhenANewVersionArrives() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.start(f.builder()
                    .refreshPolicy(POLL_1M)
                    .declare(SecretDeclaration.of("mem:db").maxAge(Duration.ofMinutes(10))));
            f.secrets.get("mem:db");
            f.advance(Duration.ofMinutes(9));
            assertThat(of(f, SecretEventType.SLO_BREACHED)).isEmpty();

            f.advance(Duration.ofMinutes(2));
            assertThat(of(f, SecretEventType.SLO_BREACHED)).singleElement().satisfies(ev -> {
                assertThat(ev.ref().orElseThrow().toString()).isEqualTo("mem:db");
                assertThat(ev.detail()).contains("max_age");
            });
            assertThat(entry(f, "mem:db").slo().breach()).contains(SecretSlo.Breach.MAX_AGE);
            f.advance(Duration.ofMinutes(5));
            assertThat(of(f, SecretEventType.SLO_BREACHED)).hasSize(1);

            f.source.put("db", "v2");
            f.advance(Duration.ofMinutes(2));
            assertThat(of(f, SecretEventType.SLO_RECOVERED)).singleElement().satisfies(ev -> assertThat(ev.detail())
                    .contains("was max_age"));
            f.advance(Duration.ofMinutes(3));
            assertThat(of(f, SecretEventType.SLO_RECOVERED)).hasSize(1);
            assertThat(entry(f, "mem:db").slo().met()).isTrue();
        }
    }

    @Test
    void storeDown_checkOverdueAfterTwoPollIntervals_recoveredWhenAPollSucceeds() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.start(f.builder().refreshPolicy(POLL_1M).declare(SecretDeclaration.of("mem:db")));
            f.secrets.get("mem:db");
            f.source.goDown();
            f.advance(Duration.ofSeconds(110));
            assertThat(of(f, SecretEventType.SLO_BREACHED)).isEmpty();

            f.advance(Duration.ofSeconds(40));
            assertThat(of(f, SecretEventType.SLO_BREACHED)).singleElement().satisfies(ev -> assertThat(ev.detail())
                    .contains("check_overdue"));
            assertThat(entry(f, "mem:db").slo().sinceLastCheck().orElseThrow()).isGreaterThan(Duration.ofMinutes(2));

            f.source.recover();
            f.advance(Duration.ofMinutes(15));
            assertThat(of(f, SecretEventType.SLO_BREACHED)).hasSize(1);
            assertThat(of(f, SecretEventType.SLO_RECOVERED)).hasSize(1);
            assertThat(entry(f, "mem:db").slo().sinceLastCheck().orElseThrow())
                    .isLessThanOrEqualTo(Duration.ofMinutes(1));
        }
    }

    @Test
    void leaseInItsLastSixthWithFailingRefreshes_breachedOnce_evenWhenItThenExpires() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofDays(1), false);
            f.start(f.builder().declare(SecretDeclaration.of("mem:db")));
            f.secrets.get("mem:db");
            f.source.goDown();
            f.advance(Duration.ofMinutes(49));
            assertThat(of(f, SecretEventType.SLO_BREACHED)).isEmpty();
            assertThat(of(f, SecretEventType.REFRESH_FAILED)).isNotEmpty();

            f.advance(Duration.ofMinutes(2));
            assertThat(of(f, SecretEventType.SLO_BREACHED)).singleElement().satisfies(ev -> assertThat(ev.detail())
                    .contains("lease_ending"));

            f.advance(Duration.ofMinutes(15));
            assertThat(entry(f, "mem:db").slo().breach()).contains(SecretSlo.Breach.EXPIRED);
            assertThat(entry(f, "mem:db").slo().leaseRemaining().orElseThrow()).isNegative();
            assertThat(of(f, SecretEventType.SLO_BREACHED)).hasSize(1);
        }
    }

    @Test
    void firstLoadFailing_isNotLoaded() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.source.failAlways(() -> new SourceUnavailableException("store down", null, "mem"));
            f.start(f.builder().declare(SecretDeclaration.of("mem:db")));
            org.assertj.core.api.Assertions.catchThrowable(() -> f.secrets.get("mem:db"));
            f.advance(Duration.ofSeconds(30));
            assertThat(entry(f, "mem:db").slo().breach()).contains(SecretSlo.Breach.NOT_LOADED);
            assertThat(of(f, SecretEventType.SLO_BREACHED)).singleElement().satisfies(ev -> assertThat(ev.detail())
                    .contains("not_loaded"));
        }
    }

    @Test
    void readsNeverEvaluate_onlyTheScheduledEvaluationPublishes() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.start(f.builder()
                    .refreshPolicy(POLL_1M)
                    .declare(SecretDeclaration.of("mem:db").maxAge(Duration.ofMinutes(10))));
            f.secrets.get("mem:db");
            // the clock moves without running the scheduler: reads see an old version but evaluate nothing
            f.scheduler.clock().advance(Duration.ofMinutes(11));
            for (int i = 0; i < 100; i++) {
                f.secrets.get("mem:db");
                f.secrets.value("mem:db");
            }
            assertThat(f.events.types()).doesNotContainAnyElementsOf(SIGNALS);
            f.scheduler.runDue();
            assertThat(of(f, SecretEventType.SLO_BREACHED)).hasSize(1);
        }
    }

    @Test
    void withoutDeclarations_theMonitorIsOff_andPublishesNothing() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.start(f.builder().refreshPolicy(POLL_1M));
            f.secrets.get("mem:db");
            f.source.put("db", "v2");
            f.advance(Duration.ofMinutes(2));
            f.source.goDown();
            f.advance(Duration.ofHours(1));
            assertThat(f.events.types()).contains(SecretEventType.ROTATED);
            assertThat(f.events.types()).doesNotContainAnyElementsOf(SIGNALS);
        }
    }

    @Test
    void monitorIntervalZero_turnsItOffEvenWithDeclarations() {
        try (Fixture f = new Fixture()) {
            f.source.put("db", "v1");
            f.start(f.builder()
                    .monitorInterval(Duration.ZERO)
                    .refreshPolicy(POLL_1M)
                    .declare(SecretDeclaration.of("mem:db").maxAge(Duration.ofMinutes(1))));
            f.secrets.get("mem:db");
            f.advance(Duration.ofHours(1));
            assertThat(entry(f, "mem:db").slo().breach()).contains(SecretSlo.Breach.MAX_AGE);
            assertThat(f.events.types()).doesNotContainAnyElementsOf(SIGNALS);
        }
    }
}
