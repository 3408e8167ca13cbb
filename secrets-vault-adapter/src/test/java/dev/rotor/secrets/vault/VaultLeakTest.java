package dev.rotor.secrets.vault;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.test.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fault matrix and the leak test in one: every fault gets a typed error naming the ref and the source, the
 * cached value survives, and no planted value (secret values, tokens, secret ids, passwords, JWTs) shows up in any
 * log line, standard output or error, exception, event, audit record, inventory or {@code toString}: a {@link
 * LeakCheck} watches each test. The stand-in server's own logs (WireMock, Jetty) are not Rotor's output and are left
 * out of the scan.
 */
class VaultLeakTest {
    private static final String MARKER = "PLANTED";
    private static final String TOKEN = "s.PLANTED-token-4f1c";
    private static final String TOKEN_2 = "s.PLANTED-token-two-88a0";
    private static final String SECRET_ID = "PLANTED-secret-id-0d9e";
    private static final String WRAP = "s.PLANTED-wrapping-a1b2";
    private static final String UNWRAPPED = "PLANTED-unwrapped-id-77c3";
    private static final String KV_PASS = "PLANTED-kv-password-5a5a";
    private static final String DYN_USER = "PLANTED-dyn-user-1e2f";
    private static final String DYN_PASS = "PLANTED-dyn-pass-3c4d";
    private static final String USERPASS = "PLANTED-userpass-9b8c";
    private static final String JWT = "PLANTED-jwt-eyJh";
    private static final String REF = "vault:secret/app/db#password";
    // well under the TIMEOUT fault's delay, well over a loaded build machine's answer time
    private static final Duration READ_TIMEOUT = Duration.ofMillis(1500);

    private final LeakCheck leaks = LeakCheck.builder()
            .plant(MARKER, TOKEN, TOKEN_2, SECRET_ID, WRAP, UNWRAPPED, KV_PASS, DYN_USER, DYN_PASS, USERPASS, JWT)
            .ignoreLoggers("org.eclipse.jetty", "wiremock", "com.github.tomakehurst", "WireMock")
            .start();
    private final VaultHarness h = new VaultHarness(leaks);

    @TempDir
    Path dir;

    /** The faults every read must survive. */
    enum BadAnswer {
        CONNECTION_RESET(SourceUnavailableException.class, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)),
        TIMEOUT(
                SourceUnavailableException.class,
                VaultStubs.ok(VaultStubs.kv2Body(9, Map.of("password", KV_PASS)))
                        .withFixedDelay(3000)),
        EMPTY_BODY(
                SecretFormatException.class,
                aResponse().withStatus(200).withHeader("Content-Type", "application/json")),
        HTML_ERROR_PAGE(
                SourceUnavailableException.class,
                aResponse()
                        .withStatus(502)
                        .withHeader("Content-Type", "text/html")
                        .withBody("<html><body><h1>502 Bad Gateway</h1>" + KV_PASS + "</body></html>")),
        HTML_WITH_200(
                SecretFormatException.class,
                aResponse()
                        .withStatus(200)
                        .withHeader("Content-Type", "text/html")
                        .withBody("<html><body>" + KV_PASS + "</body></html>")),
        MALFORMED_JSON(
                SecretFormatException.class, VaultStubs.ok("{\"data\":{\"data\":{\"password\":\"" + KV_PASS + "\"")),
        WRONG_TYPES(
                SecretFormatException.class,
                VaultStubs.ok("{\"data\":{\"data\":{\"password\":\"" + KV_PASS
                        + "\"},\"metadata\":{\"version\":\"nine\"}}}")),
        DATA_NOT_AN_OBJECT(SecretFormatException.class, VaultStubs.ok("{\"data\":[\"" + KV_PASS + "\"]}")),
        TEN_MEGABYTES(SecretFormatException.class, VaultStubs.ok(tenMegabytes())),
        SEALED(SourceUnavailableException.class, VaultStubs.error(503, "Vault is sealed")),
        STANDBY_429(SourceThrottledException.class, VaultStubs.error(429)),
        REDIRECT_NOT_FOLLOWED(
                SourceUnavailableException.class,
                aResponse().withStatus(307).withHeader("Location", "http://127.0.0.1:9/v1/elsewhere")),
        ERROR_WITH_DATA(
                SourceUnavailableException.class,
                aResponse()
                        .withStatus(500)
                        .withBody("{\"errors\":[\"internal error\"],\"data\":{\"password\":\"" + KV_PASS + "\"}}"));

        final Class<? extends SecretException> expected;
        final ResponseDefinitionBuilder answer;

        BadAnswer(Class<? extends SecretException> expected, ResponseDefinitionBuilder answer) {
            this.expected = expected;
            this.answer = answer;
        }

