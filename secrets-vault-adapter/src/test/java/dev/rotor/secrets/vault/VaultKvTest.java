package dev.rotor.secrets.vault;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretNotFoundException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VaultKvTest {
    private final VaultHarness h = new VaultHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private void appRole() {
        h.stubs.appRoleLogin("s.kvtoken", 3600, true);
        h.start(VaultAuth.appRole("role-1", "secret-1"));
    }

    @Test
    void start_makesNoRequest_loginHappensOnFirstRead() {
        appRole();
        assertThat(h.wm.getAllServeEvents()).isEmpty();
        h.stubs.mount("secret", "kv", "2");
        h.stubs.kv2("secret", "app/db", 3, Map.of("password", "pw-1", "user", "app"));

        assertThat(h.secrets.value("vault:secret/app/db#password")).isEqualTo("pw-1");
        h.wm.verify(1, postRequestedFor(urlEqualTo("/v1/auth/approle/login")));
    }

    @Test
    void kv2Read_usesDataPath_metadataVersionIsTheVersionId() {
        appRole();
        h.stubs.mount("secret", "kv", "2");
        h.stubs.kv2("secret", "app/db", 7, Map.of("password", "pw-7", "port", 5432));

        Secret s = h.secrets.get("vault:secret/app/db");

        assertThat(s.version()).isEqualTo("7");
        assertThat(s.field("password")).contains("pw-7");
        assertThat(s.field("port")).contains("5432");
        assertThat(s.lease()).isEmpty();
        h.wm.verify(getRequestedFor(urlEqualTo("/v1/secret/data/app/db")));
    }

    @Test
    void kv2Read_withVersionParameter_sendsVersionQuery() {
        appRole();
        h.stubs.mount("secret", "kv", "2");
        h.wm.stubFor(get(urlPathEqualTo("/v1/secret/data/app/db"))
                .withQueryParam("version", equalTo("2"))
                .willReturn(VaultStubs.ok(VaultStubs.kv2Body(2, Map.of("password", "old")))));

        assertThat(h.secrets.value("vault:secret/app/db#password?version=2")).isEqualTo("old");
    }

    @Test
    void kv2Read_deletedVersion_isNotFound() {
        appRole();
        h.stubs.mount("secret", "kv", "2");
        h.wm.stubFor(get(urlPathEqualTo("/v1/secret/data/gone"))
                .willReturn(VaultStubs.ok("{\"data\":{\"data\":null,\"metadata\":{\"created_time\":"
                        + "\"2026-11-25T09:00:00Z\",\"deletion_time\":\"2026-11-25T10:00:00Z\",\"destroyed\":false,"
                        + "\"version\":4}}}")));

        assertThatThrownBy(() -> h.secrets.get("vault:secret/gone"))
                .isInstanceOf(SecretNotFoundException.class)
                .hasMessageContaining("vault:secret/gone");
    }

    @Test
    void kv2Poll_unchangedMetadataVersion_doesNotReadAgain_changedVersionDoes() {
        appRole();
        h.stubs.mount("secret", "kv", "2");
        h.stubs.kv2("secret", "app/api", 1, Map.of("key", "k1"));
        h.stubs.kv2Metadata("secret", "app/api", 1);
        assertThat(h.secrets.value("vault:secret/app/api#key")).isEqualTo("k1");

        h.advance(VaultHarness.POLICY.pollInterval().plusSeconds(1));
        h.wm.verify(1, getRequestedFor(urlEqualTo("/v1/secret/metadata/app/api")));
        h.wm.verify(1, getRequestedFor(urlEqualTo("/v1/secret/data/app/api")));

        h.stubs.kv2("secret", "app/api", 2, Map.of("key", "k2"));
        h.stubs.kv2Metadata("secret", "app/api", 2);
        h.advance(VaultHarness.POLICY.pollInterval().plusSeconds(1));

        h.wm.verify(2, getRequestedFor(urlEqualTo("/v1/secret/data/app/api")));
        assertThat(h.secrets.get("vault:secret/app/api").version()).isEqualTo("2");
        assertThat(h.secrets.value("vault:secret/app/api#key")).isEqualTo("k2");
    }

    @Test
    void kv1Mount_detected_readsThePathItself_contentCounterVersions() {
        appRole();
        h.stubs.mount("kv", "kv", "1");
        h.stubs.kv1("kv/app/api", Map.of("key", "v1-key"));

        Secret s = h.secrets.get("vault:kv/app/api");

        assertThat(s.field("key")).contains("v1-key");
        assertThat(s.version()).isEqualTo("1");
        assertThat(s.lease())
                .as("KV v1's lease_duration is a refresh hint, not a lease")
                .isEmpty();
        h.wm.verify(0, getRequestedFor(urlPathMatching("/v1/kv/data/.*")));
    }

    @Test
    void configuredKvVersion_skipsMountDetection() {
        h.stubs.appRoleLogin("s.kvtoken", 3600, true);
        h.start(h.sourceBuilder(VaultAuth.appRole("role-1", "secret-1")).kvVersion("secret", 2), b -> b);
        h.stubs.kv2("secret", "app/db", 1, Map.of("password", "pw"));

        assertThat(h.secrets.value("vault:secret/app/db#password")).isEqualTo("pw");
        h.wm.verify(0, getRequestedFor(urlPathMatching("/v1/sys/internal/ui/mounts/.*")));
    }

    @Test
    void namespace_isSentOnEveryRequest_withVaultRequestHeader_andTokenOnlyInHeader() {
        h.stubs.appRoleLogin("s.nstoken", 3600, true);
        h.start(h.sourceBuilder(VaultAuth.appRole("role-1", "secret-1")).namespace("team-a/prod"), b -> b);
        h.stubs.mount("secret", "kv", "2");
        h.stubs.kv2("secret", "app/db", 1, Map.of("password", "pw"));

        h.secrets.get("vault:secret/app/db");

        h.wm.verify(3, anyRequestedFor(anyUrl()).withHeader("X-Vault-Namespace", equalTo("team-a/prod")));
        h.wm.verify(3, anyRequestedFor(anyUrl()).withHeader("X-Vault-Request", equalTo("true")));
        h.wm.verify(1, anyRequestedFor(urlEqualTo("/v1/auth/approle/login")).withHeader("X-Vault-Token", absent()));
        h.wm.verify(2, anyRequestedFor(anyUrl()).withHeader("X-Vault-Token", equalTo("s.nstoken")));
        for (LoggedRequest r : h.wm.findAll(anyRequestedFor(anyUrl()))) {
            assertThat(r.getUrl()).doesNotContain("s.nstoken");
        }
    }

    @Test
    void withoutNamespace_noNamespaceHeader() {
        appRole();
        h.stubs.mount("secret", "kv", "2");
        h.stubs.kv2("secret", "app/db", 1, Map.of("password", "pw"));
        h.secrets.get("vault:secret/app/db");
        h.wm.verify(0, anyRequestedFor(anyUrl()).withHeader("X-Vault-Namespace", matching(".*")));
    }

    @Test
    void unknownRefParameter_isRejected() {
        appRole();
        assertThatThrownBy(() -> h.secrets.get("vault:secret/app/db?stage=x"))
                .isInstanceOf(dev.rotor.secrets.SecretException.class)
                .hasMessageContaining("stage");
        assertThat(h.wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void versionParameter_onKv1Mount_isAConfigurationError() {
        appRole();
        h.stubs.mount("kv", "kv", "1");
        h.stubs.kv1("kv/app/api", Map.of("key", "v1-key"));

        assertThatThrownBy(() -> h.secrets.get("vault:kv/app/api?version=2"))
                .isInstanceOf(dev.rotor.secrets.SecretConfigurationException.class)
                .hasMessageContaining("KV v2");
        h.wm.verify(0, getRequestedFor(urlPathEqualTo("/v1/kv/app/api")));
    }
}
