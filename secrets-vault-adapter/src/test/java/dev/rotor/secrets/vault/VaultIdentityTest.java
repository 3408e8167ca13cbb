package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.JsonAuditLogger;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceIdentity;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.vault.TokenSpec;
import dev.rotor.secrets.test.vault.VaultFake;
import dev.rotor.secrets.test.vault.VaultFakeExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who the application is to Vault, in every audit record: learned from the login answer (AppRole) or from {@code
 * auth/token/lookup-self} (a given token), against the stateful Vault fake, and learned again when the token is
 * replaced. Never a token, a role id or a secret id in a record.
 */
class VaultIdentityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    final ManualScheduler scheduler = new ManualScheduler();

    @RegisterExtension
    final VaultFakeExtension vault = VaultFakeExtension.withClock(scheduler::timeSource);

    @TempDir
    Path dir;

    private final List<SecretEvent> events = new CopyOnWriteArrayList<>();

    private Secrets client(VaultAuth auth, LeakCheck leaks) {
        VaultSource source =
                VaultSource.builder().address(vault.fake().address()).auth(auth).build();
        Secrets.Builder b = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .eventListener(events::add);
        if (leaks != null) {
            b.eventListener(leaks);
        }
        return b.build();
    }

    private static JsonNode record(SecretEvent e) throws Exception {
        return JSON.readTree(JsonAuditLogger.toJson(e));
    }

    private SecretEvent first(SecretEventType type) {
        return events.stream().filter(e -> e.type() == type).findFirst().orElseThrow();
    }

    @Test
    void appRole_recordsNameTheRolesEntity_itsRole_andItsPolicies() throws Exception {
        VaultFake fake = vault.fake().policy("orders", "secret/data/orders/*", "read");
        fake.kvPut("secret", "orders/db", Map.of("password", "pw-1"));
        VaultFake.AppRole role =
                fake.appRole("orders", TokenSpec.policies("orders").ttl(Duration.ofHours(1)));
        String secretId = role.newSecretId();
        try (LeakCheck leaks = LeakCheck.builder()
                        .plant(role.roleId(), secretId, "pw-1")
                        .start();
                Secrets secrets = client(VaultAuth.appRole(role.roleId(), secretId), leaks)) {
            assertThat(secrets.value("vault:secret/orders/db#password")).isEqualTo("pw-1");

            SourceIdentity id = secrets.identity("vault").orElseThrow();
            assertThat(id.isKnown()).isTrue();
            assertThat(id.principal()).contains(role.entityId());
            assertThat(id.role()).contains("orders");
            assertThat(id.policies()).containsExactly("default", "orders");

            JsonNode loaded = record(first(SecretEventType.LOADED));
            assertThat(loaded.get("who").get("known").asBoolean()).isTrue();
            assertThat(loaded.get("who").get("principal").asText()).isEqualTo(role.entityId());
            assertThat(loaded.get("who").get("role").asText()).isEqualTo("orders");
            JsonNode login = record(first(SecretEventType.AUTH_LOGIN));
            assertThat(login.get("who").get("principal").asText()).isEqualTo(role.entityId());
            leaks.check(id, secrets.inventory());
        }
    }

    @Test
    void givenToken_identityComesFromLookupSelf_andNoRecordHoldsTheToken() throws Exception {
        VaultFake fake = vault.fake().policy("billing", "secret/data/billing/*", "read");
        fake.kvPut("secret", "billing/key", Map.of("key", "billing-key-1"));
        String token = fake.createToken(TokenSpec.policies("billing").ttl(Duration.ofHours(1)));
        try (LeakCheck leaks = LeakCheck.builder().plant(token, "billing-key-1").start();
                Secrets secrets = client(VaultAuth.token(token), leaks)) {
            assertThat(secrets.value("vault:secret/billing/key#key")).isEqualTo("billing-key-1");

            SourceIdentity id = secrets.identity("vault").orElseThrow();
            assertThat(id.principal()).contains("token");
            assertThat(id.displayName()).contains("token");
            assertThat(id.policies()).containsExactly("default", "billing");
            assertThat(id.attributes()).containsEntry("path", "auth/token/create");
            for (SecretEvent e : events) {
                assertThat(JsonAuditLogger.toJson(e)).doesNotContain(token).contains("\"who\":");
            }
        }
    }

    @Test
    void tokenReplaced_laterRecordsCarryTheNewTokensIdentity() throws Exception {
        VaultFake fake = vault.fake()
                .policy("reader", "secret/data/app/*", "read")
                .policy("writer", "secret/data/app/*", "read");
        fake.kvPut("secret", "app/cfg", Map.of("v", "1"));
        String first = fake.createToken(TokenSpec.policies("reader").ttl(Duration.ofHours(1)));
        String second = fake.createToken(TokenSpec.policies("writer").ttl(Duration.ofHours(6)));
        Path file = dir.resolve("token");
        Files.writeString(file, first);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        try (LeakCheck leaks = LeakCheck.builder().plant(first, second).start();
                Secrets secrets = client(VaultAuth.tokenFile(file), leaks)) {
            secrets.get("vault:secret/app/cfg");
            assertThat(secrets.identity("vault").orElseThrow().policies()).containsExactly("default", "reader");

            Files.writeString(file, second); // the operator rotates the token file
            scheduler.advance(Duration.ofMinutes(50)); // the session's renewal falls due and sees the new token

            assertThat(secrets.identity("vault").orElseThrow().policies()).containsExactly("default", "writer");
            events.clear();
            fake.kvPut("secret", "app/cfg", Map.of("v", "2"));
            secrets.refresh("vault:secret/app/cfg");
            JsonNode who = record(events.get(events.size() - 1)).get("who");
            assertThat(who.get("policies").toString()).isEqualTo("[\"default\",\"writer\"]");
        }
    }
}
