package dev.rotor.secrets.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.JsonAuditLogger;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretPolicyException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceIdentity;
import dev.rotor.secrets.file.FileSecretSource;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.test.ManualScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The who of a source's first load: the source is asked when it starts serving its first ref that the allow-list let
 * through, before that ref's first fetch, so the first LOADED record already names the application. The client runs
 * its store calls on one real worker thread: an ask queued behind the load (as a LOADED event would queue it) could
 * only answer after the record was written.
 */
class FirstLoadIdentityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "first-load-identity-worker");
        t.setDaemon(true);
        return t;
    });
    private final List<SecretEvent> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        worker.shutdownNow();
        assertThat(worker.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private Secrets.Builder client(SecretSource source) {
        return Secrets.builder()
                .source(source)
                .discoverSources(false)
                .auditLog(false)
                .scheduler(new ManualScheduler())
                .executor(worker)
                .eventListener(events::add);
    }

    private JsonNode firstLoadedWho() throws Exception {
        SecretEvent loaded = events.stream()
                .filter(e -> e.type() == SecretEventType.LOADED)
                .findFirst()
                .orElseThrow();
        return JSON.readTree(JsonAuditLogger.toJson(loaded)).get("who");
    }

    @Test
    void fileSource_theFirstLoadedRecordNamesTheMountedServiceAccount() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, KubernetesTokens.projected("shop", "orders", "orders-7d9f-x2"));
        Files.writeString(dir.resolve("password"), "pw-first-load-1");
        FileSecretSource files = FileSecretSource.builder()
                .serviceAccountTokenFile(token)
                .watch(false)
                .build();
        try (Secrets secrets = client(files).build()) {
            assertThat(secrets.value("file:" + dir.resolve("password"))).isEqualTo("pw-first-load-1");
            JsonNode who = firstLoadedWho();
            assertThat(who.get("known").asBoolean()).as("%s", who).isTrue();
            assertThat(who.get("principal").asText()).isEqualTo("system:serviceaccount:shop:orders");
        }
    }

    /** A store whose identity costs a call (as STS does), which records the order of its calls. */
    static final class AskingSource implements SecretSource {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public String scheme() {
            return "sts";
        }

        @Override
        public Optional<SourceIdentity> identity() {
            calls.add("identity");
            return Optional.of(SourceIdentity.builder("arn:aws:iam::123456789012:role/orders")
                    .role("orders")
                    .build());
        }

        @Override
        public Secret fetch(FetchRequest request) {
            calls.add("fetch " + request.ref().path());
            return Secret.builder(request.ref())
                    .version("1")
                    .value("v-" + request.ref().path())
                    .fetchedAt(Instant.EPOCH)
                    .build();
        }
    }

    @Test
    void aSourceThatMustAsk_asksOnceBeforeItsFirstFetch_andNotForARefusedRef() throws Exception {
        AskingSource store = new AskingSource();
        try (Secrets secrets = client(store).allowRefs("sts:prod/*").build()) {
            assertThatThrownBy(() -> secrets.get("sts:other/db")).isInstanceOf(SecretPolicyException.class);
            assertThat(store.calls).as("a refused ref costs no call at all").isEmpty();
            JsonNode refused = JSON.readTree(JsonAuditLogger.toJson(events.stream()
                            .filter(e -> e.type() == SecretEventType.REFUSED_BY_POLICY)
                            .findFirst()
                            .orElseThrow()))
                    .get("who");
            assertThat(refused.get("reason").asText()).isEqualTo("pending");

            assertThat(secrets.value("sts:prod/db")).isEqualTo("v-prod/db");
            assertThat(secrets.value("sts:prod/api")).isEqualTo("v-prod/api");
            assertThat(store.calls).containsExactly("identity", "fetch prod/db", "fetch prod/api");
            JsonNode who = firstLoadedWho();
            assertThat(who.get("known").asBoolean()).as("%s", who).isTrue();
            assertThat(who.get("principal").asText()).isEqualTo("arn:aws:iam::123456789012:role/orders");
            assertThat(secrets.identity("sts").orElseThrow().role()).contains("orders");
        }
    }
}
