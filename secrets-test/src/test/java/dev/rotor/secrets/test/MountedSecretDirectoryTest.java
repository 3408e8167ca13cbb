package dev.rotor.secrets.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountedSecretDirectoryTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-04T05:06:07Z"), ZoneOffset.UTC);

    @TempDir
    Path tmp;

    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void write_laysOutTheKubeletMount_filesInAStampedDir_dataLink_andVisibleLinksThroughIt() throws IOException {
        Path dir = tmp.resolve("db");

        MountedSecretDirectory mount =
                MountedSecretDirectory.in(dir, CLOCK).write(Map.of("username", "app", "password", "pw-1"));

        assertThat(mount.dir()).isEqualTo(dir);
        assertThat(entries(dir)).containsExactly("..2026_03_04_05_06_07.000000001", "..data", "password", "username");
        assertThat(Files.readSymbolicLink(dir.resolve("..data"))).isEqualTo(Path.of("..2026_03_04_05_06_07.000000001"));
        assertThat(Files.readSymbolicLink(dir.resolve("password"))).isEqualTo(Path.of("..data", "password"));
        assertThat(Files.readString(dir.resolve("password"), StandardCharsets.UTF_8))
                .isEqualTo("pw-1");
        assertThat(mount.dataDir()).contains(dir.resolve("..2026_03_04_05_06_07.000000001"));
        assertThat(mount.versions()).isEqualTo(1);
    }

    @Test
    void write_again_swapsTheDataLinkToANewDir_andDeletesTheOldOne() throws IOException {
        Path dir = tmp.resolve("db");
        MountedSecretDirectory mount = MountedSecretDirectory.in(dir, CLOCK).write(Map.of("password", "pw-1"));
        Path first = mount.dataDir().orElseThrow();

        mount.write(Map.of("password", "pw-2"));

        assertThat(first).doesNotExist();
        assertThat(entries(dir)).containsExactly("..2026_03_04_05_06_07.000000002", "..data", "password");
        assertThat(Files.readString(dir.resolve("password"), StandardCharsets.UTF_8))
                .isEqualTo("pw-2");
        assertThat(mount.versions()).isEqualTo(2);
    }

    @Test
    void write_withoutAFieldTheLastVersionHad_removesItsLink() throws IOException {
        Path dir = tmp.resolve("db");
        MountedSecretDirectory mount =
                MountedSecretDirectory.in(dir).write(Map.of("username", "app", "password", "pw-1"));

        mount.write(Map.of("password", "pw-2", "token", "t-1"));

        assertThat(entries(dir)).filteredOn(n -> !n.startsWith("..")).containsExactly("password", "token");
    }

    @Test
    void in_writesNothingBeforeTheFirstVersion() throws IOException {
        MountedSecretDirectory mount = MountedSecretDirectory.in(tmp.resolve("empty"));

        assertThat(entries(mount.dir())).isEmpty();
        assertThat(mount.dataDir()).isEmpty();
    }

    @Test
    void write_withAFieldNameThatIsNotAPlainFileName_failsNamingIt_andWritesNothing() throws IOException {
        MountedSecretDirectory mount = MountedSecretDirectory.in(tmp.resolve("db"));

        for (String bad : List.of("", "..data", "a/b")) {
            assertThatThrownBy(() -> mount.write(Map.of(bad, "x")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("fields:")
                    .hasMessageContaining("'" + bad + "'");
        }
        assertThat(entries(mount.dir())).isEmpty();
    }
}
