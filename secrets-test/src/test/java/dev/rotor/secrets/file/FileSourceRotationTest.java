package dev.rotor.secrets.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.MountedSecretDirectory;
import dev.rotor.secrets.test.RecordingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file source under the real engine, on a manual clock: a changed file is handed over on the next poll. */
class FileSourceRotationTest {
    private static final Duration POLL = Duration.ofMinutes(1);

    @TempDir
    Path tmp;

    private final ManualScheduler scheduler = new ManualScheduler();
    private final RecordingListener events = new RecordingListener();
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private Secrets secrets;

    /** What a listener saw, copied out while the versions were live (retired versions are wiped later). */
    private static final class Delivery {
        final String previousVersion;
        final Map<String, String> previousFields;
        final String currentVersion;
        final Map<String, String> currentFields;

        Delivery(SecretChange change) {
            this.previousVersion = change.previous().map(s -> s.version()).orElse(null);
            this.previousFields = change.previous().map(s -> fieldsOrValue(s)).orElse(null);
            this.currentVersion = change.current().version();
            this.currentFields = fieldsOrValue(change.current());
        }

        private static Map<String, String> fieldsOrValue(dev.rotor.secrets.Secret s) {
            return s.hasRawValue() ? Map.of("", s.value()) : s.fields();
        }
    }

    private Secrets start() {
        FileSecretSource source =
                // the poll on a manual clock; the watch, which sees changes sooner, is FileWatchTest's
                FileSecretSource.builder()
                        .timeSource(scheduler.clock())
                        .watch(false)
                        .build();
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .random(fixed(0.5))
                .refreshPolicy(
                        // every poll exactly POLL apart, the first one too
                        RefreshPolicy.builder()
                                .pollInterval(POLL)
                                .pollJitter(0)
                                .spreadFirstRefresh(false)
                                .build())
                .eventListener(events)
                .build();
        return secrets;
    }

    @AfterEach
    void close() {
        if (secrets != null) {
            secrets.close();
        }
    }

    @Test
    void changedFile_isPickedUpOnTheNextPoll_andTheWatcherSeesTheOldAndTheNewVersion() throws IOException {
        Path file = replace(tmp.resolve("api-key"), "key-1\n");
        String ref = "file:" + file;
        start();
        SecretHandle handle = secrets.handle(ref);
        secrets.watch(ref, change -> deliveries.add(new Delivery(change)));

        replace(file, "key-2\n");
        assertThat(handle.value()).as("nothing polls before the interval").isEqualTo("key-1");
        scheduler.advance(POLL.plusSeconds(1));

        assertThat(handle.value()).isEqualTo("key-2");
        assertThat(handle.current().version()).isEqualTo("2");
        assertThat(deliveries).hasSize(2);
        assertThat(deliveries.get(0).previousVersion).isNull();
        assertThat(deliveries.get(0).currentVersion).isEqualTo("1");
        Delivery rotation = deliveries.get(1);
        assertThat(rotation.previousVersion).isEqualTo("1");
        assertThat(rotation.previousFields).containsExactly(Map.entry("", "key-1"));
        assertThat(rotation.currentVersion).isEqualTo("2");
        assertThat(rotation.currentFields).containsExactly(Map.entry("", "key-2"));
    }

    @Test
    void kubernetesMountSwap_isHandedOverAsOneVersion_withAllFieldsChangedTogether() {
        MountedSecretDirectory mount =
                MountedSecretDirectory.in(tmp).write(Map.of("username", "user-1", "password", "pw-1"));
        String ref = "file:" + tmp;
        start();
        secrets.watch(ref, change -> deliveries.add(new Delivery(change)));

        mount.write(Map.of("username", "user-2", "password", "pw-2"));
        scheduler.advance(POLL.plusSeconds(1));

        assertThat(deliveries).hasSize(2);
        Delivery rotation = deliveries.get(1);
        assertThat(rotation.previousFields)
                .containsExactly(Map.entry("password", "pw-1"), Map.entry("username", "user-1"));
        assertThat(rotation.currentFields)
                .containsExactly(Map.entry("password", "pw-2"), Map.entry("username", "user-2"));
        assertThat(secrets.value(ref + "#password")).isEqualTo("pw-2");
    }

