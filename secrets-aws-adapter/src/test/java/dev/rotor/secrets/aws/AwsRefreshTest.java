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
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The adapter under the engine, on a manual clock: every poll, probe, fetch and retry runs inside {@code advance}, and
 * the WireMock stand-in counts the calls. The poll interval is 5 minutes and jitter is fixed at zero, so polls fall
 * exactly on the 5-minute marks.
 */
class AwsRefreshTest {
    private static final String DB = "prod/db";
    private static final String REF = "aws-sm:prod/db";
    private static final Duration POLL = Duration.ofMinutes(5);
    private static final Duration CHECK = Duration.ofSeconds(15);

    private final SecretsManagerStubs aws = new SecretsManagerStubs();
    private final SecretsManagerClient client = aws.client();
    private final ManualScheduler scheduler = new ManualScheduler();
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

    private void serving(String version, String password, Map<String, List<String>> stages, Instant next) {
        aws.describe(DB, stages, next);
        aws.current(DB, version, creds(password));
    }

    private void servingV1() {
        serving("v1", "p1", Map.of("v1", List.of("AWSCURRENT")), null);
    }

    private SecretEvent lastOf(SecretEventType type) {
        List<SecretEvent> of = events.ofType(type);
        assertThat(of).as("events of type " + type).isNotEmpty();
        return of.get(of.size() - 1);
    }

    // ---- change detection ----

    @Test
    void poll_describesEveryIntervalAndGetsOnlyWhenTheVersionChanges() {
        servingV1();
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

        serving("v2", "p2", Map.of("v2", List.of("AWSCURRENT"), "v1", List.of("AWSPREVIOUS")), null);
        scheduler.advance(POLL);

        assertThat(aws.count("DescribeSecret"))
                .as("the probe's description serves the fetch")
                .isEqualTo(4);
        assertThat(aws.count("GetSecretValue")).isEqualTo(2);
        assertThat(secrets.value(REF + "#password")).isEqualTo("p2");
        SecretEvent rotated = lastOf(SecretEventType.ROTATED);
        assertThat(rotated.version()).contains("v2");
        assertThat(rotated.previousVersion()).contains("v1");
    }

    @Test
    void rotation_pendingCreatedThenPromoted_probesSoonerAndSwapsWithPreviousMoved() {
        servingV1();
        start();
        List<SecretChange> seen = new CopyOnWriteArrayList<>();
        secrets.watch(REF, seen::add);

        // the rotation function created AWSPENDING: a rotation is under way
        aws.describe(DB, Map.of("v1", List.of("AWSCURRENT"), "v2", List.of("AWSPENDING")), null);
        aws.version(DB, "v2", List.of("AWSPENDING"), creds("p2"));
        scheduler.advance(POLL);
        assertThat(aws.count("DescribeSecret")).isEqualTo(2);
        assertThat(secrets.get(REF).version()).isEqualTo("v1");

        List<Secret> window = secrets.alternates(REF);
        assertThat(window).extracting(Secret::version).containsExactly("v2");
        assertThat(window.get(0).field("password")).contains("p2");

        scheduler.advance(CHECK);
        assertThat(aws.count("DescribeSecret"))
                .as("probed again after the check interval")
                .isEqualTo(4);

        // finishSecret: AWSPENDING promoted to AWSCURRENT, AWSPREVIOUS moved to v1
        serving("v2", "p2", Map.of("v2", List.of("AWSCURRENT"), "v1", List.of("AWSPREVIOUS")), null);
        aws.version(DB, "v1", List.of("AWSPREVIOUS"), creds("p1"));
        scheduler.advance(CHECK);

        Secret now = secrets.get(REF);
        assertThat(now.version()).isEqualTo("v2");
        assertThat(now.stages()).containsExactly("AWSCURRENT");
        assertThat(now.field("password")).contains("p2");
        assertThat(seen).extracting(c -> c.current().version()).containsExactly("v1", "v2");
        assertThat(secrets.alternates(REF)).extracting(Secret::version).containsExactly("v1");

        int described = aws.count("DescribeSecret");
        scheduler.advance(CHECK);
        assertThat(aws.count("DescribeSecret"))
                .as("back to the poll interval once the rotation completed")
                .isEqualTo(described);
    }

    @Test
    void scheduledRotation_readsJustAfterNextRotationDate() {
        Instant start = scheduler.clock().now();
        Instant rotation = start.plus(Duration.ofMinutes(10));
        serving("v1", "p1", Map.of("v1", List.of("AWSCURRENT")), rotation);
        start(
                AwsSecretsManagerSource.builder(),
                RefreshPolicy.builder().pollInterval(Duration.ofHours(6)).build());
        assertThat(secrets.get(REF).nextRotation()).contains(rotation);

        scheduler.advance(Duration.ofMinutes(10));
        assertThat(aws.count("DescribeSecret"))
                .as("nothing before the rotation date")
                .isEqualTo(1);

        serving(
                "v2",
                "p2",
                Map.of("v2", List.of("AWSCURRENT"), "v1", List.of("AWSPREVIOUS")),
                rotation.plus(Duration.ofDays(30)));
        scheduler.advance(RefreshPolicy.defaults().afterRotationDelay());

        assertThat(secrets.value(REF + "#password")).isEqualTo("p2");
        assertThat(aws.count("GetSecretValue")).isEqualTo(2);
    }

    // ---- batch ----

