package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.test.vault.TokenSpec;
import dev.rotor.secrets.test.vault.VaultFake;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token session (logins, renew-self, re-login, revoke-self) and every auth method, on the test kit's Vault fake. */
class VaultTokenSessionTest {
    private static final String DB = "vault:secret/app/db";
    private final FakeVaultHarness h = new FakeVaultHarness();

    @TempDir
    Path dir;

    @BeforeEach
    void seed() {
        h.vault.policy("app", "secret/*", "read");
        h.vault.kvPut("secret", "app/db", Map.of("password", "pw"));
    }

    @AfterEach
    void close() {
        h.close();
    }

    private static TokenSpec spec(long ttlSeconds) {
        return TokenSpec.policies("app").ttl(Duration.ofSeconds(ttlSeconds));
    }

    /** The accessor of the token that made the last request to {@code path}. */
    private String accessorOfLast(String path) {
        List<VaultFake.LoggedRequest> r = new ArrayList<>(h.vault.requests());
        for (int i = r.size() - 1; i >= 0; i--) {
            if (r.get(i).path().equals(path)) {
                return r.get(i).accessor();
            }
        }
        throw new AssertionError("no request to " + path);
    }

    private List<String> authFailures() {
        List<String> details = new ArrayList<>();
        h.events
                .ofType(SecretEventType.AUTH_FAILED)
                .forEach(e -> details.add(e.detail().orElseThrow()));
        return details;
    }

    @Test
    void token_isRenewedAtTwoThirdsOfItsTtl_throughRenewSelf() {
        h.start(h.appRole(spec(3000)));
        h.secrets.get(DB);
        String accessor = accessorOfLast("secret/data/app/db");

        h.advance(Duration.ofSeconds(1999));
        assertThat(h.vault.count("POST", "auth/token/renew-self")).isZero();
        h.advance(Duration.ofSeconds(2));

        assertThat(h.vault.count("POST", "auth/token/renew-self")).isEqualTo(1);
        assertThat(accessorOfLast("auth/token/renew-self")).isEqualTo(accessor);
        assertThat(h.vault.logins()).isEqualTo(1);
        assertThat(h.events.types()).contains(SecretEventType.AUTH_LOGIN, SecretEventType.AUTH_RENEWED);
        h.advance(Duration.ofSeconds(1500)); // past the first TTL: the renewal gave the token another 3000 s
        h.secrets.refresh(DB);
        assertThat(accessorOfLast("secret/metadata/app/db")).isEqualTo(accessor);
    }

    @Test
    void withoutSessionExecutor_tokenRenewalRunsOnTheClientsExecutor_noPoolOfItsOwn() {
        List<Runnable> held = new ArrayList<>();
        AtomicBoolean hold = new AtomicBoolean();
        Executor clientExecutor = task -> {
            if (hold.get()) {
                held.add(task);
            } else {
                task.run();
            }
        };
        h.start(VaultSource.builder().address(h.vault.address()).auth(h.appRole(spec(3000))), b -> b.executor(
                        clientExecutor)
                .refreshPolicy(VaultHarness.POLICY
                        .newBuilder()
                        .pollInterval(Duration.ofHours(2))
                        .build()));
        h.secrets.get(DB); // polled every 2 h: only the token is due by 2001 s
        hold.set(true);

        h.advance(Duration.ofSeconds(2001));

        assertThat(h.vault.count("POST", "auth/token/renew-self")).isZero();
        assertThat(held).hasSize(1);
        held.remove(0).run();
        assertThat(h.vault.count("POST", "auth/token/renew-self")).isEqualTo(1);
        assertThat(h.events.ofType(SecretEventType.AUTH_RENEWED)).hasSize(1);
    }

    @Test
    void coldLoginNeededByADataCall_onAOneThreadClientExecutor_runsOnTheCallersThread() {
        ExecutorService oneThread = Executors.newSingleThreadExecutor();
        try {
            // the data call holds the only thread while it waits for the login: a login queued behind it would never
            // run before the load timeout
            h.start(VaultSource.builder().address(h.vault.address()).auth(h.appRole(spec(3600))), b -> b.executor(
                            oneThread)
                    .refreshPolicy(VaultHarness.POLICY
                            .newBuilder()
                            .loadTimeout(Duration.ofSeconds(5))
                            .build()));

            assertThat(h.secrets.value(DB + "#password")).isEqualTo("pw");
            assertThat(h.vault.logins()).isEqualTo(1);
        } finally {
            oneThread.shutdownNow();
        }
    }

