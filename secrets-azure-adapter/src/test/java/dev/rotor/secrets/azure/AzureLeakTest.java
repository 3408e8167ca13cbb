package dev.rotor.secrets.azure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import dev.rotor.secrets.test.RecordingListener;
import dev.rotor.secrets.test.azure.KeyVaultFake;
import dev.rotor.secrets.test.azure.KeyVaultFake.VersionSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * No planted value escapes the adapter. Distinctive values are planted in every place Key Vault answers with something
 * secret (JSON fields, raw values, expiring versions), in the bearer token the credential hands out, and in every error
 * body and malformed answer (the fake answers those bytes as written); every fault path is driven (denied, disabled,
 * deleted, throttled, server errors, malformed, oversized, a closed port); everything that comes out is captured:
 * every log line of every logger down to TRACE (the Azure SDK's and its HTTP client's included), standard output and error,
 * every event and its audit JSON, every exception's message, {@code toString} and stack trace, every {@code toString}
 * of a value type, and the inventory. None of the planted values may appear.
 */
class AzureLeakTest {
    private static final String MARKER = "PLANTED";
    private static final String REF = "azure-kv:rotor-test/db";

    private LeakCheck leaks;
    private final ManualScheduler scheduler = new ManualScheduler();
    private final RecordingListener events = new RecordingListener();
    private KeyVaultFake fake;
    private String token;
    private Secrets secrets;

    @BeforeEach
    void captureEverything() {
        fake = KeyVaultFake.builder().timeSource(scheduler.clock()).start();
        token = fake.issueToken();
        leaks = LeakCheck.builder().plant(MARKER, token).start();
    }

    @AfterEach
    void closeAndScan() {
        try {
            if (secrets != null) {
                keep(secrets.inventory());
                keep(secrets.health());
                secrets.close();
            }
            fake.close();
            assertThat(leaks.logLines()).as("the capture works").isNotEmpty();
            assertThat(leaks.logLines())
                    .as("the Azure SDK's own loggers are captured")
                    .anySatisfy(line -> assertThat(line).contains("com.azure"));
        } finally {
            leaks.close();
        }
    }

    @Test
    void valuesFieldsAndExpiringVersions_neverPrint() {
        fake.setSecret("db", json("PLANTED-pass-1"));
        fake.setSecret("api", "PLANTED-raw-api-key");
        fake.setSecret(
                "tls",
                json("PLANTED-expiring"),
                VersionSpec.defaults().expiresOn(scheduler.clock().now().plus(Duration.ofMinutes(30))));
        start();

        kept(secrets.get(REF));
        kept(secrets.get("azure-kv:rotor-test/api"));
        kept(secrets.get("azure-kv:rotor-test/tls"));
        secrets.watch(REF, change -> keep(change));
        fake.setSecret("db", json("PLANTED-pass-2"));
        scheduler.advance(Duration.ofMinutes(31));

        assertThat(secrets.get(REF).field("password")).contains("PLANTED-pass-2");
        assertThat(events.types()).contains(SecretEventType.ROTATED, SecretEventType.EXPIRED);
    }

    @Test
    void refreshFaults_keepTheHeldVersionAndNeverPrint() {
        fake.setSecret("db", json("PLANTED-pass-1"));
        start();
        kept(secrets.get(REF));

        fake.denyAccess("db");
        scheduler.advance(Duration.ofMinutes(5));
        fake.allowAccess("db");
        fake.disable("db");
        scheduler.advance(Duration.ofMinutes(5));
        fake.setSecret("db", json("PLANTED-pass-2"));
        fake.throttle(Duration.ofSeconds(10));
        scheduler.advance(Duration.ofMinutes(5));
        fake.failInternally();
        scheduler.advance(Duration.ofMinutes(5));
        fake.clearFaults();
        fake.answerRaw("{\"value\":\"PLANTED-half-written".getBytes(StandardCharsets.UTF_8));
        scheduler.advance(Duration.ofMinutes(5));
        fake.answerRaw(
                ("{\"value\":\"PLANTED-oversized-" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8));
        scheduler.advance(Duration.ofMinutes(5));
        fake.clearFaults();
        fake.deleteSecret("db");
        scheduler.advance(Duration.ofMinutes(5));

        List<String> failures = new ArrayList<>();
        for (SecretEvent e : events.events()) {
            if (e.type() == SecretEventType.REFRESH_FAILED || e.type() == SecretEventType.THROTTLED) {
                failures.add(e.errorClass().orElse(""));
            }
        }
        assertThat(failures)
                .contains(
                        dev.rotor.secrets.SecretAccessDeniedException.class.getName(),
                        dev.rotor.secrets.SecretNotFoundException.class.getName(),
                        dev.rotor.secrets.SourceThrottledException.class.getName(),
                        dev.rotor.secrets.SourceUnavailableException.class.getName(),
                        dev.rotor.secrets.SecretFormatException.class.getName());
        assertThat(secrets.get(REF).field("password")).contains("PLANTED-pass-1");
    }

    @Test
    void everyErrorBodyTheVaultSends_neverQuotesItsMessage() {
        fake.setSecret("db", json("PLANTED-pass-1"));
        SecretSource source = ManualSourceContext.start(sourceBuilt(), scheduler);
        keep(source.fetch(request()));
        int[] statuses = {400, 401, 403, 404, 409, 429, 500, 503};
        for (int status : statuses) {
            fake.answerRaw(
                    status,
                    ("{\"error\":{\"code\":\"PLANTED-code-" + status + "\",\"message\":\"PLANTED-message "
                                    + json("PLANTED-echoed") + "\",\"innererror\":{\"code\":\"PLANTED-inner\"}}}")
                            .getBytes(StandardCharsets.UTF_8));
            failure(() -> source.fetch(request()));
        }
        fake.close();
        failure(() -> source.fetch(request()));
        source.close();
    }

    // ---- support ----

    private AzureKeyVaultSource sourceBuilt() {
        return AzureKeyVaultSource.builder()
                .vaultUrl(FakeVaults.VAULT, fake.vaultUrl())
                .credential(FakeVaults.credential(token))
                .trustStore(fake.trustStore())
                .disableChallengeResourceVerification(true)
                .build();
    }

    private static FetchRequest request() {
        return FetchRequest.of(SecretRef.parse(REF), FetchReason.INITIAL);
    }

    private void start() {
        AzureKeyVaultSource source = sourceBuilt();
        keep(source);
        secrets = Secrets.builder()
                .source(source)
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
        keep(s.attributes());
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
}
