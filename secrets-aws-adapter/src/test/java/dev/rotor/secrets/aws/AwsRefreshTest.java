package dev.rotor.secrets.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretState;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import dev.rotor.secrets.test.aws.RotationFunction;
import dev.rotor.secrets.test.aws.SecretsManagerFake;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The adapter under the engine, on a manual clock shared with the test kit's Secrets Manager fake: every poll, probe,
 * fetch, retry and rotation step runs inside {@code advance}, and the fake counts the calls. The poll interval is 5 minutes and jitter is fixed at zero, so polls fall
 * exactly on the 5-minute marks.
 */
class AwsRefreshTest {
    private static final String DB = "prod/db";
    private static final String REF = "aws-sm:prod/db";
    private static final Duration POLL = Duration.ofMinutes(5);
    private static final Duration CHECK = Duration.ofSeconds(15);

    private final ManualScheduler scheduler = new ManualScheduler();
    private final SecretsManagerFake aws =
            SecretsManagerFake.builder().scheduler(scheduler).start();
    private final SecretsManagerClient client = FakeClients.client(aws);
    private final RecordingListener events = new RecordingListener();
    private Secrets secrets;

    @AfterEach
    void stop() {
        if (secrets != null) {
            secrets.close();
        }
        client.close();
        aws.close();
    }

