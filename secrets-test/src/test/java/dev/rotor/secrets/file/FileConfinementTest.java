package dev.rotor.secrets.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.MountedSecretDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A confined file source reads only inside its directories, every link resolved first. */
class FileConfinementTest {
    private static final String OUTSIDE_VALUE = "planted-outside-value";

    @TempDir
    Path tmp;

    private Secrets secrets;

    @AfterEach
    void close() {
        if (secrets != null) {
            secrets.close();
        }
    }

    private Secrets confinedTo(Path dir) {
        secrets = Secrets.builder()
                .source(FileSecretSource.builder()
                        .baseDirectory(dir)
                        .confineToBaseDirectory()
                        .build())
                .discoverSources(false)
                .auditLog(false)
                .build();
        return secrets;
    }

    @Test
    void pathsInside_areRead_includingAKubernetesMount() throws Exception {
        Path base = Files.createDirectories(tmp.resolve("secrets"));
        Files.writeString(base.resolve("api-key"), "k1", StandardCharsets.UTF_8);
        MountedSecretDirectory.in(base.resolve("db")).write(Map.of("password", "p1"));
        confinedTo(base);
        assertThat(secrets.value("file:api-key")).isEqualTo("k1");
        assertThat(secrets.value("file:" + base.resolve("db") + "#password")).isEqualTo("p1");
    }

    @Test
    void absolutePathElsewhere_dotDotPath_andLinkOut_areRefused_withoutReadingThem() throws Exception {
        Path base = Files.createDirectories(tmp.resolve("secrets"));
        Path outside = Files.writeString(tmp.resolve("outside"), OUTSIDE_VALUE, StandardCharsets.UTF_8);
        Files.createSymbolicLink(base.resolve("link-out"), outside);
        Path mount = Files.createDirectories(base.resolve("mount"));
        Files.writeString(mount.resolve("ok"), "fine", StandardCharsets.UTF_8);
        Files.createSymbolicLink(mount.resolve("sneaky"), outside);
        confinedTo(base);

        for (String ref : new String[] {"file:" + outside, "file:link-out", "file:/etc/passwd"}) {
            assertThatThrownBy(() -> secrets.value(ref), ref)
                    .isInstanceOf(SecretAccessDeniedException.class)
                    .hasMessageContaining("outside the directories")
                    .hasMessageNotContaining(OUTSIDE_VALUE);
        }
        // a '..' segment never gets as far as the source: the ref itself is invalid
        assertThatThrownBy(() -> secrets.value("file:../outside"))
                .isInstanceOf(dev.rotor.secrets.InvalidSecretRefException.class);
        // a mounted directory with one link to elsewhere is refused whole
        assertThatThrownBy(() -> secrets.get("file:mount")).isInstanceOf(SecretAccessDeniedException.class);
    }

    @Test
    void unconfinedSource_readsWhatTheProcessCan_asBefore() throws Exception {
        Path outside = Files.writeString(tmp.resolve("outside"), "v", StandardCharsets.UTF_8);
        secrets = Secrets.builder()
                .source(FileSecretSource.builder().build())
                .discoverSources(false)
                .auditLog(false)
                .build();
        assertThat(secrets.value("file:" + outside)).isEqualTo("v");
    }
}