    @Test
    void preload_batchWithPermissionErrorForOne_fetchesThatOneSingly() {
        aws.batch(
                "app/a",
                List.of(SecretsManagerStubs.entry("app/a", "va", "value-a")),
                List.of(SecretsManagerStubs.batchError(
                        "app/b", "AccessDeniedException", "User is not authorized to perform GetSecretValue")));
        aws.describe("app/b", Map.of("vb", List.of("AWSCURRENT")), null);
        aws.current("app/b", "vb", "value-b");
        start();

        List<Secret> loaded = secrets.preload(List.of("aws-sm:app/a", "aws-sm:app/b"));

        assertThat(loaded).extracting(Secret::version).containsExactly("va", "vb");
        assertThat(secrets.value("aws-sm:app/a")).isEqualTo("value-a");
        assertThat(secrets.value("aws-sm:app/b")).isEqualTo("value-b");
        assertThat(aws.count("BatchGetSecretValue")).isEqualTo(1);
        assertThat(aws.count("GetSecretValue")).as("only app/b singly").isEqualTo(1);
    }

    @Test
    void preload_batchPermissionMissingAltogether_fetchesEachSingly() {
        aws.batchFails("AccessDeniedException", "not authorized to perform BatchGetSecretValue");
        aws.describe("app/a", Map.of("va", List.of("AWSCURRENT")), null);
        aws.current("app/a", "va", "value-a");
        aws.describe("app/b", Map.of("vb", List.of("AWSCURRENT")), null);
        aws.current("app/b", "vb", "value-b");
        start();

        secrets.preload(List.of("aws-sm:app/a", "aws-sm:app/b"));

        assertThat(secrets.value("aws-sm:app/b")).isEqualTo("value-b");
        assertThat(aws.count("GetSecretValue")).isEqualTo(2);
    }

    @Test
    void preload_secretDeniedSingly_reportsAccessDenied() {
        aws.batch(
                "app/a",
                List.of(),
                List.of(SecretsManagerStubs.batchError("app/a", "AccessDeniedException", "not authorized")));
        aws.fails("DescribeSecret", "app/a", "AccessDeniedException", "not authorized");
        start();

        assertThatThrownBy(() -> secrets.preload(List.of("aws-sm:app/a")))
                .isInstanceOf(SecretAccessDeniedException.class);
    }

    // ---- failures ----

    @Test
    void throttledProbe_retriesWithBackoffThenSucceeds() {
        servingV1();
        start();
        secrets.get(REF);
        aws.failsOnceThen(
                "DescribeSecret",
                DB,
                "ThrottlingException",
                () -> serving("v2", "p2", Map.of("v2", List.of("AWSCURRENT"), "v1", List.of("AWSPREVIOUS")), null));

        scheduler.advance(POLL);
        SecretEvent failed = lastOf(SecretEventType.REFRESH_FAILED);
        assertThat(failed.errorClass()).contains(SourceUnavailableException.class.getName());
        assertThat(secrets.value(REF + "#password")).as("v1 still served").isEqualTo("p1");

        scheduler.advance(Duration.ofSeconds(1));

        assertThat(secrets.value(REF + "#password")).isEqualTo("p2");
        assertThat(aws.count("DescribeSecret")).isEqualTo(3);
        assertThat(aws.count("GetSecretValue")).isEqualTo(2);
    }

    @Test
    void secretDeletedWhileCached_keepsServingHeldVersionAndPublishesRefreshFailed() {
        servingV1();
        start();
        secrets.get(REF);
        aws.fails(
                "DescribeSecret", DB, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");

        scheduler.advance(POLL);

        SecretEvent failed = lastOf(SecretEventType.REFRESH_FAILED);
        assertThat(failed.errorClass()).contains(SecretNotFoundException.class.getName());
        assertThat(failed.version()).contains("v1");
        assertThat(secrets.value(REF + "#password")).isEqualTo("p1");
        InventoryEntry entry = secrets.inventory().get(0);
        assertThat(entry.state()).isEqualTo(SecretState.DEGRADED);

        scheduler.advance(Duration.ofHours(2));
        assertThat(secrets.value(REF + "#password"))
                .as("a static secret has no hard deadline")
                .isEqualTo("p1");
    }

    @Test
    void malformedJsonInNewVersion_isRejectedAndCachedVersionSurvives() {
        servingV1();
        start();
        secrets.get(REF);
        aws.describe(DB, Map.of("v2", List.of("AWSCURRENT"), "v1", List.of("AWSPREVIOUS")), null);
        aws.current(DB, "v2", "{\"username\":\"app\",\"password\":");

        scheduler.advance(POLL);

        SecretEvent failed = lastOf(SecretEventType.REFRESH_FAILED);
        assertThat(failed.errorClass()).contains(SecretFormatException.class.getName());
        assertThat(secrets.get(REF).version()).isEqualTo("v1");
        assertThat(secrets.value(REF + "#password")).isEqualTo("p1");
    }

    // ---- compromise ----

    @Test
    void compromised_withRotationEnabled_callsRotateSecretAndPicksUpTheNewVersion() {
        servingV1();
        start(
                AwsSecretsManagerSource.builder().rotateOnCompromise(true),
                RefreshPolicy.builder().pollInterval(POLL).build());
        secrets.get(REF);
        aws.rotate(DB, "v2");
        aws.describe(DB, Map.of("v1", List.of("AWSCURRENT"), "v2", List.of("AWSPENDING")), null);

        Secret after = secrets.compromised(REF);

        assertThat(aws.count("RotateSecret")).isEqualTo(1);
        assertThat(after.version()).isEqualTo("v1");

        serving("v2", "p2", Map.of("v2", List.of("AWSCURRENT"), "v1", List.of("AWSPREVIOUS")), null);
        scheduler.advance(CHECK.plus(RefreshPolicy.defaults().afterRotationDelay()));

        assertThat(secrets.value(REF + "#password")).isEqualTo("p2");
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
}
