package dev.rotor.secrets.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import dev.rotor.secrets.test.aws.RotationFunction;
import dev.rotor.secrets.test.aws.SecretsManagerFake;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * No planted value escapes the adapter. Distinctive values are planted in every place the store answers with
 * something secret: SecretString fields, raw strings, SecretBinary, pending and previous versions, batch values (on the
 * test kit's Secrets Manager fake), and every error message the store sends (on WireMock, which can plant a text in an
 * error body or a malformed answer); every fault path is driven (not found, access denied, decryption failure,
 * throttling, internal error, invalid request, deletion, a refused rotation, malformed and oversized values, batch
 * errors, an unreachable store); everything that comes out is captured: every log line of every logger down to TRACE
 * (the SDK's included), standard output and error, every event and its audit JSON, every exception's message, {@code
 * toString} and stack trace, every {@code toString} of a value type, and the inventory. None of the planted values may
 * appear.
 */
class AwsLeakTest {
    private static final String MARKER = "PLANTED";
    private static final String DB = "prod/db";
    private static final String REF = "aws-sm:prod/db";

    private LeakCheck leaks;
    private SecretsManagerStubs aws;
    private SecretsManagerClient client;
    private SecretsManagerFake fake;
    private SecretsManagerClient fakeClient;
    private final ManualScheduler scheduler = new ManualScheduler();
    private final RecordingListener events = new RecordingListener();
    private Secrets secrets;

    @BeforeEach
    void captureEverything() {
        // the stand-in server's own logs are test scaffolding, not the adapter's output
        leaks = LeakCheck.builder()
                .plant(MARKER)
                .ignoreLoggers("org.eclipse.jetty", "wiremock", "com.github.tomakehurst")
                .start();
        aws = new SecretsManagerStubs();
        client = aws.client();
        fake = SecretsManagerFake.builder().scheduler(scheduler).start();
        fakeClient = FakeClients.client(fake);
    }

    @AfterEach
    void closeAndScan() {
        try {
            if (secrets != null) {
                keepState();
                secrets.close();
            }
            client.close();
            aws.close();
            fakeClient.close();
            fake.close();
            assertThat(leaks.logLines()).as("the capture works").isNotEmpty();
            assertThat(leaks.logLines())
                    .as("the SDK's own loggers are captured down to TRACE")
                    .anySatisfy(line -> assertThat(line).matches("(TRACE|DEBUG) software\\.amazon\\.awssdk\\..*"));
        } finally {
            leaks.close();
        }
    }

    // ---- the paths ----

    @Test
    void valuesStagesAlternatesAndBatch_neverPrint() {
        fake.createSecret(DB, json("PLANTED-pass-previous"));
        fake.putSecretValue(DB, json("PLANTED-pass-current"));
        fake.putSecretValue(DB, null, json("PLANTED-pass-pending"), "AWSPENDING");
        fake.createSecret("api/key", "PLANTED-raw-api-key");
        fake.createSecret("tls/key", "PLANTED-binary-key".getBytes(StandardCharsets.UTF_8));
        fake.createSecret("app/a", json("PLANTED-batch-a"));
        fake.createSecret("app/b", json("PLANTED-batch-b"));
        fake.denyAccess("app/b", "BatchGetSecretValue");
        start(fakeClient, false);

        kept(secrets.get(REF));
        kept(secrets.get("aws-sm:api/key"));
        kept(secrets.get("aws-sm:tls/key"));
        secrets.alternates(REF).forEach(this::kept);
        secrets.preload(List.of("aws-sm:app/a", "aws-sm:app/b")).forEach(this::kept);
        secrets.watch(REF, change -> keep(change));
        scheduler.advance(Duration.ofMinutes(5));

        assertThat(secrets.alternates(REF)).hasSize(2);
        assertThat(secrets.get(REF).field("password")).contains("PLANTED-pass-current");
        assertThat(secrets.value("aws-sm:app/b#password")).isEqualTo("PLANTED-batch-b");
        assertThat(fake.count("BatchGetSecretValue")).isEqualTo(1);
    }

    @Test
    void rotationDeletionAndRefusals_onTheStore_neverPrint() {
        fake.createSecret(DB, json("PLANTED-pass-1"));
        fake.enableRotation(DB, RotationFunction.generating(old -> json("PLANTED-pass-2")));
        fake.createSecret("app/other", json("PLANTED-other"));
        start(fakeClient, true);
        kept(secrets.get(REF));
        kept(secrets.get("aws-sm:app/other"));

        // a rotation: refused while the first one has not run its steps, then picked up
        kept(secrets.compromised(REF));
        // a refused rotation is an event that says what to do; the call answers the version still served
        kept(secrets.compromised(REF));
        scheduler.advance(Duration.ofSeconds(1));
        secrets.alternates(REF).forEach(this::kept);
        scheduler.advance(Duration.ofSeconds(3));
        kept(secrets.refresh(REF));
        assertThat(secrets.get(REF).field("password")).contains("PLANTED-pass-2");
        // no rotation function; throttled; denied; marked for deletion; gone
        kept(secrets.compromised("aws-sm:app/other"));
        assertThat(events.ofType(SecretEventType.COMPROMISED))
                .filteredOn(e -> e.outcome() == SecretEvent.Outcome.FAILURE)
                .extracting(e -> e.errorClass().orElse(""))
                .containsOnly(SecretConfigurationException.class.getName())
                .hasSize(2);
        fake.throttle("DescribeSecret");
        scheduler.advance(Duration.ofMinutes(5));
        fake.clearFaults().denyAccess(DB);
        scheduler.advance(Duration.ofMinutes(5));
        fake.clearFaults().deleteSecret(DB);
        scheduler.advance(Duration.ofMinutes(5));
        fake.forceDeleteSecret(DB);
        scheduler.advance(Duration.ofMinutes(5));

        List<String> failures = new ArrayList<>();
        // a throttled refresh is a REFRESH_FAILED event until the engine publishes THROTTLED for it
        for (SecretEvent e : events.events()) {
            if (e.type() != SecretEventType.REFRESH_FAILED && e.type() != SecretEventType.THROTTLED) {
                continue;
            }
            failures.add(e.errorClass().orElse(""));
        }
        assertThat(failures)
                .contains(
                        SourceThrottledException.class.getName(),
                        SecretAccessDeniedException.class.getName(),
                        SecretNotFoundException.class.getName());
        // marked for deletion, then gone: both not found
        assertThat(failures)
                .filteredOn(SecretNotFoundException.class.getName()::equals)
                .hasSizeGreaterThanOrEqualTo(2);
        assertThat(secrets.get(REF).field("password")).contains("PLANTED-pass-2");
    }

    @Test
    void everyErrorTheStoreSends_neverQuotesItsMessage() {
        start(false);
        String[][] cases = {
            {"ResourceNotFoundException", SecretNotFoundException.class.getName()},
            {"AccessDeniedException", SecretAccessDeniedException.class.getName()},
            {"DecryptionFailure", SecretAccessDeniedException.class.getName()},
            {"ThrottlingException", SourceThrottledException.class.getName()},
            {"InternalServiceError", SourceUnavailableException.class.getName()},
            {"InvalidRequestException", SecretConfigurationException.class.getName()},
            {"InvalidParameterException", SecretConfigurationException.class.getName()},
            {"SomethingNewException", SourceUnavailableException.class.getName()},
        };
        for (String[] c : cases) {
            String id = "err/" + c[0];
            aws.describe(id, Map.of("v1", List.of("AWSCURRENT")), null);
            aws.fails("GetSecretValue", id, c[0], "PLANTED-error-message " + json("PLANTED-echoed-value"));
            Throwable t = failure(() -> secrets.get("aws-sm:" + id));
            assertThat(t.getClass().getName()).as(c[0]).isEqualTo(c[1]);
        }
    }

    @Test
    void refreshFaults_keepTheHeldVersionAndNeverPrint() {
        aws.describe(DB, Map.of("v1", List.of("AWSCURRENT")), null);
        aws.current(DB, "v1", json("PLANTED-pass-1"));
        start(true);
        kept(secrets.get(REF));

        // malformed JSON that carries a value
        aws.describe(DB, Map.of("v2", List.of("AWSCURRENT")), null);
        aws.current(DB, "v2", "{\"password\":\"PLANTED-half-written");
        scheduler.advance(Duration.ofMinutes(5));
        // oversized
        aws.current(DB, "v2", "PLANTED-oversized-" + "x".repeat(70_000));
        scheduler.advance(Duration.ofMinutes(5));
        // throttled, then the secret deleted, then scheduled for deletion
        aws.fails("DescribeSecret", DB, "ThrottlingException", "PLANTED-throttle-message");
        scheduler.advance(Duration.ofMinutes(5));
        aws.fails("DescribeSecret", DB, "ResourceNotFoundException", "PLANTED-not-found-message");
        scheduler.advance(Duration.ofMinutes(5));
        aws.describeDeleted(DB, Map.of("v1", List.of("AWSCURRENT")));
        scheduler.advance(Duration.ofMinutes(5));
        // rotate fails, then works
        aws.fails("RotateSecret", DB, "InvalidRequestException", "PLANTED-rotation-in-progress");
        failure(() -> secrets.compromised(REF));

        List<String> failures = new ArrayList<>();
        // a throttled refresh is a REFRESH_FAILED event until the engine publishes THROTTLED for it
        for (SecretEvent e : events.events()) {
            if (e.type() != SecretEventType.REFRESH_FAILED && e.type() != SecretEventType.THROTTLED) {
                continue;
            }
            failures.add(e.errorClass().orElse(""));
        }
        assertThat(failures)
                .contains(
                        SecretFormatException.class.getName(),
                        SourceThrottledException.class.getName(),
                        SecretNotFoundException.class.getName());
        // gone, then scheduled for deletion: both not found
        assertThat(failures)
                .filteredOn(SecretNotFoundException.class.getName()::equals)
                .hasSizeGreaterThanOrEqualTo(2);
        assertThat(secrets.get(REF).field("password")).contains("PLANTED-pass-1");
    }

    @Test
    void sourceLevelFaults_neverPrint() {
        AwsSecretsManagerSource s =
                AwsSecretsManagerSource.builder().client(client).build();
        keep(s);
        aws.describe(DB, Map.of("v1", List.of("AWSCURRENT")), null);
        aws.current(DB, "v1", "{\"a\": null, \"PLANTED-key-is-not-secret-but-checked\": 1");
        failure(() -> s.fetch(FetchRequest.of(SecretRef.parse(REF), FetchReason.INITIAL)));
        aws.current(DB, "v1", "{\"a\": null}");
        failure(() -> s.fetch(FetchRequest.of(SecretRef.parse(REF), FetchReason.INITIAL)));
        aws.batchFails("InternalServiceError", "PLANTED-batch-internal");
        failure(() -> s.fetchAll(List.of(SecretRef.parse("aws-sm:app/x"))));
        aws.server.stop();
        failure(() -> s.fetch(FetchRequest.of(SecretRef.parse(REF), FetchReason.INITIAL)));
        failure(() -> s.probe(SecretRef.parse(REF)));
        failure(() -> s.alternates(SecretRef.parse(REF)));
    }

    // ---- helpers ----

    private void start(boolean rotate) {
        start(client, rotate);
    }

    private void start(SecretsManagerClient client, boolean rotate) {
        secrets = Secrets.builder()
                .source(AwsSecretsManagerSource.builder()
                        .client(client)
                        .rotateOnCompromise(rotate)
                        .build())
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .eventListener(events)
                .eventListener(leaks)
                .refreshPolicy(RefreshPolicy.builder()
                        .pollInterval(Duration.ofMinutes(5))
                        .build())
                .build();
    }

    private static String json(String password) {
        return "{\"username\":\"app\",\"password\":\"" + password + "\"}";
    }

    private void keep(Object o) {
        leaks.check(o);
    }

    private Secret kept(Secret s) {
        keep(s);
        keep(s.lease());
        keep(s.version());
        keep(s.ref());
        keep(s.fieldNames().contains("password") ? "fields ok" : s.fieldNames());
        keep(s.attributes());
        keep(s.stages());
        keep(s.nextRotation());
        return s;
    }

    private Throwable failure(Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            keep(t);
            return t;
        }
        throw new AssertionError("expected the call to fail");
    }

    /** Captures the inventory and health; the events reach the leak check as they are published. */
    private void keepState() {
        keep(secrets.inventory());
        keep(secrets.health());
    }
}
