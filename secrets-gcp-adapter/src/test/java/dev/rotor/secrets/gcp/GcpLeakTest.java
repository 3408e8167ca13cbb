package dev.rotor.secrets.gcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import dev.rotor.secrets.test.RecordingListener;
import dev.rotor.secrets.test.gcp.SecretManagerFake;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * No planted value escapes the adapter. Values are planted in every place the store answers with something secret
 * (JSON fields, raw strings, bytes, older and newer versions, a corrupted payload, an oversized one) and in every
 * description a status can carry (a hostile or broken server, or a proxy in front of it, may put anything there); every
 * fault path is driven; everything that comes out is captured: every SLF4J log line, the client library's and gRPC's
 * own java.util.logging records down to FINEST, standard output and error, every event, every exception's message,
 * {@code toString} and stack trace, every {@code toString} of a value type, and the inventory.
 */
class GcpLeakTest {
    private static final String MARKER = "PLANTED";
    private static final String P = "my-project";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final RecordingListener events = new RecordingListener();
    private final SecretManagerFake fake = SecretManagerFake.start(scheduler.clock());
    private final List<String> julRecords = new ArrayList<>();
    private final Handler jul = new Handler() {
        @Override
        public synchronized void publish(LogRecord r) {
            julRecords.add(r.getLoggerName() + " " + r.getMessage() + " " + java.util.Arrays.toString(r.getParameters())
                    + (r.getThrown() == null ? "" : " " + r.getThrown()));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private final List<Logger> julLoggers = new ArrayList<>();
    private LeakCheck leaks;
    private GoogleSecretManagerSource source;
    private Secrets secrets;

    @BeforeEach
    void captureEverything() {
        leaks = LeakCheck.builder().plant(MARKER).start();
        for (String name : List.of("io.grpc", "com.google")) {
            Logger l = Logger.getLogger(name);
            l.setLevel(Level.ALL);
            l.addHandler(jul);
            julLoggers.add(l);
        }
        source = GoogleSecretManagerSource.builder().settings(fake.settings()).build();
    }

    @AfterEach
    void closeAndScan() {
        try {
            if (secrets != null) {
                leaks.check(secrets.inventory(), secrets.health());
                secrets.close();
            }
            source.close();
            fake.close();
            synchronized (jul) {
                leaks.check(String.join("\n", julRecords));
            }
            leaks.check(events.events().toString());
            assertThat(leaks.logLines()).as("the capture works").isNotEmpty();
            assertThat(julRecords)
                    .as("the client library's own logging is captured")
                    .isNotEmpty();
        } finally {
            for (Logger l : julLoggers) {
                l.removeHandler(jul);
                l.setLevel(null);
            }
            leaks.close();
        }
    }

    @Test
    void values_neverPrint() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "{\"username\":\"app\",\"password\":\"PLANTED-pass-1\"}");
        fake.createSecret(P, "api");
        fake.addVersion(P, "api", "PLANTED-raw-api-key");
        fake.createSecret(P, "bin");
        fake.addVersion(P, null, "bin", "PLANTED-binary".getBytes(StandardCharsets.UTF_8));
        start();

        kept(secrets.get("gcp-sm:" + P + "/db"));
        kept(secrets.get("gcp-sm:" + P + "/api"));
        kept(secrets.get("gcp-sm:" + P + "/bin/1"));
        secrets.watch("gcp-sm:" + P + "/db", change -> leaks.check(change));
        fake.addVersion(P, "db", "{\"username\":\"app\",\"password\":\"PLANTED-pass-2\"}");
        scheduler.advance(Duration.ofMinutes(6));

        assertThat(secrets.value("gcp-sm:" + P + "/db#password")).isEqualTo("PLANTED-pass-2");
    }

    @Test
    void faults_neverPrint() {
        fake.createSecret(P, "db");
        fake.addVersion(P, "db", "{\"password\":\"PLANTED-pass-1\"}");
        start();
        kept(secrets.get("gcp-sm:" + P + "/db"));

        // the store's own answers: a disabled latest, a corrupted payload, an oversized one, a deleted secret
        fake.addVersion(P, "db", "{\"password\":\"PLANTED-pass-2\"}");
        fake.disable(P, "db", 2);
        scheduler.advance(Duration.ofMinutes(6));
        fake.enable(P, "db", 2);
        fake.corruptPayloads();
        scheduler.advance(Duration.ofMinutes(6));
        fake.clearFaults();
        fake.addVersion(P, "db", "{\"password\": \"PLANTED-broken-json\"");
        scheduler.advance(Duration.ofMinutes(6));
        // descriptions planted by a server gone wrong, in every status
        for (Status.Code code : Status.Code.values()) {
            if (code == Status.Code.OK) {
                continue;
            }
            fake.fail(Status.fromCode(code).withDescription("PLANTED-description-" + code));
            failure(() -> direct().fetch(FetchRequest.of(SecretRef.parse("gcp-sm:" + P + "/db"), FetchReason.INITIAL)));
            scheduler.advance(Duration.ofMinutes(6));
        }
        fake.fail(Status.FAILED_PRECONDITION.withDescription(
                "Secret Version [projects/1/secrets/db/versions/2] is in DISABLED state. PLANTED-after-state"));
        failure(() -> direct().fetch(FetchRequest.of(SecretRef.parse("gcp-sm:" + P + "/db"), FetchReason.INITIAL)));
        fake.clearFaults();
        fake.deleteSecret(P, "db");
        scheduler.advance(Duration.ofMinutes(6));

        assertThat(secrets.get("gcp-sm:" + P + "/db").field("password")).contains("PLANTED-pass-1");
    }

    private GoogleSecretManagerSource direct;

    private GoogleSecretManagerSource direct() {
        if (direct == null) {
            direct = ManualSourceContext.start(
                    GoogleSecretManagerSource.builder()
                            .settings(fake.settings())
                            .build(),
                    new ManualScheduler());
            leaks.check(direct);
        }
        return direct;
    }

    private void start() {
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .eventListener(events)
                .eventListener(leaks)
                .refreshPolicy(RefreshPolicy.builder()
                        .pollInterval(Duration.ofMinutes(5))
                        .pollJitter(0)
                        .spreadFirstRefresh(false)
                        .build())
                .build();
        leaks.check(source);
    }

    private void kept(Secret s) {
        leaks.check(
                s,
                s.version(),
                s.ref(),
                s.attributes(),
                s.lease(),
                s.fieldNames().contains("password") ? "ok" : "");
    }

    private void failure(Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            leaks.check(t);
            return;
        }
        throw new AssertionError("expected the call to fail");
    }
}
