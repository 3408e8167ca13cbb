package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretState;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.test.InMemorySource.Operation;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A version reported compromised stays compromised until it is replaced, however the replacement arrives. */
class CompromisedTest {
    private static final RefreshPolicy HOURLY = RefreshPolicy.builder()
            .pollInterval(Duration.ofHours(1))
            .wipeDelay(Duration.ofMinutes(10))
            .build();

    private static InventoryEntry inventory(Fixture f) {
        return f.secrets.inventory().get(0);
    }

    @Test
    void compromisedVersion_stillServedByTheStore_isWatchedAndShown_untilTheStoreReplacesIt() {
        try (Fixture f = new Fixture()) {
            // a store whose rotation runs later: it cannot rotate on request
            EnumSet<SourceCapability> caps = EnumSet.allOf(SourceCapability.class);
            caps.remove(SourceCapability.ROTATE);
            f.source.capabilities(caps);
            f.source.put("api", "k1");
            f.start(f.builder().refreshPolicy(HOURLY));
            Secret first = f.secrets.get("mem:api");
            List<Boolean> heldByListener = new CopyOnWriteArrayList<>();
            f.secrets.watch("mem:api", change -> {
                if (change.previous().isPresent()) {
                    change.holdPrevious(Duration.ofMinutes(5)); // a listener that would hold the old version
                    heldByListener.add(change.previous().get().isWiped());
                }
            });

            f.secrets.compromised("mem:api");
            assertThat(f.secrets.get("mem:api").version()).isEqualTo("1");
            assertThat(inventory(f).state()).isEqualTo(SecretState.DEGRADED);
            assertThat(inventory(f).lastError()).get().asString().contains("reported compromised");

            // minutes later the store's rotation finishes; the engine looks every few seconds, not hourly
            f.source.resetCounts();
            f.advance(Duration.ofSeconds(30));
            assertThat(f.source.count(Operation.PROBE) + f.source.count(Operation.FETCH))
                    .isBetween(5, 7);
            f.source.put("api", "k2");
            f.advance(Duration.ofSeconds(5));

            assertThat(f.secrets.get("mem:api").value()).isEqualTo("k2");
            // replaced: wiped at once, not after wipeDelay (10 min), and the listener's hold did not keep it
            assertThat(first.isWiped()).isTrue();
            assertThat(heldByListener).containsExactly(false);
            assertThat(inventory(f).state()).isEqualTo(SecretState.ACTIVE);

            // and the new version is an ordinary one again: polled hourly
            f.source.resetCounts();
            f.advance(Duration.ofMinutes(5));
            assertThat(f.source.count(Operation.PROBE) + f.source.count(Operation.FETCH))
                    .isZero();
        }
    }

    @Test
    void compromised_replacedAtOnceByTheStore_isWipedAtOnce() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            f.start(f.builder().refreshPolicy(HOURLY));
            Secret first = f.secrets.get("mem:api");
            Secret now = f.secrets.compromised("mem:api");
            assertThat(now.version()).isNotEqualTo(first.version());
            assertThat(first.isWiped()).isTrue();
            assertThat(inventory(f).state()).isEqualTo(SecretState.ACTIVE);
        }
    }

    @Test
    void storeRefusingToRotate_isReportedWithWhatToDo_theSecretIsReRead_andLookedAtAgainSoon() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            f.start(f.builder().refreshPolicy(HOURLY));
            f.secrets.get("mem:api");
            f.source.failOnly(Set.of(Operation.ROTATE));
            f.source.failNext(
                    1, () -> new SecretConfigurationException("no rotation function is configured", null, "mem"));
            int fetches = f.source.count(Operation.FETCH);

            Secret served = f.secrets.compromised("mem:api");

            assertThat(served.value()).isEqualTo("k1");
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(fetches + 1); // re-read despite the refusal
            SecretEvent refusal = f.events.ofType(SecretEventType.COMPROMISED).stream()
                    .filter(e -> e.outcome() == SecretEvent.Outcome.FAILURE)
                    .findFirst()
                    .orElseThrow();
            assertThat(refusal.detail()).get().asString().contains("rotate the secret in the store");
            assertThat(refusal.errorMessage()).get().asString().contains("no rotation function");

            f.source.resetCounts();
            f.source.put("api", "k2"); // rotated by hand in the store
            f.advance(Duration.ofSeconds(5));
            assertThat(f.secrets.get("mem:api").value()).isEqualTo("k2");
        }
    }
}
