package dev.rotor.secrets.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.JsonAuditLogger;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceIdentity;
import dev.rotor.secrets.file.FileSecretSource;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file source tells who the application is from the pod's mounted service-account token (its {@code kubernetes.io}
 * claims, unverified), or as the application configures it; a broken token never fails a read and never leaks.
 */
class FileIdentityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<SecretEvent> events = new CopyOnWriteArrayList<>();

    private Secrets client(FileSecretSource files, LeakCheck leaks) {
        return Secrets.builder()
                .source(files)
                .discoverSources(false)
                .scheduler(new ManualScheduler())
                .executor(ManualScheduler.directExecutor())
                .eventListener(events::add)
                .eventListener(leaks)
                .build();
    }

    @Test
    void projectedToken_theServiceAccountIsThePrincipal_withNamespaceAndPod() throws Exception {
        String token = KubernetesTokens.projected("shop", "orders", "orders-7d9f-x2");
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, token + "\n");
        Files.writeString(dir.resolve("password"), "pw-file-1");
        FileSecretSource files = FileSecretSource.builder()
                .serviceAccountTokenFile(tokenFile)
                .watch(false)
                .build();
        try (LeakCheck leaks = LeakCheck.builder().plant(token, "pw-file-1").start();
                Secrets secrets = client(files, leaks)) {
            assertThat(secrets.value("file:" + dir.resolve("password"))).isEqualTo("pw-file-1");

            SourceIdentity id = secrets.identity("file").orElseThrow();
            assertThat(id.principal()).contains("system:serviceaccount:shop:orders");
            assertThat(id.displayName()).contains("orders");
            assertThat(id.attributes())
                    .containsEntry("namespace", "shop")
                    .containsEntry("serviceaccount", "orders")
                    .containsEntry("pod", "orders-7d9f-x2")
                    .hasSize(3);
            JsonNode who = JSON.readTree(JsonAuditLogger.toJson(events.get(0))).get("who");
            assertThat(who.get("principal").asText()).isEqualTo("system:serviceaccount:shop:orders");
            leaks.check(id, files, secrets.inventory());
        }
    }

    @Test
    void legacyToken_flatClaimsAreRead() {
        String token = KubernetesTokens.jwt("{\"iss\":\"kubernetes/serviceaccount\","
                + "\"kubernetes.io/serviceaccount/namespace\":\"batch\","
                + "\"kubernetes.io/serviceaccount/secret.name\":\"reporter-token-x1\","
                + "\"kubernetes.io/serviceaccount/service-account.name\":\"reporter\"}");
        Path tokenFile = dir.resolve("legacy");
        writeQuietly(tokenFile, token);
        SourceIdentity id = FileSecretSource.builder()
                .serviceAccountTokenFile(tokenFile)
                .build()
                .identity()
                .orElseThrow();
        assertThat(id.principal()).contains("system:serviceaccount:batch:reporter");
        assertThat(id.attributes()).doesNotContainKey("pod");
    }

    @Test
    void noTokenFile_notInAPod_theSourceCannotTell() {
        FileSecretSource files = FileSecretSource.builder()
                .serviceAccountTokenFile(dir.resolve("absent"))
                .build();
        assertThat(files.identity()).isEmpty();
    }

    @Test
    void configuredIdentity_winsOverTheToken() {
        SourceIdentity mine =
                SourceIdentity.builder("batch-host-7").role("reporting").build();
        FileSecretSource files = FileSecretSource.builder()
                .serviceAccountTokenFile(dir.resolve("absent"))
                .identity(mine)
                .build();
        assertThat(files.identity()).contains(mine);
    }

    @Test
    void brokenToken_readsStillWork_recordsSayFailed_andTheTokenNeverAppears() throws Exception {
        // a JWT whose claims name no service account, and whose header and signature must not leak either
        String token = KubernetesTokens.jwt("{\"sub\":\"someone\",\"secretish\":\"claim-value-7731\"}");
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, token);
        Files.writeString(dir.resolve("key"), "pw-file-2");
        FileSecretSource files = FileSecretSource.builder()
                .serviceAccountTokenFile(tokenFile)
                .watch(false)
                .build();
        try (LeakCheck leaks = LeakCheck.builder()
                        .plant(token, "claim-value-7731", "pw-file-2")
                        .start();
                Secrets secrets = client(files, leaks)) {
            assertThat(secrets.value("file:" + dir.resolve("key"))).isEqualTo("pw-file-2");
            SourceIdentity id = secrets.identity("file").orElseThrow();
            assertThat(id.isKnown()).isFalse();
            assertThat(id.errorClass()).contains(SecretFormatException.class.getName());
            assertThat(id.error()).hasValueSatisfying(m -> assertThat(m).contains(tokenFile.toString()));
            assertThatThrownBy(files::identity).isInstanceOf(SecretFormatException.class);
            leaks.check(id, files);
        }
    }

    @Test
    void notAJwt_isAFormatErrorNamingTheFile() {
        Path tokenFile = dir.resolve("garbage");
        writeQuietly(tokenFile, "abc.%%%.def");
        FileSecretSource files =
                FileSecretSource.builder().serviceAccountTokenFile(tokenFile).build();
        assertThatThrownBy(files::identity)
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining(tokenFile.toString())
                .hasMessageNotContaining("%%%");
    }

    private static void writeQuietly(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
