package dev.rotor.secrets.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.MountedSecretDirectory;
import dev.rotor.secrets.test.RecordingListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file source sees a change when it happens, not at the next poll: the directories it reads from are watched. Each
 * test sets a poll interval of an hour, so only the watch can explain a change seen within the test's wait.
 */
class FileWatchTest {
    private static final RefreshPolicy HOURLY = RefreshPolicy.builder()
            .pollInterval(Duration.ofHours(1))
            .maxBackoff(Duration.ofHours(1))
            .build();

    @TempDir
    Path tmp;

    private Secrets secrets;

    @AfterEach
    void close() {
        if (secrets != null) {
            secrets.close();
        }
    }

    private Secrets start(FileSecretSource source, RecordingListener events) {
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .refreshPolicy("file", HOURLY)
                .eventListener(events)
                .build();
        return secrets;
    }

    /** Versions handed to a watcher, in order; a bounded wait for the next one, no sleeping. */
    private BlockingQueue<String> watch(String ref) {
        BlockingQueue<String> versions = new LinkedBlockingQueue<>();
        secrets.watch(ref, change -> versions.add(value(change.current())));
        return versions;
    }

    private static String value(Secret s) {
        return s.hasRawValue() ? s.value() : s.field("password").orElse("?");
    }

    @Test
    void mountedSecret_dataLinkSwap_reachesTheApplicationWithinMoments_withoutAPoll() throws Exception {
        MountedSecretDirectory mount = MountedSecretDirectory.in(tmp.resolve("db"));
        mount.write(Map.of("username", "app", "password", "p1"));
        start(FileSecretSource.create(), new RecordingListener());
        BlockingQueue<String> versions = watch("file:" + mount.dir());
        assertThat(versions.poll(10, TimeUnit.SECONDS)).isEqualTo("p1");

        long t0 = System.nanoTime();
        mount.write(Map.of("username", "app", "password", "p2"));
        assertThat(versions.poll(10, TimeUnit.SECONDS)).isEqualTo("p2");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        // not a timing assertion: an hourly poll cannot have brought it; the latency is printed for the record
        System.out.println("file watch: mounted secret swap seen after " + ms + " ms");

        mount.write(Map.of("username", "app", "password", "p3"));
        assertThat(versions.poll(10, TimeUnit.SECONDS)).isEqualTo("p3");
    }

    @Test
    void singleFile_replacedByRename_isSeen_withoutAPoll() throws Exception {
        Path file = tmp.resolve("api-key");
        Files.writeString(file, "k1\n", StandardCharsets.UTF_8);
        start(FileSecretSource.create(), new RecordingListener());
        BlockingQueue<String> versions = watch("file:" + file);
        assertThat(versions.poll(10, TimeUnit.SECONDS)).isEqualTo("k1");

        Path next = tmp.resolve(".api-key.tmp");
        Files.writeString(next, "k2\n", StandardCharsets.UTF_8);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        assertThat(versions.poll(10, TimeUnit.SECONDS)).isEqualTo("k2");
    }

    @Test
    void correctedFile_afterABadVersion_isPickedUpWhenItIsWritten_notAfterABackoff() throws Exception {
        Path file = tmp.resolve("db.json");
        Files.writeString(file, "{\"password\":\"p1\"}", StandardCharsets.UTF_8);
        RecordingListener events = new RecordingListener();
        start(FileSecretSource.create(), events);
        BlockingQueue<String> versions = watch("file:" + file);
        assertThat(versions.poll(10, TimeUnit.SECONDS)).isEqualTo("p1");

        Path next = tmp.resolve(".db.json.tmp");
        Files.writeString(next, "{\"password\":", StandardCharsets.UTF_8); // a bad version: truncated JSON
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // the failure is seen through the watch too; the last good version stays in service
        assertThat(events.await(dev.rotor.secrets.SecretEventType.REFRESH_FAILED, Duration.ofSeconds(10)))
                .isTrue();
        assertThat(secrets.get("file:" + file).field("password")).contains("p1");

        Files.writeString(next, "{\"password\":\"p2\"}", StandardCharsets.UTF_8);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        assertThat(versions.poll(10, TimeUnit.SECONDS)).isEqualTo("p2");
    }

    @Test
    void watchOff_leavesChangesToThePoll() throws Exception {
        Path file = tmp.resolve("api-key");
        Files.writeString(file, "k1\n", StandardCharsets.UTF_8);
        FileSecretSource source = FileSecretSource.builder().watch(false).build();
        start(source, new RecordingListener());
        assertThat(secrets.get("file:" + file).value()).isEqualTo("k1");
        assertThat(source.watches(tmp)).isFalse();
    }

    @Test
    void directoriesBeyondTheCap_arePolledOnly_andLeaveNoStateBehind() throws Exception {
        FileSecretSource source = FileSecretSource.create();
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .auditLog(false)
                .maximumEntries(100)
                .build();
        for (int i = 0; i < FileWatch.MAX_DIRECTORIES + 200; i++) {
            Path dir = Files.createDirectories(tmp.resolve("tenant-" + i));
            Files.writeString(dir.resolve("key"), "k" + i, StandardCharsets.UTF_8);
            assertThat(secrets.value("file:" + dir.resolve("key"))).isEqualTo("k" + i);
        }
        assertThat(source.watchedDirectories()).isLessThanOrEqualTo(FileWatch.MAX_DIRECTORIES);
    }

    @Test
    void readDirectories_areWatched_oncePerDirectory() throws Exception {
        Files.writeString(tmp.resolve("a"), "1", StandardCharsets.UTF_8);
        Files.writeString(tmp.resolve("b"), "2", StandardCharsets.UTF_8);
        FileSecretSource source = FileSecretSource.create();
        start(source, new RecordingListener());
        secrets.get("file:" + tmp.resolve("a"));
        secrets.get("file:" + tmp.resolve("b"));
        assertThat(source.watches(tmp)).isTrue();
    }
}
