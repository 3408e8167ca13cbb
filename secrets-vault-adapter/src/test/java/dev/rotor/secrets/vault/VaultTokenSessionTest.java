package dev.rotor.secrets.vault;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretEventType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultTokenSessionTest {
    private final VaultHarness h = new VaultHarness();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        h.close();
    }

    private void kv() {
        h.stubs.mount("secret", "kv", "2");
        h.stubs.kv2("secret", "app/db", 1, Map.of("password", "pw"));
    }

    private int logins() {
        return h.wm.findAll(postRequestedFor(urlEqualTo("/v1/auth/approle/login")))
                .size();
    }

    @Test
    void token_isRenewedAtTwoThirdsOfItsTtl_throughRenewSelf() {
        h.stubs.appRoleLogin("s.t1", 3000, true);
        h.stubs.renewSelf("s.t1", 3000);
        h.start(VaultAuth.appRole("role", "sid"));
        kv();
        h.secrets.get("vault:secret/app/db");

        h.advance(Duration.ofSeconds(1999));
        h.wm.verify(0, postRequestedFor(urlEqualTo("/v1/auth/token/renew-self")));
        h.advance(Duration.ofSeconds(2));

        h.wm.verify(
                1,
                postRequestedFor(urlEqualTo("/v1/auth/token/renew-self"))
                        .withHeader("X-Vault-Token", equalTo("s.t1"))
                        .withRequestBody(matchingJsonPath("$.increment", equalTo("3000s"))));
        assertThat(logins()).isEqualTo(1);
        assertThat(h.events.types()).contains(SecretEventType.AUTH_LOGIN, SecretEventType.AUTH_RENEWED);
    }

    @Test
    void withoutSessionExecutor_tokenRenewalRunsOnTheClientsExecutor_noPoolOfItsOwn() {
        h.stubs.appRoleLogin("s.t1", 3000, true);
        h.stubs.renewSelf("s.t1", 3000);
        kv();
        List<Runnable> held = new ArrayList<>();
        AtomicBoolean hold = new AtomicBoolean();
        Executor clientExecutor = task -> {
            if (hold.get()) {
                held.add(task);
            } else {
                task.run();
            }
        };
        h.start(VaultSource.builder().address(h.address()).auth(VaultAuth.appRole("role", "sid")), b -> b.executor(
                        clientExecutor)
                .refreshPolicy(VaultHarness.POLICY
                        .newBuilder()
                        .pollInterval(Duration.ofHours(2))
                        .build()));
        h.secrets.get("vault:secret/app/db"); // polled every 2 h: only the token is due by 2001 s
        hold.set(true);

        h.advance(Duration.ofSeconds(2001));

        h.wm.verify(0, postRequestedFor(urlEqualTo("/v1/auth/token/renew-self")));
        assertThat(held).hasSize(1);
        held.remove(0).run();
        h.wm.verify(1, postRequestedFor(urlEqualTo("/v1/auth/token/renew-self")));
        assertThat(h.events.ofType(SecretEventType.AUTH_RENEWED)).hasSize(1);
    }

    @Test
    void coldLoginNeededByADataCall_onAOneThreadClientExecutor_runsOnTheCallersThread() {
        h.stubs.appRoleLogin("s.t1", 3600, true);
        kv();
        java.util.concurrent.ExecutorService oneThread = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            // the data call holds the only thread while it waits for the login: a login queued behind it would never
            // run before the load timeout
            h.start(VaultSource.builder().address(h.address()).auth(VaultAuth.appRole("role", "sid")), b -> b.executor(
                            oneThread)
                    .refreshPolicy(VaultHarness.POLICY
                            .newBuilder()
                            .loadTimeout(Duration.ofSeconds(5))
                            .build()));

            assertThat(h.secrets.value("vault:secret/app/db#password")).isEqualTo("pw");
            assertThat(logins()).isEqualTo(1);
        } finally {
            oneThread.shutdownNow();
        }
    }

    @Test
    void tokenRenewalJitter_comesFromTheClientsRandomGenerator() {
        h.stubs.appRoleLogin("s.t1", 3000, true);
        h.stubs.renewSelf("s.t1", 3000);
        kv();
        RefreshPolicy jittered =
                VaultHarness.POLICY.newBuilder().leaseJitter(0.1).build();
        // the harness's random answers 0.5: half of the jitter's tenth of 3000 s, so renewal at 2000 - 150 s
        h.start(h.sourceBuilder(VaultAuth.appRole("role", "sid")), b -> b.refreshPolicy(jittered));
        h.secrets.get("vault:secret/app/db");

        h.advance(Duration.ofSeconds(1849));
        h.wm.verify(0, postRequestedFor(urlEqualTo("/v1/auth/token/renew-self")));
        h.advance(Duration.ofSeconds(2));

        h.wm.verify(1, postRequestedFor(urlEqualTo("/v1/auth/token/renew-self")));
    }

    @Test
    void renewalReturningShrinkingTtl_maxTtlReached_logsInAgain_andNewTokenIsUsed() {
        h.stubs.appRoleLogins(
                VaultStubs.ok(VaultStubs.authBody("s.first", 3000, true)),
                VaultStubs.ok(VaultStubs.authBody("s.second", 3000, true)));
        h.stubs.renewSelf("s.first", 600); // capped by max TTL: less than two thirds of 3000 s
        h.start(VaultAuth.appRole("role", "sid"));
        kv();
        h.secrets.get("vault:secret/app/db");

        h.advance(Duration.ofSeconds(2001));

        assertThat(logins()).isEqualTo(2);
        h.stubs.kv2("secret", "app/other", 1, Map.of("k", "v"));
        h.secrets.get("vault:secret/app/other");
        h.wm.verify(getRequestedFor(urlEqualTo("/v1/secret/data/app/other"))
                .withHeader("X-Vault-Token", equalTo("s.second")));
        h.wm.verify(0, postRequestedFor(urlEqualTo("/v1/auth/token/revoke-self")));
    }

    @Test
    void nonRenewableToken_isReplacedByLoginBeforeItExpires() {
        h.stubs.appRoleLogin("s.short", 300, false);
        h.start(VaultAuth.appRole("role", "sid"));
        kv();
        h.secrets.get("vault:secret/app/db");

        h.advance(Duration.ofSeconds(201));

        assertThat(logins()).isEqualTo(2);
        h.wm.verify(0, postRequestedFor(urlEqualTo("/v1/auth/token/renew-self")));
    }

    @Test
    void close_revokesObtainedToken() {
        h.stubs.appRoleLogin("s.mine", 3600, true);
        h.stubs.revokeSelf();
        h.start(VaultAuth.appRole("role", "sid"));
        kv();
        h.secrets.get("vault:secret/app/db");

        h.secrets.close();

        h.wm.verify(
                1,
                postRequestedFor(urlEqualTo("/v1/auth/token/revoke-self"))
                        .withHeader("X-Vault-Token", equalTo("s.mine")));
    }

    @Test
    void givenToken_isLookedUp_renewed_andNeverRevoked() {
        h.stubs.lookupSelf("s.given", 3000, true);
        h.stubs.renewSelf("s.given", 3000);
        h.stubs.revokeSelf();
        h.start(VaultAuth.token("s.given"));
        kv();
        h.secrets.get("vault:secret/app/db");
        h.wm.verify(1, getRequestedFor(urlEqualTo("/v1/auth/token/lookup-self")));

        h.advance(Duration.ofSeconds(2001));
        h.wm.verify(1, postRequestedFor(urlEqualTo("/v1/auth/token/renew-self")));
        h.secrets.close();

        h.wm.verify(0, postRequestedFor(urlEqualTo("/v1/auth/token/revoke-self")));
    }

    @Test
    void tokenFile_changedOnDisk_isReadAgainAtTheNextRenewal() throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "s.file-1\n");
        h.stubs.lookupSelf("s.file-1", 3000, true);
        h.stubs.lookupSelf("s.file-2", 3000, true);
        h.start(VaultAuth.tokenFile(file));
        kv();
        h.secrets.get("vault:secret/app/db");

        Files.writeString(file, "s.file-2\n");
        h.advance(Duration.ofSeconds(2001));

        h.wm.verify(
                1,
                getRequestedFor(urlEqualTo("/v1/auth/token/lookup-self"))
                        .withHeader("X-Vault-Token", equalTo("s.file-2")));
        h.wm.verify(0, postRequestedFor(urlEqualTo("/v1/auth/token/renew-self")));
    }

    @Test
    void wrappedSecretId_isUnwrappedOnce_andReusedForLaterLogins() {
        h.stubs.unwrapOnce("s.wrap", "unwrapped-secret-id");
        h.wm.stubFor(post(urlEqualTo("/v1/auth/approle/login"))
                .withRequestBody(matchingJsonPath("$.secret_id", equalTo("unwrapped-secret-id")))
                .willReturn(VaultStubs.ok(VaultStubs.authBody("s.w", 300, false))));
        h.start(VaultAuth.appRoleWrapped("role", "s.wrap"));
        kv();
        h.secrets.get("vault:secret/app/db");

        h.advance(Duration.ofSeconds(201));

        assertThat(logins()).isEqualTo(2);
        h.wm.verify(
                1,
                postRequestedFor(urlEqualTo("/v1/sys/wrapping/unwrap")).withHeader("X-Vault-Token", equalTo("s.wrap")));
    }

    @Test
    void wrappedSecretId_usedTwice_secondUseFailsClearly() {
        h.stubs.unwrapOnce("s.wrap", "unwrapped-secret-id");
        h.stubs.appRoleLogin("s.w", 3600, true);
        h.start(VaultAuth.appRoleWrapped("role", "s.wrap"));
        kv();
        h.secrets.get("vault:secret/app/db");

        // a second process (or an attacker) presenting the same wrapping token
        VaultHarness second = new VaultHarness();
        try {
            second.start(
                    VaultSource.builder()
                            .address(h.address())
                            .auth(VaultAuth.appRoleWrapped("role", "s.wrap"))
                            .sessionExecutor(Runnable::run),
                    b -> b);
            assertThatThrownBy(() -> second.secrets.get("vault:secret/app/db"))
                    .isInstanceOf(SecretAccessDeniedException.class)
                    .hasMessageContaining("could not log in")
                    .hasMessageContaining("vault:secret/app/db")
                    .hasStackTraceContaining("the wrapping token was already used or has expired");
            assertThat(second.events.ofType(SecretEventType.AUTH_FAILED)).isNotEmpty();
            assertThat(second.events
                            .ofType(SecretEventType.AUTH_FAILED)
                            .get(0)
                            .detail()
                            .orElseThrow())
                    .contains("SecretAccessDeniedException");
        } finally {
            second.close();
        }
        h.wm.verify(2, postRequestedFor(urlEqualTo("/v1/sys/wrapping/unwrap")));
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
    void jwt_atConfiguredMount_postsRoleAndJwt() throws Exception {
        Path jwt = dir.resolve("jwt");
        Files.writeString(jwt, "oidc-jwt");
        h.stubs.login("auth/oidc-prod/login", "s.jwt", 3600, true);
        h.start(VaultAuth.jwt("ci", jwt).withMount("oidc-prod"));
        kv();
        h.secrets.get("vault:secret/app/db");
        h.wm.verify(postRequestedFor(urlEqualTo("/v1/auth/oidc-prod/login"))
                .withRequestBody(matchingJsonPath("$.role", equalTo("ci")))
                .withRequestBody(matchingJsonPath("$.jwt", equalTo("oidc-jwt"))));
    }

    @Test
    void userpass_postsPasswordToTheUsersPath() {
        h.stubs.login("auth/userpass/login/dev", "s.up", 3600, true);
        h.start(VaultAuth.userpass("dev", "dev-password"));
        kv();
        h.secrets.get("vault:secret/app/db");
        h.wm.verify(postRequestedFor(urlEqualTo("/v1/auth/userpass/login/dev"))
                .withRequestBody(matchingJsonPath("$.password", equalTo("dev-password"))));
    }

    @Test
    void loginFailure_isAuthFailedEvent_andTypedError() {
        h.wm.stubFor(post(urlEqualTo("/v1/auth/approle/login"))
                .willReturn(VaultStubs.error(400, "invalid role or secret ID")));
        h.start(VaultAuth.appRole("role", "wrong"));

        assertThatThrownBy(() -> h.secrets.get("vault:secret/app/db"))
                .isInstanceOf(dev.rotor.secrets.SecretConfigurationException.class)
                .hasMessageContaining("could not log in");
        assertThat(h.events.ofType(SecretEventType.AUTH_FAILED)).isNotEmpty().allSatisfy(e -> assertThat(e.errorClass())
                .contains(dev.rotor.secrets.SecretConfigurationException.class.getName()));
    }

    @Test
    void loginFailure_authFailedDetail_namesTheLogin() {
        h.wm.stubFor(post(urlEqualTo("/v1/auth/approle/login")).willReturn(VaultStubs.error(503, "Vault is sealed")));
        h.start(VaultAuth.appRole("role", "sid"));

        assertThatThrownBy(() -> h.secrets.get("vault:secret/app/db"))
                .isInstanceOf(dev.rotor.secrets.SourceUnavailableException.class);

        assertThat(authFailures()).isNotEmpty().allSatisfy(d -> assertThat(d)
                .isEqualTo("token login failed (SourceUnavailableException)"));
    }

    @Test
    void loginFailure_whileATokenIsHeld_authFailedDetail_namesTheLogin() {
        h.stubs.appRoleLogins(
                VaultStubs.ok(VaultStubs.authBody("s.short", 300, false)), VaultStubs.error(503, "Vault is sealed"));
        h.start(VaultAuth.appRole("role", "sid"));
        kv();
        h.secrets.get("vault:secret/app/db");

        h.advance(Duration.ofSeconds(201)); // a token that cannot be renewed: the engine logs in again, and fails

        assertThat(logins()).isGreaterThanOrEqualTo(2);
        h.wm.verify(0, postRequestedFor(urlEqualTo("/v1/auth/token/renew-self")));
        assertThat(authFailures()).isNotEmpty().allSatisfy(d -> assertThat(d)
                .isEqualTo("token login failed (SourceUnavailableException)"));
    }

    @Test
    void renewalFailure_authFailedDetail_namesTheRenewal() {
        h.stubs.appRoleLogin("s.t1", 3000, true);
        h.wm.stubFor(
                post(urlEqualTo("/v1/auth/token/renew-self")).willReturn(VaultStubs.error(503, "Vault is sealed")));
        h.start(VaultAuth.appRole("role", "sid"));
        kv();
        h.secrets.get("vault:secret/app/db");

        h.advance(Duration.ofSeconds(2001));

        h.wm.verify(postRequestedFor(urlEqualTo("/v1/auth/token/renew-self")));
        assertThat(logins()).isEqualTo(1);
        assertThat(authFailures()).isNotEmpty().allSatisfy(d -> assertThat(d)
                .isEqualTo("token renewal failed (SourceUnavailableException)"));
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

    @Test
    void tokenRevokedOrExpired_renewSelfRefused_logsInAgainAtOnce() {
        h.stubs.appRoleLogins(
                VaultStubs.ok(VaultStubs.authBody("s.dead", 3000, true)),
                VaultStubs.ok(VaultStubs.authBody("s.alive", 3000, true)));
        h.wm.stubFor(
                post(urlEqualTo("/v1/auth/token/renew-self")).willReturn(VaultStubs.error(403, "permission denied")));
        h.start(VaultAuth.appRole("role", "sid"));
        kv();
        h.secrets.get("vault:secret/app/db");

        h.advance(Duration.ofSeconds(2001));

        assertThat(logins()).isEqualTo(2);
        h.stubs.kv2("secret", "app/next", 1, Map.of("k", "v"));
        h.secrets.get("vault:secret/app/next");
        h.wm.verify(getRequestedFor(urlEqualTo("/v1/secret/data/app/next"))
                .withHeader("X-Vault-Token", equalTo("s.alive")));
        assertThat(h.events.ofType(SecretEventType.AUTH_LOGIN)).hasSize(2);
    }

    @Test
    void tokenExpiredWhileVaultWasDown_nextCallLogsInAtOnce() {
        h.stubs.appRoleLogins(
                VaultStubs.ok(VaultStubs.authBody("s.old", 300, false)), VaultStubs.error(503, "Vault is sealed"));
        h.start(VaultAuth.appRole("role", "sid"));
        kv();
        h.secrets.get("vault:secret/app/db");

        h.advance(Duration.ofSeconds(301));
        assertThat(h.events.ofType(SecretEventType.AUTH_FAILED))
                .anySatisfy(e -> assertThat(e.detail().orElseThrow()).contains("token expired"));

        h.wm.setScenarioState("login", Scenario.STARTED);
        h.wm.stubFor(get(urlPathEqualTo("/v1/secret/data/app/db"))
                .willReturn(VaultStubs.ok(VaultStubs.kv2Body(2, Map.of("password", "pw2")))));
        h.secrets.refresh("vault:secret/app/db");

        assertThat(h.secrets.value("vault:secret/app/db#password")).isEqualTo("pw2");
    }

    @Test
    void concurrentColdReads_onRealThreads_logInOnce() throws Exception {
        h.stubs.appRoleLogin("s.once", 3600, true);
        h.stubs.mount("secret", "kv", "2");
        for (int i = 0; i < 8; i++) {
            h.stubs.kv2("secret", "app/s" + i, 1, Map.of("v", "value-" + i));
        }
        VaultSource source = VaultSource.builder()
                .address(h.address())
                .auth(VaultAuth.appRole("role", "sid"))
                .build();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try (dev.rotor.secrets.Secrets secrets = dev.rotor.secrets.Secrets.builder()
                .source(source)
                .discoverSources(false)
                .auditLog(false)
                .build()) {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            java.util.List<java.util.concurrent.Future<String>> reads = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String ref = "vault:secret/app/s" + i + "#v";
                reads.add(pool.submit(() -> {
                    go.await();
                    return secrets.value(ref);
                }));
            }
            go.countDown();
            for (int i = 0; i < 8; i++) {
                assertThat(reads.get(i).get(30, java.util.concurrent.TimeUnit.SECONDS))
                        .isEqualTo("value-" + i);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(logins()).isEqualTo(1);
    }
}
