package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.vault.TokenSpec;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credential files that other users can read: one WARN per file, naming the option and the path, never the content.
 * The permission bits are set by the test, so the check holds even when the tests run as root.
 */
class VaultCredentialFilePermissionsTest {
    private static final String JWT = "PLANTED-jwt-eyJhbGciOi";

    @TempDir
    Path dir;

    private final FakeVaultHarness h = new FakeVaultHarness();
    private LeakCheck leaks;

    @BeforeEach
    void seed() {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        h.vault.policy("app", "secret/data/app/*", "read");
        h.vault.kvPut("secret", "app/api", Map.of("key", "k1"));
    }

    @AfterEach
    void close() {
        try {
            if (leaks != null) {
                leaks.close();
            }
        } finally {
            h.close();
        }
    }

    private Path file(String name, String content, String permissions) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(permissions));
        return f;
    }

    private List<String> warnings() {
        return leaks.logLines().stream()
                .filter(l -> l.startsWith("WARN dev.rotor.secrets.vault"))
                .collect(Collectors.toList());
    }

    /** Reads twice, with a refresh between: the token file is read at every lookup. */
    private void readTwice() {
        h.secrets.get("vault:secret/app/api");
        h.secrets.refresh("vault:secret/app/api");
    }

    @Test
    void tokenFileReadableByOthers_warnsOnce_namingTheOptionAndThePath_neverTheToken() throws Exception {
        String token = h.vault.createToken(TokenSpec.policies("app").ttl(Duration.ofHours(1)));
        Path f = file("token", token, "rw-r--r--");
        leaks = LeakCheck.start(token);

        h.start(VaultAuth.tokenFile(f));
        readTwice();

        assertThat(h.vault.count("GET", "auth/token/lookup-self")).isGreaterThanOrEqualTo(1);
        assertThat(warnings()).singleElement().satisfies(w -> assertThat(w)
                .contains("VaultAuth.tokenFile")
                .contains(f.toString())
                .contains("rw-r--r--"));
        leaks.assertNoLeaks();
    }

    @Test
    void tokenFileReadableByItsOwnerOnly_warnsNothing() throws Exception {
        String token = h.vault.createToken(TokenSpec.policies("app").ttl(Duration.ofHours(1)));
        Path f = file("token", token, "rw-------");
        leaks = LeakCheck.start(token);

        h.start(VaultAuth.tokenFile(f));
        readTwice();

        assertThat(h.secrets.value("vault:secret/app/api#key")).isEqualTo("k1");
        assertThat(warnings()).isEmpty();
    }

    @Test
    void kubernetesTokenReadableByTheGroup_warnsOnce_namingTheOptionAndThePath_neverTheJwt() throws Exception {
        h.vault.kubernetesRole("app", JWT, TokenSpec.policies("app").ttl(Duration.ofHours(1)));
        Path f = file("sa-token", JWT, "rw-r-----");
        leaks = LeakCheck.start(JWT);

        h.start(VaultAuth.kubernetes("app", f));
        readTwice();

        assertThat(h.vault.logins()).isEqualTo(1);
        assertThat(warnings()).singleElement().satisfies(w -> assertThat(w)
                .contains("VaultAuth.kubernetes")
                .contains(f.toString())
                .contains("its group"));
        leaks.assertNoLeaks();
    }

    @Test
    void jwtFileReadableByItsOwnerOnly_warnsNothing() throws Exception {
        h.vault.jwtRole("jwt", "app", JWT, TokenSpec.policies("app").ttl(Duration.ofHours(1)));
        Path f = file("jwt", JWT, "r--------");
        leaks = LeakCheck.start(JWT);

        h.start(VaultAuth.jwt("app", f));
        readTwice();

        assertThat(h.vault.logins()).isEqualTo(1);
        assertThat(warnings()).isEmpty();
    }
}
