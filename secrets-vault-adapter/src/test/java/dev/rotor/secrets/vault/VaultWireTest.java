package dev.rotor.secrets.vault;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What goes over the wire, byte by byte: headers and URLs, checked on WireMock's record of every request (the test
 * kit's Vault fake models Vault's state, not its request headers).
 */
class VaultWireTest {
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
}