        /** The event a refresh that met this answer publishes: a throttled one is not a failure of the store. */
        SecretEventType event() {
            return expected == SourceThrottledException.class
                    ? SecretEventType.THROTTLED
                    : SecretEventType.REFRESH_FAILED;
        }
    }

    private static String tenMegabytes() {
        StringBuilder sb = new StringBuilder(10 * 1024 * 1024 + 100).append("{\"data\":{\"data\":{");
        int i = 0;
        while (sb.length() < 10 * 1024 * 1024) {
            sb.append("\"k").append(i++).append("\":\"").append(KV_PASS).append("\",");
        }
        return sb.append("\"end\":\"x\"},\"metadata\":{\"version\":9}}}").toString();
    }

    @AfterEach
    void closeAndScan() {
        try {
            h.close();
            assertThat(leaks.capturesLogs()).as("log lines are captured").isTrue();
            assertThat(leaks.logLines())
                    .as("the capture saw Rotor's own logs")
                    .anySatisfy(line -> assertThat(line.split(" ", 3)[1]).startsWith("rotor.audit:"));
        } finally {
            leaks.close(); // fails on any planted value in what Rotor let out
        }
    }

    private void keep(Object... o) {
        leaks.check(o);
    }

    private void keepInventory() {
        List<InventoryEntry> inv = h.secrets.inventory();
        keep(inv);
        for (InventoryEntry entry : inv) {
            keep(entry.lastError(), entry.version());
        }
    }

    private Throwable failure(Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            keep(t);
            return t;
        }
        throw new AssertionError("expected the call to fail");
    }

    private Secret kept(Secret s) {
        keep(s);
        keep(s.lease());
        keep(s.version());
        keep(s.attributes());
        return s;
    }

    private void startAppRole() {
        h.stubs.appRoleLogin(TOKEN, 3600, true);
        h.start(h.sourceBuilder(VaultAuth.appRole("role", SECRET_ID)).readTimeout(READ_TIMEOUT), b -> b);
        keep(h.source);
        h.stubs.mount("secret", "kv", "2");
    }

    @ParameterizedTest
    @EnumSource(BadAnswer.class)
    void badAnswer_onRefresh_typedErrorNamingRefAndSource_cachedValueSurvives(BadAnswer bad) {
        startAppRole();
        h.stubs.kv2("secret", "app/db", 1, Map.of("password", KV_PASS));
        assertThat(h.secrets.value(REF)).isEqualTo(KV_PASS);

        h.wm.stubFor(get(urlPathEqualTo("/v1/secret/data/app/db")).atPriority(1).willReturn(bad.answer));
        Throwable t = failure(() -> h.secrets.refresh(REF));

        assertThat(t).isInstanceOf(bad.expected);
        assertThat(t.getMessage()).contains("vault:secret/app/db").contains("source=vault");
        assertThat(h.secrets.value(REF)).isEqualTo(KV_PASS);
        assertThat(h.events.ofType(bad.event())).isNotEmpty();
        keepInventory();
    }

    @ParameterizedTest
    @EnumSource(BadAnswer.class)
    void badAnswer_onFirstLoad_typedError(BadAnswer bad) {
        startAppRole();
        h.wm.stubFor(get(urlPathEqualTo("/v1/secret/data/app/db")).willReturn(bad.answer));

        Throwable t = failure(() -> h.secrets.get(REF));

        assertThat(t).isInstanceOf(bad.expected);
        keepInventory();
    }

    @ParameterizedTest
    @EnumSource(BadAnswer.class)
    void badAnswer_onLogin_authFailedEvent_typedError(BadAnswer bad) {
        h.wm.stubFor(post(urlEqualTo("/v1/auth/approle/login")).willReturn(bad.answer));
        h.start(h.sourceBuilder(VaultAuth.appRole("role", SECRET_ID)).readTimeout(READ_TIMEOUT), b -> b);

        Throwable t = failure(() -> h.secrets.get(REF));

        assertThat(t).isInstanceOf(SecretException.class);
        assertThat(((SecretException) t).isRetryable())
                .isEqualTo(SourceUnavailableException.class.isAssignableFrom(bad.expected));
        assertThat(h.events.ofType(SecretEventType.AUTH_FAILED)).isNotEmpty();
    }

    @ParameterizedTest
    @EnumSource(BadAnswer.class)
    void badAnswer_onLeaseRenewal_valueKeepsBeingServed(BadAnswer bad) {
        startAppRole();
        h.stubs.mount("database", "database", null);
        h.wm.stubFor(get(urlEqualTo("/v1/database/creds/app"))
                .willReturn(VaultStubs.ok(VaultStubs.leasedBody(
                        "database/creds/app/x", 3000, true, Map.of("username", DYN_USER, "password", DYN_PASS)))));
        h.wm.stubFor(put(urlEqualTo("/v1/sys/leases/renew")).willReturn(bad.answer));
        kept(h.secrets.get("vault:database/creds/app"));

        h.advance(Duration.ofSeconds(2001));

        assertThat(h.events.ofType(bad.event())).isNotEmpty();
        assertThat(h.secrets.value("vault:database/creds/app#password")).isEqualTo(DYN_PASS);
        keepInventory();
    }

    @Test
    void everyAuthMethodAndTokenPath_leaksNothing() throws Exception {
        Path jwt = dir.resolve("jwt");
        Files.writeString(jwt, JWT);
        keep(VaultAuth.appRole("role", SECRET_ID));
        keep(VaultAuth.appRoleWrapped("role", WRAP));
        keep(VaultAuth.token(TOKEN));
        keep(VaultAuth.userpass("dev", USERPASS));
        keep(VaultAuth.kubernetes("role", jwt));
        keep(VaultAuth.jwt("role", jwt));

        h.stubs.unwrapOnce(WRAP, UNWRAPPED);
        h.stubs.appRoleLogin(TOKEN, 300, true);
        h.stubs.renewSelf(TOKEN, 60);
        h.stubs.revokeSelf();
        h.start(VaultAuth.appRoleWrapped("role", WRAP));
        keep(h.source);
        h.stubs.mount("secret", "kv", "2");
        h.stubs.kv2("secret", "app/db", 1, Map.of("password", KV_PASS));
        kept(h.secrets.get("vault:secret/app/db"));
        h.advance(Duration.ofSeconds(201)); // renewal capped: re-login
        h.wm.stubFor(get(urlPathEqualTo("/v1/secret/data/app/other"))
                .willReturn(VaultStubs.error(403, "permission denied")));
        assertThat(failure(() -> h.secrets.get("vault:secret/app/other")))
                .isInstanceOf(SecretAccessDeniedException.class);
        keepInventory();
        h.secrets.close();
        assertThat(h.events.types()).contains(SecretEventType.AUTH_LOGIN, SecretEventType.AUTH_RENEWED);
    }

    @Test
    void tokenReplaced_leaseReissueFailingThenSucceeding_leaksNothing() {
        h.stubs.appRoleLogins(
                VaultStubs.ok(VaultStubs.authBody(TOKEN, 300, true)),
                VaultStubs.ok(VaultStubs.authBody(TOKEN_2, 3000, true)));
        h.stubs.renewSelf(TOKEN, 60); // max TTL: the session logs in again
        h.stubs.revokeSelf(); // on close: an unmatched request would have WireMock print the token it was sent
        h.stubs.mount("database", "database", null);
        h.stubs.leaseRevoke();
        String creds = "/v1/database/creds/app";
        h.wm.stubFor(get(urlEqualTo(creds))
                .inScenario("creds")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(VaultStubs.ok(VaultStubs.leasedBody(
                        "database/creds/app/L1", 86_400, true, Map.of("username", DYN_USER, "password", DYN_PASS))))
                .willSetStateTo("sealed"));
        h.wm.stubFor(get(urlEqualTo(creds))
                .inScenario("creds")
                .whenScenarioStateIs("sealed")
                .willReturn(VaultStubs.error(503, "Vault is sealed"))
                .willSetStateTo("unsealed"));
        h.wm.stubFor(get(urlEqualTo(creds))
                .inScenario("creds")
                .whenScenarioStateIs("unsealed")
                .willReturn(VaultStubs.ok(VaultStubs.leasedBody(
                        "database/creds/app/L2",
                        86_400,
                        true,
                        Map.of("username", DYN_USER + "-2", "password", DYN_PASS + "-2")))));
        h.start(VaultAuth.appRole("role", SECRET_ID));
        keep(h.source);
        kept(h.secrets.get("vault:database/creds/app"));

        h.advance(Duration.ofSeconds(201)); // new token; the re-issue fails once (sealed)
        assertThat(h.events.ofType(SecretEventType.REFRESH_FAILED)).isNotEmpty();
        h.advance(Duration.ofSeconds(2)); // the retry re-issues under the new token

        assertThat(h.secrets.value("vault:database/creds/app#username")).isEqualTo(DYN_USER + "-2");
        kept(h.secrets.get("vault:database/creds/app"));
        keepInventory();
        h.wm.verify(
                1,
                com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor(urlEqualTo("/v1/sys/leases/revoke")));
    }

    @Test
    void givenTokenRejected_andUserpass_leakNothing() {
        h.wm.stubFor(
                get(urlEqualTo("/v1/auth/token/lookup-self")).willReturn(VaultStubs.error(403, "permission denied")));
        h.start(VaultAuth.token(TOKEN_2));
        assertThat(failure(() -> h.secrets.get(REF))).isInstanceOf(SecretAccessDeniedException.class);

        VaultHarness other = new VaultHarness(leaks);
        try {
            other.stubs.login("auth/userpass/login/dev", TOKEN, 3600, true);
            other.start(VaultAuth.userpass("dev", USERPASS));
            keep(other.source);
            other.stubs.mount("secret", "kv", "2");
            other.stubs.kv2("secret", "app/db", 1, Map.of("password", KV_PASS));
            kept(other.secrets.get(REF));
        } finally {
            other.close();
        }
    }
}