    private static RandomGenerator zeroJitter() {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public double nextDouble() {
                return 0;
            }
        };
    }

    private Secrets start(AwsSecretsManagerSource.Builder source, RefreshPolicy policy) {
        secrets = Secrets.builder()
                .source(source.client(client).rotationCheckInterval(CHECK).build())
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .random(zeroJitter())
                .eventListener(events)
                .auditLog(false)
                .refreshPolicy(policy)
                .build();
        return secrets;
    }

    private Secrets start() {
        return start(
                AwsSecretsManagerSource.builder(),
                RefreshPolicy.builder().pollInterval(POLL).build());
    }

    private static String creds(String password) {
        return "{\"username\":\"app\",\"password\":\"" + password + "\"}";
    }

    private String servingV1() {
        return aws.createSecret(DB, creds("p1"));
    }

    private SecretEvent lastOf(SecretEventType type) {
        List<SecretEvent> of = events.ofType(type);
        assertThat(of).as("events of type " + type).isNotEmpty();
        return of.get(of.size() - 1);
    }

    // ---- change detection ----

    @Test
    void poll_describesEveryIntervalAndGetsOnlyWhenTheVersionChanges() {
        String v1 = servingV1();
        start();

        assertThat(secrets.value(REF + "#password")).isEqualTo("p1");
        assertThat(aws.count("DescribeSecret")).isEqualTo(1);
        assertThat(aws.count("GetSecretValue")).isEqualTo(1);

        scheduler.advance(POLL);
        scheduler.advance(POLL);
        assertThat(aws.count("DescribeSecret")).isEqualTo(3);
        assertThat(aws.count("GetSecretValue"))
                .as("no get while the version stays v1")
                .isEqualTo(1);

        String v2 = aws.putSecretValue(DB, creds("p2"));
        scheduler.advance(POLL);

        assertThat(aws.count("DescribeSecret"))
                .as("the probe's description serves the fetch")
                .isEqualTo(4);
        assertThat(aws.count("GetSecretValue")).isEqualTo(2);
        assertThat(secrets.value(REF + "#password")).isEqualTo("p2");
        SecretEvent rotated = lastOf(SecretEventType.ROTATED);
        assertThat(rotated.version()).contains(v2);
        assertThat(rotated.previousVersion()).contains(v1);
    }

    @Test
    void rotation_pendingCreatedThenPromoted_probesSoonerAndSwapsWithPreviousMoved() {
        String v1 = servingV1();
        start();
        List<SecretChange> seen = new CopyOnWriteArrayList<>();
        secrets.watch(REF, seen::add);

        // a rotation function's createSecret step: a new version labelled AWSPENDING
        String v2 = aws.putSecretValue(DB, null, creds("p2"), "AWSPENDING");
        scheduler.advance(POLL);
        assertThat(aws.count("DescribeSecret")).isEqualTo(2);
        assertThat(secrets.get(REF).version()).isEqualTo(v1);

        List<Secret> window = secrets.alternates(REF);
        assertThat(window).extracting(Secret::version).containsExactly(v2);
        assertThat(window.get(0).field("password")).contains("p2");

        scheduler.advance(CHECK);
        assertThat(aws.count("DescribeSecret"))
                .as("probed again after the check interval")
                .isEqualTo(4);

        // its finishSecret step: AWSCURRENT moved to v2, and the store moves AWSPREVIOUS to v1
        aws.updateSecretVersionStage(DB, "AWSCURRENT", v2, v1);
        scheduler.advance(CHECK);

        Secret now = secrets.get(REF);
        assertThat(now.version()).isEqualTo(v2);
        assertThat(now.stages()).containsExactlyInAnyOrder("AWSPENDING", "AWSCURRENT");
        assertThat(now.field("password")).contains("p2");
        assertThat(seen).extracting(c -> c.current().version()).containsExactly(v1, v2);
        assertThat(secrets.alternates(REF)).extracting(Secret::version).containsExactly(v1);

        int described = aws.count("DescribeSecret");
        scheduler.advance(CHECK);
        assertThat(aws.count("DescribeSecret"))
                .as("back to the poll interval once the rotation completed")
                .isEqualTo(described);
    }

    @Test
    void rotation_runByTheStoresFunction_isPickedUpWhileItsStepsRun() {
        String v1 = servingV1();
        aws.enableRotation(DB, RotationFunction.generating(old -> creds("p2")));
        start();
        secrets.get(REF);

        String v2 = aws.rotateSecret(DB);
        scheduler.advance(Duration.ofSeconds(1)); // createSecret: AWSPENDING on v2
        assertThat(secrets.alternates(REF)).extracting(Secret::version).containsExactly(v2);
        assertThat(secrets.get(REF).version()).isEqualTo(v1);

        scheduler.advance(POLL); // the steps finished at 4 s; the poll sees v2 current

        assertThat(secrets.get(REF).version()).isEqualTo(v2);
        assertThat(secrets.value(REF + "#password")).isEqualTo("p2");
        assertThat(secrets.alternates(REF)).extracting(Secret::version).containsExactly(v1);
    }

    @Test
    void scheduledRotation_readsJustAfterNextRotationDate() {
        Instant start = scheduler.clock().now();
        Instant rotation = start.plus(Duration.ofDays(1));
        servingV1();
        aws.enableRotation(DB, RotationFunction.generating(old -> creds("p2")), 1);
        start(
                AwsSecretsManagerSource.builder(),
                RefreshPolicy.builder().pollInterval(Duration.ofDays(2)).build());
        assertThat(secrets.get(REF).nextRotation()).contains(rotation);

        scheduler.advanceTo(rotation);
        assertThat(aws.count("DescribeSecret"))
                .as("nothing before the rotation date")
                .isEqualTo(1);

        // the store rotates at the date (its four steps take 4 s here); the engine looks just after it
        scheduler.advance(RefreshPolicy.defaults().afterRotationDelay());

        assertThat(secrets.value(REF + "#password")).isEqualTo("p2");
        assertThat(aws.count("GetSecretValue")).isEqualTo(2);
        assertThat(secrets.get(REF).nextRotation())
                .contains(rotation.plusSeconds(4).plus(Duration.ofDays(1)));
    }

    // ---- batch ----

    @Test
    void preload_batchListsASecretTheCallerMayNotRead_loadsTheOthersAndReportsItDenied() {
        // the store lists a secret under the batch's Errors when the caller lacks GetSecretValue on it, and the single
        // GetSecretValue the engine then makes is denied for the same reason
        aws.createSecret("app/a", "value-a");
        aws.createSecret("app/b", "value-b");
        aws.denyAccess("app/b", "GetSecretValue");
        start();

        assertThatThrownBy(() -> secrets.preload(List.of("aws-sm:app/a", "aws-sm:app/b")))
                .isInstanceOf(SecretAccessDeniedException.class);

        assertThat(secrets.value("aws-sm:app/a")).isEqualTo("value-a");
        assertThat(aws.count("BatchGetSecretValue")).isEqualTo(1);
        assertThat(aws.count("GetSecretValue", "app/a"))
                .as("app/a came with the batch")
                .isZero();
        assertThat(aws.count("GetSecretValue", "app/b"))
                .as("app/b tried singly")
                .isEqualTo(1);
    }

    @Test
    void preload_batchPermissionMissingAltogether_fetchesEachSingly() {
        aws.createSecret("app/a", "value-a");
        aws.createSecret("app/b", "value-b");
        aws.denyOperation("BatchGetSecretValue");
        start();

        List<Secret> loaded = secrets.preload(List.of("aws-sm:app/a", "aws-sm:app/b"));

        assertThat(loaded).hasSize(2);
        assertThat(secrets.value("aws-sm:app/b")).isEqualTo("value-b");
        assertThat(aws.count("GetSecretValue")).isEqualTo(2);
    }

    @Test
    void preload_secretDeniedSingly_reportsAccessDenied() {
        aws.createSecret("app/a", "value-a");
        aws.denyAccess("app/a");
        start();

        assertThatThrownBy(() -> secrets.preload(List.of("aws-sm:app/a")))
                .isInstanceOf(SecretAccessDeniedException.class);
    }

    // ---- failures ----

    @Test
    void throttledProbe_retriesWithBackoffThenSucceeds() {
        servingV1();
        // the retry's backoff alone: the rate the engine learns from throttling is tested in core
        start(
                AwsSecretsManagerSource.builder(),
                RefreshPolicy.builder()
                        .pollInterval(POLL)
                        .learnFromThrottling(false)
                        .build());
        secrets.get(REF);
        aws.putSecretValue(DB, creds("p2"));
        aws.throttleNext(1, "DescribeSecret");

        scheduler.advance(POLL);
        SecretEvent failed = lastOf(SecretEventType.THROTTLED); // not a REFRESH_FAILED: the store is up
        assertThat(failed.errorClass()).contains(SourceThrottledException.class.getName());
        assertThat(secrets.value(REF + "#password")).as("v1 still served").isEqualTo("p1");

        scheduler.advance(Duration.ofSeconds(1));

        assertThat(secrets.value(REF + "#password")).isEqualTo("p2");
        assertThat(aws.count("DescribeSecret")).isEqualTo(3);
        assertThat(aws.count("GetSecretValue")).isEqualTo(2);
    }

    @Test
    void secretDeletedWhileCached_keepsServingHeldVersionAndPublishesRefreshFailed() {
        String v1 = servingV1();
        start();
        secrets.get(REF);
        aws.forceDeleteSecret(DB);

        scheduler.advance(POLL);

        SecretEvent failed = lastOf(SecretEventType.REFRESH_FAILED);
        assertThat(failed.errorClass()).contains(SecretNotFoundException.class.getName());
        assertThat(failed.version()).contains(v1);
        assertThat(secrets.value(REF + "#password")).isEqualTo("p1");
        InventoryEntry entry = secrets.inventory().get(0);
        assertThat(entry.state()).isEqualTo(SecretState.DEGRADED);

        scheduler.advance(Duration.ofHours(2));
        assertThat(secrets.value(REF + "#password"))
                .as("a static secret has no hard deadline")
                .isEqualTo("p1");
    }

    @Test
    void secretMarkedForDeletionWhileCached_keepsServingHeldVersionAndPublishesNotFound() {
        servingV1();
        start();
        secrets.get(REF);
        aws.deleteSecret(DB);

        scheduler.advance(POLL);

        SecretEvent failed = lastOf(SecretEventType.REFRESH_FAILED);
        assertThat(failed.errorClass()).contains(SecretNotFoundException.class.getName());
        assertThat(secrets.value(REF + "#password")).isEqualTo("p1");
        assertThat(aws.count("GetSecretValue")).isEqualTo(1);
    }

    @Test
    void malformedJsonInNewVersion_isRejectedAndCachedVersionSurvives() {
        String v1 = servingV1();
        start();
        secrets.get(REF);
        aws.putSecretValue(DB, "{\"username\":\"app\",\"password\":");

        scheduler.advance(POLL);

        SecretEvent failed = lastOf(SecretEventType.REFRESH_FAILED);
        assertThat(failed.errorClass()).contains(SecretFormatException.class.getName());
        assertThat(secrets.get(REF).version()).isEqualTo(v1);
        assertThat(secrets.value(REF + "#password")).isEqualTo("p1");
    }

    // ---- compromise ----

    @Test
    void compromised_withRotationEnabled_callsRotateSecretAndPicksUpTheNewVersion() {
        String v1 = servingV1();
        aws.enableRotation(DB, RotationFunction.generating(old -> creds("p2")));
        start(
                AwsSecretsManagerSource.builder().rotateOnCompromise(true),
                RefreshPolicy.builder().pollInterval(POLL).build());
        secrets.get(REF);

        Secret after = secrets.compromised(REF);

        assertThat(aws.count("RotateSecret")).isEqualTo(1);
        assertThat(after.version()).isEqualTo(v1);

        // the store runs the function's four steps one second apart; the engine looks again after the check interval
        scheduler.advance(CHECK.plus(RefreshPolicy.defaults().afterRotationDelay()));

        assertThat(secrets.value(REF + "#password")).isEqualTo("p2");
        assertThat(aws.completedRotations(DB)).isEqualTo(1);
    }

    @Test
    void compromised_withoutRotationEnabled_onlyReadsAgain() {
        servingV1();
        start();
        secrets.get(REF);

        secrets.compromised(REF);

        assertThat(aws.count("RotateSecret")).isZero();
        assertThat(aws.count("GetSecretValue")).isEqualTo(2);
    }

    @Test
    void compromised_rotationRunsLater_versionStaysCompromisedUntilReplaced_thenIsWipedAtOnceNeverHeld() {
        String v1 = servingV1();
        aws.enableRotation(DB, RotationFunction.generating(old -> creds("p2")));
        start(
                AwsSecretsManagerSource.builder().rotateOnCompromise(true),
                RefreshPolicy.builder().pollInterval(POLL).build());
        Secret first = secrets.get(REF);
        List<Boolean> previousWipedWhenDelivered = new CopyOnWriteArrayList<>();
        secrets.watch(REF, change -> {
            if (change.previous().isPresent()) {
                change.holdPrevious(Duration.ofMinutes(10)); // a listener that would keep the old version
                previousWipedWhenDelivered.add(change.previous().get().isWiped());
            }
        });

        assertThat(secrets.compromised(REF).version()).isEqualTo(v1);
        InventoryEntry held = secrets.inventory().get(0);
        assertThat(held.state()).isEqualTo(SecretState.DEGRADED);
        assertThat(held.lastError()).get().asString().contains("reported compromised");

        // the store's function runs its steps over the next seconds; the engine keeps looking, then swaps
        scheduler.advance(Duration.ofSeconds(30));

        assertThat(secrets.value(REF + "#password")).isEqualTo("p2");
        assertThat(first.isWiped()).as("wiped at the swap, not after wipeDelay").isTrue();
        assertThat(previousWipedWhenDelivered).containsExactly(false);
        assertThat(secrets.inventory().get(0).state()).isEqualTo(SecretState.ACTIVE);
    }

    @Test
    void compromised_storeRefusesToRotate_eventSaysWhatToDo_secretIsReRead_andLookedAtAgainSoon() {
        servingV1(); // no rotation function configured
        start(
                AwsSecretsManagerSource.builder().rotateOnCompromise(true),
                RefreshPolicy.builder().pollInterval(POLL).build());
        secrets.get(REF);
        int gets = aws.count("GetSecretValue");

        Secret served = secrets.compromised(REF);

        assertThat(served.field("password")).contains("p1");
        assertThat(aws.count("GetSecretValue")).isGreaterThanOrEqualTo(gets);
        SecretEvent refusal = events.ofType(SecretEventType.COMPROMISED).stream()
                .filter(e -> e.outcome() == SecretEvent.Outcome.FAILURE)
                .findFirst()
                .orElseThrow();
        assertThat(refusal.errorMessage()).get().asString().contains("configure a rotation function");
        assertThat(refusal.detail()).get().asString().contains("rotate the secret in the store");

        // rotated by hand in the store: seen within seconds, not at the next 5-minute poll
        aws.putSecretValue(DB, creds("p2"));
        scheduler.advance(Duration.ofSeconds(6));
        assertThat(secrets.value(REF + "#password")).isEqualTo("p2");
    }
}
