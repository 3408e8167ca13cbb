package dev.rotor.secrets.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.test.FixedRandom;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import dev.rotor.secrets.test.RecordingListener;
import dev.rotor.secrets.test.gcp.SecretManagerFake;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Throttling is its own outcome: {@code RESOURCE_EXHAUSTED} carries the store's {@code RetryInfo} delay (capped), the
 * project's quota buckets run out and refill on the fake's clock, which is the engine's manual one, and the client
 * keeps serving and counts no failure meanwhile.
 */
class GcpThrottlingTest {
    private static final String P = "my-project";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final SecretManagerFake fake = SecretManagerFake.start(scheduler.clock());
    private final GoogleSecretManagerSource source =
            GoogleSecretManagerSource.builder().settings(fake.settings()).build();
    private final RecordingListener events = new RecordingListener();
    private Secrets secrets;

    @AfterEach
    void close() {
        if (secrets != null) {
            secrets.close();
        }
        source.close();
        fake.close();
    }

    @Test
    void retryInfo_isTheWait() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "x");
        fake.throttle(Duration.ofMillis(2500));

        SourceThrottledException e = catchThrowableOfType(SourceThrottledException.class, this::fetchOnce);

        assertThat(e.retryAfter()).contains(Duration.ofMillis(2500));
        assertThat(e.isRetryable()).isTrue();
        assertThat(e.getMessage()).contains("RESOURCE_EXHAUSTED").contains("retry after 2500 ms");
    }

    @Test
    void noRetryInfo_isThrottledWithoutAWait() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "x");
        fake.throttle(null);

        SourceThrottledException e = catchThrowableOfType(SourceThrottledException.class, this::fetchOnce);

        assertThat(e.retryAfter()).isEmpty();
    }

    @Test
    void aHugeRetryInfo_isCappedByTheEngine() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "x");
        fake.throttle(Duration.ofHours(3));

        SourceThrottledException e = catchThrowableOfType(SourceThrottledException.class, this::fetchOnce);

        assertThat(e.retryAfter()).contains(SourceThrottledException.MAX_RETRY_AFTER);
    }

    @Test
    void accessQuota_runsOutPerProjectAndMinute_andSaysWhenItRefills() {
        scheduler.clock().setTo(Instant.parse("2026-01-01T00:00:15Z"));
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "x");
        fake.quota("ACCESS", 2);
        fetchOnce();
        fetchOnce();

        SourceThrottledException e = catchThrowableOfType(SourceThrottledException.class, this::fetchOnce);

        assertThat(e.retryAfter()).contains(Duration.ofSeconds(45));
        scheduler.advance(Duration.ofSeconds(45));
        fetchOnce();
    }

    @Test
    void client_whileTheQuotaIsSpent_keepsServing_countsNoFailure_andRecovers() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "one");
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .random(FixedRandom.of(0.5))
                .refreshPolicy(RefreshPolicy.builder()
                        .pollInterval(Duration.ofMinutes(1))
                        .pollJitter(0)
                        .spreadFirstRefresh(false)
                        .build())
                .eventListener(events)
                .build();
        assertThat(secrets.value("gcp-sm:" + P + "/db")).isEqualTo("one");
        fake.addVersion(P, "db", "two");
        fake.throttle(Duration.ofSeconds(30));

        scheduler.advance(Duration.ofSeconds(61));

        assertThat(secrets.value("gcp-sm:" + P + "/db")).isEqualTo("one");
        assertThat(events.types()).contains(SecretEventType.THROTTLED).doesNotContain(SecretEventType.REFRESH_FAILED);
        SecretEvent throttled = events.events().stream()
                .filter(ev -> ev.type() == SecretEventType.THROTTLED)
                .findFirst()
                .orElseThrow();
        assertThat(throttled.errorClass()).contains(SourceThrottledException.class.getName());
        long before = fake.count("AccessSecretVersion");
        scheduler.advance(Duration.ofSeconds(20));
        assertThat(fake.count("AccessSecretVersion"))
                .as("no call before the store's wait")
                .isEqualTo(before);

        fake.clearFaults();
        scheduler.advance(Duration.ofMinutes(2));

        assertThat(secrets.value("gcp-sm:" + P + "/db")).isEqualTo("two");
    }

    private void fetchOnce() {
        ManualSourceContext.start(source, scheduler);
        source.fetch(FetchRequest.of(SecretRef.parse("gcp-sm:" + P + "/db"), FetchReason.INITIAL));
    }
}
