package dev.rotor.secrets.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretExpiredException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.FixedRandom;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import dev.rotor.secrets.test.azure.KeyVaultFake;
import dev.rotor.secrets.test.azure.KeyVaultFake.VersionSpec;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The adapter under the engine, on a manual clock shared with the Key Vault fake: every poll runs inside {@code
 * advance}, and the fake counts the calls. Jitter is drawn at zero, so polls fall on the source's 5-minute marks.
 */
class AzureRefreshTest {
    private static final String REF = "azure-kv:rotor-test/db";
    private static final Duration POLL = AzureKeyVaultSource.DEFAULT_POLL_INTERVAL;

    private final ManualScheduler scheduler = new ManualScheduler();
    private final KeyVaultFake fake =
            KeyVaultFake.builder().timeSource(scheduler.clock()).start();
    private final RecordingListener events = new RecordingListener();
    private Secrets secrets;

    @AfterEach
    void stop() {
        if (secrets != null) {
            secrets.close();
        }
        fake.close();
    }

    private Secrets start() {
        secrets = Secrets.builder()
                .source(FakeVaults.sourceFor(fake).build())
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .random(FixedRandom.of(0))
                // the vault's own Retry-After alone: the rate the engine learns from throttling is tested in core
                .refreshPolicy(RefreshPolicy.builder()
                        .spreadFirstRefresh(false)
                        .learnFromThrottling(false)
                        .build())
                .eventListener(events)
                .build();
        return secrets;
    }

    private long reads() {
        return fake.count("GET", "/secrets/db");
    }

    @Test
    void secretWithoutExpiry_isPolledEveryFiveMinutes_oneGetSecretEach() {
        fake.setSecret("db", "p1");
        start().value(REF);
        long first = reads();

        scheduler.advance(POLL.multipliedBy(3).plusSeconds(1));

        assertThat(reads() - first).isEqualTo(3);
        assertThat(events.types()).doesNotContain(SecretEventType.ROTATED);
    }

    @Test
    void expiringSecret_keepsBeingPolled_andANewVersionIsPickedUpLongBeforeTheExpiry() {
        Instant now = scheduler.clock().now();
        fake.setSecret("db", "p1", VersionSpec.defaults().expiresOn(now.plus(Duration.ofDays(90))));
        start();
        assertThat(secrets.value(REF)).isEqualTo("p1");

        fake.setSecret("db", "p2", VersionSpec.defaults().expiresOn(now.plus(Duration.ofDays(180))));
        scheduler.advance(POLL.plusSeconds(1));

        assertThat(secrets.value(REF)).isEqualTo("p2");
        assertThat(events.types()).contains(SecretEventType.ROTATED);
        assertThat(secrets.get(REF).lease().orElseThrow().expiresAt()).isEqualTo(now.plus(Duration.ofDays(180)));
    }

    @Test
    void expiresOn_isTheHardDeadline_theVersionIsNotServedPastIt() {
        Instant now = scheduler.clock().now();
        fake.setSecret("db", "p1", VersionSpec.defaults().expiresOn(now.plus(Duration.ofMinutes(12))));
        start();
        assertThat(secrets.value(REF)).isEqualTo("p1");
        fake.failInternally();

        scheduler.advance(Duration.ofMinutes(13));

        assertThatThrownBy(() -> secrets.value(REF)).isInstanceOf(SecretExpiredException.class);
        assertThat(events.types()).contains(SecretEventType.EXPIRED);
    }

    @Test
    void throttledPoll_waitsAtLeastTheVaultsRetryAfter() {
        fake.setSecret("db", "p1");
        start().value(REF);
        fake.throttle(Duration.ofSeconds(30));
        scheduler.advance(POLL.plusSeconds(1));
        long atThrottle = reads();
        assertThat(events.types()).contains(SecretEventType.THROTTLED);

        // throttled at 5:00, asked for 30 s: nothing until 5:30 (the clock is at 5:01 now)
        scheduler.advance(Duration.ofSeconds(28));

        assertThat(reads()).as("no call before Retry-After").isEqualTo(atThrottle);
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(reads()).as("one call once it has passed").isEqualTo(atThrottle + 1);
        fake.clearFaults();
        fake.setSecret("db", "p2");
        scheduler.advance(Duration.ofMinutes(2));
        assertThat(secrets.value(REF)).isEqualTo("p2");
    }
}
