package dev.rotor.secrets.vault;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.rotor.secrets.SecretEventType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What goes over the wire: headers, URLs and request bodies, checked on WireMock's record of every request (the test
 * kit's Vault fake models Vault's state, not the bytes of each request), and one sequence of faults (a refused
 * renewal, then a sealed Vault at the login) that a single fake's state cannot produce in that order.
 */
class VaultWireTest {
    private final VaultHarness h = new VaultHarness();

    @TempDir
    Path dir;

    private void kv() {
        h.stubs.mount("secret", "kv", "2");
        h.stubs.kv2("secret", "app/db", 1, Map.of("password", "pw"));
    }

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

    @Test
    void kubernetes_readsTheServiceAccountTokenAgainAtEveryLogin() throws Exception {
        Path jwt = dir.resolve("sa-token");
        Files.writeString(jwt, "jwt-one");
        h.wm.stubFor(post(urlEqualTo("/v1/auth/kubernetes/login"))
                .withRequestBody(matchingJsonPath("$.role", equalTo("orders")))
                .willReturn(VaultStubs.ok(VaultStubs.authBody("s.k8s", 300, false))));
        h.start(VaultAuth.kubernetes("orders", jwt));
        kv();
        h.secrets.get("vault:secret/app/db");
        Files.writeString(jwt, "jwt-two");

        h.advance(Duration.ofSeconds(201));

        h.wm.verify(
                1,
                postRequestedFor(urlEqualTo("/v1/auth/kubernetes/login"))
                        .withRequestBody(matchingJsonPath("$.jwt", equalTo("jwt-one"))));
        h.wm.verify(
                1,
                postRequestedFor(urlEqualTo("/v1/auth/kubernetes/login"))
                        .withRequestBody(matchingJsonPath("$.jwt", equalTo("jwt-two"))));
    }

    @Test
    void renewalRefused_thenLoginFails_eachAuthFailedDetail_namesItsCall() {
        h.stubs.appRoleLogins(
                VaultStubs.ok(VaultStubs.authBody("s.dead", 3000, true)), VaultStubs.error(503, "Vault is sealed"));
        h.wm.stubFor(
                post(urlEqualTo("/v1/auth/token/renew-self")).willReturn(VaultStubs.error(403, "permission denied")));
        h.start(VaultAuth.appRole("role", "sid"));
        kv();
        h.secrets.get("vault:secret/app/db");

        h.advance(Duration.ofSeconds(2001)); // renew-self refused: the session logs in again at once, Vault is sealed

        assertThat(authFailures())
                .startsWith(
                        "token renewal failed (LeaseExpiredException)",
                        "token login failed (SourceUnavailableException)");
    }

    private List<String> authFailures() {
        List<String> details = new ArrayList<>();
        h.events
                .ofType(SecretEventType.AUTH_FAILED)
                .forEach(e -> details.add(e.detail().orElseThrow()));
        return details;
    }
}