    @Test
    void tokenRenewalJitter_comesFromTheClientsRandomGenerator() {
        RefreshPolicy jittered =
                VaultHarness.POLICY.newBuilder().leaseJitter(0.1).build();
        // the harness's random answers 0.5: half of the jitter's tenth of 3000 s, so renewal at 2000 - 150 s
        h.start(h.sourceBuilder(h.appRole(spec(3000))), b -> b.refreshPolicy(jittered));
        h.secrets.get(DB);

        h.advance(Duration.ofSeconds(1849));
        assertThat(h.vault.count("POST", "auth/token/renew-self")).isZero();
        h.advance(Duration.ofSeconds(2));

        assertThat(h.vault.count("POST", "auth/token/renew-self")).isEqualTo(1);
    }

    @Test
    void renewalCappedAtTheMaxTtl_logsInAgain_andTheNewTokenIsUsed_theOldOneIsNotRevoked() {
        h.start(h.appRole(spec(3000).maxTtl(Duration.ofSeconds(3600))));
        h.secrets.get(DB);
        String first = accessorOfLast("secret/data/app/db");

        h.advance(Duration.ofSeconds(2001)); // renew-self capped at 1600 s: less than two thirds of 3000 s

        assertThat(h.vault.logins()).isEqualTo(2);
        h.vault.kvPut("secret", "app/other", Map.of("k", "v"));
        h.secrets.get("vault:secret/app/other");
        assertThat(accessorOfLast("secret/data/app/other")).isNotEqualTo(first);
        assertThat(h.vault.count("POST", "auth/token/revoke-self")).isZero();
    }

    @Test
    void nonRenewableToken_isReplacedByLoginBeforeItExpires() {
        h.start(h.appRole(spec(300).renewable(false)));
        h.secrets.get(DB);

        h.advance(Duration.ofSeconds(201));

        assertThat(h.vault.logins()).isEqualTo(2);
        assertThat(h.vault.count("POST", "auth/token/renew-self")).isZero();
    }

    @Test
    void close_revokesObtainedToken() {
        h.start(h.appRole(spec(3600)));
        h.secrets.get(DB);
        String accessor = accessorOfLast("secret/data/app/db");

        h.secrets.close();

        assertThat(h.vault.count("POST", "auth/token/revoke-self")).isEqualTo(1);
        assertThat(accessorOfLast("auth/token/revoke-self")).isEqualTo(accessor);
    }

    @Test
    void givenToken_isLookedUp_renewed_andNeverRevoked() {
        String token = h.vault.createToken(spec(3000));
        h.start(VaultAuth.token(token));
        h.secrets.get(DB);
        assertThat(h.vault.count("GET", "auth/token/lookup-self")).isEqualTo(1);

        h.advance(Duration.ofSeconds(2001));
        assertThat(h.vault.count("POST", "auth/token/renew-self")).isEqualTo(1);
        h.secrets.close();

        assertThat(h.vault.count("POST", "auth/token/revoke-self")).isZero();
        assertThat(h.vault.tokenValid(token)).isTrue();
    }

    @Test
    void tokenFile_changedOnDisk_isReadAgainAtTheNextRenewal() throws Exception {
        String one = h.vault.createToken(spec(3000));
        String two = h.vault.createToken(spec(3000));
        Path file = dir.resolve("token");
        Files.writeString(file, one + "\n");
        h.start(VaultAuth.tokenFile(file));
        h.secrets.get(DB);
        String firstAccessor = accessorOfLast("auth/token/lookup-self");

        Files.writeString(file, two + "\n");
        h.advance(Duration.ofSeconds(2001));

        assertThat(h.vault.count("GET", "auth/token/lookup-self")).isEqualTo(2);
        assertThat(accessorOfLast("auth/token/lookup-self")).isNotEqualTo(firstAccessor);
        assertThat(h.vault.count("POST", "auth/token/renew-self")).isZero();
    }

