package dev.rotor.secrets.test.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.test.ManualClock;
import dev.rotor.secrets.test.vault.FakeClient.Reply;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VaultFakeKvTest {
    private final ManualClock clock = new ManualClock();
    private final VaultFake vault = VaultFake.builder().clock(clock).build();
    private final FakeClient http = new FakeClient(vault);
    private final String root = vault.rootToken();

    @AfterEach
    void stop() {
        vault.close();
    }

    @Test
    void kv2Write_thenRead_versionsCount_andOldVersionsStayReadable() {
        Reply w1 = http.post("secret/data/app/db", "{\"data\":{\"password\":\"one\"}}", root);
        Reply w2 = http.post("secret/data/app/db", "{\"data\":{\"password\":\"two\"}}", root);

        assertThat(w1.body.path("data").path("version").asInt()).isEqualTo(1);
        assertThat(w2.body.path("data").path("version").asInt()).isEqualTo(2);
        Reply latest = http.get("secret/data/app/db", root);
        assertThat(latest.body.path("data").path("data").path("password").asText())
                .isEqualTo("two");
        assertThat(latest.body.path("data").path("metadata").path("version").asInt())
                .isEqualTo(2);
        assertThat(latest.body
                        .path("data")
                        .path("metadata")
                        .path("deletion_time")
                        .asText())
                .isEmpty();
        Reply old = http.get("secret/data/app/db?version=1", root);
        assertThat(old.body.path("data").path("data").path("password").asText()).isEqualTo("one");
    }

    @Test
    void kv2Metadata_tellsCurrentVersionAndEveryVersion() {
        vault.kvPut("secret", "app/db", Map.of("password", "one"));
        vault.kvPut("secret", "app/db", Map.of("password", "two"));

        Reply m = http.get("secret/metadata/app/db", root);

        assertThat(m.status).isEqualTo(200);
        assertThat(m.body.path("data").path("current_version").asInt()).isEqualTo(2);
        assertThat(m.body.path("data").path("versions").has("1")).isTrue();
        assertThat(m.body.path("data")
                        .path("versions")
                        .path("2")
                        .path("destroyed")
                        .asBoolean())
                .isFalse();
    }

    @Test
    void kv2SoftDeletedLatest_is404WithMetadataAndNoData_thenUndeleteBringsItBack() {
        vault.kvPut("secret", "app/db", Map.of("password", "one"));
        clock.advance(Duration.ofMinutes(1));

        assertThat(http.delete("secret/data/app/db", root).status).isEqualTo(204);
        Reply gone = http.get("secret/data/app/db", root);

        assertThat(gone.status).isEqualTo(404);
        assertThat(gone.body.path("data").path("data").isNull()).isTrue();
        assertThat(gone.body.path("data").path("metadata").path("deletion_time").asText())
                .isEqualTo(clock.now().toString());
        assertThat(gone.body.path("data").path("metadata").path("destroyed").asBoolean())
                .isFalse();
        assertThat(gone.body.path("data").path("metadata").path("version").asInt())
                .isEqualTo(1);
        Reply meta = http.get("secret/metadata/app/db", root);
        assertThat(meta.body.path("data").path("current_version").asInt()).isEqualTo(1);

        http.post("secret/undelete/app/db", "{\"versions\":[1]}", root);
        assertThat(http.get("secret/data/app/db", root).status).isEqualTo(200);
    }

    @Test
    void kv2Destroyed_is404WithDestroyedTrue_andCannotBeUndeleted() {
        vault.kvPut("secret", "app/db", Map.of("password", "one"));

        http.put("secret/destroy/app/db", "{\"versions\":[1]}", root);
        http.post("secret/undelete/app/db", "{\"versions\":[1]}", root);
        Reply r = http.get("secret/data/app/db", root);

        assertThat(r.status).isEqualTo(404);
        assertThat(r.body.path("data").path("data").isNull()).isTrue();
        assertThat(r.body.path("data").path("metadata").path("destroyed").asBoolean())
                .isTrue();
    }

    @Test
    void kv2MissingSecret_is404WithEmptyErrors() {
        Reply r = http.get("secret/data/nothing", root);

        assertThat(r.status).isEqualTo(404);
        assertThat(r.body.toString()).isEqualTo("{\"errors\":[]}");
    }

    @Test
    void kv1Mount_readsAndWritesThePathItself() {
        vault.kvMount("kv", 1);
        http.put("kv/app/api", "{\"key\":\"v1\"}", root);

        Reply r = http.get("kv/app/api", root);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.body.path("data").path("key").asText()).isEqualTo("v1");
        assertThat(r.body.path("lease_id").asText()).isEmpty();
        assertThat(r.body.path("lease_duration").asLong()).isEqualTo(2764800);
    }

    @Test
    void uiMounts_tellTheMountTypeAndKvVersionOfAPath() {
        vault.kvMount("kv", 1);

        Reply v2 = http.get("sys/internal/ui/mounts/secret/app/db", root);
        Reply v1 = http.get("sys/internal/ui/mounts/kv/app/api", root);
        Reply all = http.get("sys/internal/ui/mounts", root);

        assertThat(v2.body.path("data").path("path").asText()).isEqualTo("secret/");
        assertThat(v2.body.path("data").path("type").asText()).isEqualTo("kv");
        assertThat(v2.body.path("data").path("options").path("version").asText())
                .isEqualTo("2");
        assertThat(v1.body.path("data").path("options").path("version").asText())
                .isEqualTo("1");
        assertThat(all.body.path("data").path("secret").has("kv/")).isTrue();
    }
}