    @Test
    void unchangedFile_isPolledByProbe_andNeverHandedOverAgain() throws IOException {
        Path file = replace(tmp.resolve("token"), "t-1");
        String ref = "file:" + file;
        start();
        secrets.watch(ref, change -> deliveries.add(new Delivery(change)));
        replace(file, "t-1"); // rewritten with the same content

        for (int i = 0; i < 5; i++) {
            scheduler.advance(POLL.plusSeconds(1));
        }

        assertThat(deliveries).hasSize(1);
        assertThat(secrets.get(ref).version()).isEqualTo("1");
        assertThat(events.ofType(SecretEventType.REFRESH_FAILED)).isEmpty();
    }

    @Test
    void fileEmptiedMidWrite_keepsServingTheLastGoodVersion_untilTheNewContentIsComplete() throws IOException {
        Path file = replace(tmp.resolve("password"), "pw-1");
        String ref = "file:" + file;
        start();
        SecretHandle handle = secrets.handle(ref);
        secrets.watch(ref, change -> deliveries.add(new Delivery(change)));

        Files.write(file, new byte[0]); // a writer truncated the file and has not written yet
        scheduler.advance(POLL.plusSeconds(1));

        assertThat(handle.value()).isEqualTo("pw-1");
        assertThat(events.ofType(SecretEventType.REFRESH_FAILED)).isNotEmpty();
        assertThat(deliveries).hasSize(1);

        Files.writeString(file, "pw-2");
        scheduler.advance(POLL.plusSeconds(1));

        assertThat(handle.value()).isEqualTo("pw-2");
        assertThat(deliveries).hasSize(2);
        assertThat(deliveries.get(1).previousVersion).isEqualTo("1");
        assertThat(deliveries.get(1).currentVersion).isEqualTo("2");
    }

    @Test
    void badVersion_fromAFreeSource_isRetriedAtMostThePollIntervalApart_soTheCorrectionIsSeenWithinSeconds()
            throws IOException {
        Path file = replace(tmp.resolve("db.json"), "{\"password\":\"p1\"}");
        String ref = "file:" + file;
        start(); // the file source's own maxBackoff (10 s) under this test's 1 min poll
        SecretHandle handle = secrets.handle(ref);
        List<java.time.Instant> attempts = new CopyOnWriteArrayList<>();
        secrets.addEventListener(e -> {
            if (e.type() == SecretEventType.REFRESH_FAILED) {
                attempts.add(e.time());
            }
        });

        replace(file, "{\"password\":"); // half-written JSON: a bad version
        scheduler.advance(POLL.plusSeconds(1));
        assertThat(attempts).hasSize(1);
        scheduler.advance(Duration.ofMinutes(30)); // still bad: retries keep coming, never more than 10 s apart
        assertThat(attempts.size()).isGreaterThan(30 * 6 / 2);
        for (int i = 1; i < attempts.size(); i++) {
            assertThat(Duration.between(attempts.get(i - 1), attempts.get(i)))
                    .isLessThanOrEqualTo(Duration.ofSeconds(10));
        }
        assertThat(handle.current().field("password")).contains("p1"); // the last good version stays

        replace(file, "{\"password\":\"p2\"}");
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(secrets.value(ref + "#password")).isEqualTo("p2");
    }

    /** Writes {@code content} next to {@code target} and renames it over the target atomically. */
    private static Path replace(Path target, String content) throws IOException {
        Path tmp = Files.writeString(target.resolveSibling("." + target.getFileName() + ".tmp"), content);
        return Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    private static RandomGenerator fixed(double value) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return (long) (value * Long.MAX_VALUE);
            }

            @Override
            public double nextDouble() {
                return value;
            }
        };
    }
}