    @Test
    void wrappedSecretId_isUnwrappedOnce_andReusedForLaterLogins() {
        VaultFake.AppRole role = h.vault.appRole("app", spec(300).renewable(false));
        h.start(VaultAuth.appRoleWrapped(role.roleId(), role.wrappedSecretId(Duration.ofMinutes(5))));
        h.secrets.get(DB);

        h.advance(Duration.ofSeconds(201));

        assertThat(h.vault.logins()).isEqualTo(2);
        assertThat(h.vault.requests())
                .filteredOn(r -> r.path().startsWith("auth/approle/login"))
                .allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
        assertThat(h.vault.count("POST", "sys/wrapping/unwrap")).isEqualTo(1);
    }

    @Test
    void wrappedSecretId_usedTwice_secondUseFailsClearly() {
        VaultFake.AppRole role = h.vault.appRole("app", spec(3600));
        String wrapping = role.wrappedSecretId(Duration.ofMinutes(5));
        h.start(VaultAuth.appRoleWrapped(role.roleId(), wrapping));
        h.secrets.get(DB);

        // a second process (or an attacker) presenting the same wrapping token
        FakeVaultHarness second = new FakeVaultHarness();
        try {
            second.start(
                    VaultSource.builder()
                            .address(h.vault.address())
                            .auth(VaultAuth.appRoleWrapped(role.roleId(), wrapping))
                            .sessionExecutor(Runnable::run),
                    b -> b);
            assertThatThrownBy(() -> second.secrets.get(DB))
                    .isInstanceOf(SecretAccessDeniedException.class)
                    .hasMessageContaining("could not log in")
                    .hasMessageContaining(DB)
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
        assertThat(h.vault.count("POST", "sys/wrapping/unwrap")).isEqualTo(2);
    }

    @Test
    void kubernetes_loginWithTheMountedServiceAccountToken() throws Exception {
        Path jwt = dir.resolve("sa-token");
        Files.writeString(jwt, "jwt-one");
        h.vault.kubernetesRole("orders", "jwt-one", spec(3600));
        h.start(VaultAuth.kubernetes("orders", jwt));

        assertThat(h.secrets.value(DB + "#password")).isEqualTo("pw");
        assertThat(h.vault.count("POST", "auth/kubernetes/login")).isEqualTo(1);
    }

    @Test
    void jwt_atConfiguredMount_logsInWithRoleAndJwt() throws Exception {
        Path jwt = dir.resolve("jwt");
        Files.writeString(jwt, "oidc-jwt");
        h.vault.jwtRole("oidc-prod", "ci", "oidc-jwt", spec(3600));
        h.start(VaultAuth.jwt("ci", jwt).withMount("oidc-prod"));

        assertThat(h.secrets.value(DB + "#password")).isEqualTo("pw");
        assertThat(h.vault.count("POST", "auth/oidc-prod/login")).isEqualTo(1);
    }

    @Test
    void userpass_logsInAtTheUsersPath() {
        h.vault.userpass("userpass", "dev", "dev-password", spec(3600));
        h.start(VaultAuth.userpass("dev", "dev-password"));

        assertThat(h.secrets.value(DB + "#password")).isEqualTo("pw");
        assertThat(h.vault.count("POST", "auth/userpass/login/dev")).isEqualTo(1);
    }

    @Test
    void loginFailure_isAuthFailedEvent_andTypedError() {
        VaultFake.AppRole role = h.vault.appRole("app", spec(3600));
        h.start(VaultAuth.appRole(role.roleId(), "wrong"));

        assertThatThrownBy(() -> h.secrets.get(DB))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("could not log in");
        assertThat(h.events.ofType(SecretEventType.AUTH_FAILED)).isNotEmpty().allSatisfy(e -> assertThat(e.errorClass())
                .contains(SecretConfigurationException.class.getName()));
    }

    @Test
    void loginFailure_authFailedDetail_namesTheLogin() {
        h.start(h.appRole(spec(3600)));
        h.vault.seal();

        assertThatThrownBy(() -> h.secrets.get(DB)).isInstanceOf(SourceUnavailableException.class);

        assertThat(authFailures()).isNotEmpty().allSatisfy(d -> assertThat(d)
                .isEqualTo("token login failed (SourceUnavailableException)"));
    }

    @Test
    void loginFailure_whileATokenIsHeld_authFailedDetail_namesTheLogin() {
        h.start(h.appRole(spec(300).renewable(false)));
        h.secrets.get(DB);
        h.vault.seal();

        h.advance(Duration.ofSeconds(201)); // a token that cannot be renewed: the engine logs in again, and fails

        assertThat(h.vault.logins()).isGreaterThanOrEqualTo(2);
        assertThat(h.vault.count("POST", "auth/token/renew-self")).isZero();
        assertThat(authFailures()).isNotEmpty().allSatisfy(d -> assertThat(d)
                .isEqualTo("token login failed (SourceUnavailableException)"));
    }

    @Test
    void renewalFailure_authFailedDetail_namesTheRenewal() {
        h.start(h.appRole(spec(3000)));
        h.secrets.get(DB);
        h.vault.seal();

        h.advance(Duration.ofSeconds(2001));

        assertThat(h.vault.count("POST", "auth/token/renew-self")).isPositive();
        assertThat(h.vault.logins()).isEqualTo(1);
        assertThat(authFailures()).isNotEmpty().allSatisfy(d -> assertThat(d)
                .isEqualTo("token renewal failed (SourceUnavailableException)"));
    }

    @Test
    void tokenRevokedInVault_renewSelfRefused_logsInAgainAtOnce() {
        h.start(h.appRole(spec(3000)));
        h.secrets.get(DB);
        String first = accessorOfLast("secret/data/app/db");
        h.vault.revokeAccessor(first);

        h.advance(Duration.ofSeconds(2001));

        assertThat(h.vault.logins()).isEqualTo(2);
        h.vault.kvPut("secret", "app/next", Map.of("k", "v"));
        h.secrets.get("vault:secret/app/next");
        assertThat(accessorOfLast("secret/data/app/next")).isNotEqualTo(first);
        assertThat(h.events.ofType(SecretEventType.AUTH_LOGIN)).hasSize(2);
    }

    @Test
    void tokenExpiredWhileVaultWasDown_nextCallLogsInAtOnce() {
        h.start(h.appRole(spec(300).renewable(false)));
        h.secrets.get(DB);
        h.vault.seal();

        h.advance(Duration.ofSeconds(301));
        assertThat(h.events.ofType(SecretEventType.AUTH_FAILED))
                .anySatisfy(e -> assertThat(e.detail().orElseThrow()).contains("token expired"));

        h.vault.unseal();
        h.vault.kvPut("secret", "app/db", Map.of("password", "pw2"));
        h.secrets.refresh(DB);

        assertThat(h.secrets.value(DB + "#password")).isEqualTo("pw2");
    }

    @Test
    void concurrentColdReads_onRealThreads_logInOnce() throws Exception {
        VaultFake realTime = VaultFake.start();
        realTime.policy("app", "secret/*", "read");
        for (int i = 0; i < 8; i++) {
            realTime.kvPut("secret", "app/s" + i, Map.of("v", "value-" + i));
        }
        VaultFake.AppRole role = realTime.appRole("app", spec(3600));
        VaultSource source = VaultSource.builder()
                .address(realTime.address())
                .auth(VaultAuth.appRole(role.roleId(), role.newSecretId()))
                .build();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .auditLog(false)
                .build()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> reads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String ref = "vault:secret/app/s" + i + "#v";
                reads.add(pool.submit(() -> {
                    go.await();
                    return secrets.value(ref);
                }));
            }
            go.countDown();
            for (int i = 0; i < 8; i++) {
                assertThat(reads.get(i).get(30, TimeUnit.SECONDS)).isEqualTo("value-" + i);
            }
        } finally {
            pool.shutdownNow();
            realTime.close();
        }
        assertThat(realTime.logins()).isEqualTo(1);
    }
}
