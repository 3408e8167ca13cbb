package dev.rotor.secrets.vault;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEventType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VaultLeaseTest {
    private static final String CREDS = "/v1/database/creds/app";
    private final VaultHarness h = new VaultHarness();

    @BeforeEach
    void login() {
        h.stubs.appRoleLogin("s.lease", 86_400, true);
        h.stubs.renewSelf("s.lease", 86_400);
        h.stubs.mount("database", "database", null);
        h.stubs.leaseRevoke();
    }

    @AfterEach
    void close() {
        h.close();
    }

    private void creds(String state, String next, String leaseId, long ttl, String user) {
        var b = get(urlEqualTo(CREDS)).inScenario("creds").whenScenarioStateIs(state);
        if (next != null) {
            b = b.willSetStateTo(next);
        }
        h.wm.stubFor(b.willReturn(VaultStubs.ok(
                VaultStubs.leasedBody(leaseId, ttl, true, Map.of("username", user, "password", "pw-" + user)))));
    }

    @Test
    void dynamicRead_isLeased_leaseIdIsTheVersion() {
        creds(Scenario.STARTED, null, "database/creds/app/L1", 3600, "u1");
        h.start(VaultAuth.appRole("role", "sid"));

        Secret s = h.secrets.get("vault:database/creds/app");

        assertThat(s.version()).isEqualTo("database/creds/app/L1");
        Lease l = s.lease().orElseThrow();
        assertThat(l.id()).contains("database/creds/app/L1");
        assertThat(l.duration()).isEqualTo(Duration.ofHours(1));
        assertThat(l.renewable()).isTrue();
        assertThat(s.field("username")).contains("u1");
    }

    @Test
    void lease_isRenewedAtTwoThirds_withIncrement() {
        creds(Scenario.STARTED, null, "database/creds/app/L1", 3000, "u1");
        h.stubs.leaseRenew("database/creds/app/L1", 3000);
        h.start(VaultAuth.appRole("role", "sid"));
        h.secrets.get("vault:database/creds/app");

        h.advance(Duration.ofSeconds(2001));

        h.wm.verify(
                1,
                putRequestedFor(urlEqualTo("/v1/sys/leases/renew"))
                        .withRequestBody(matchingJsonPath("$.lease_id", equalTo("database/creds/app/L1")))
                        .withRequestBody(matchingJsonPath("$.increment", equalTo("3000"))));
        assertThat(h.events.ofType(SecretEventType.RENEWED)).hasSize(1);
        h.wm.verify(1, getRequestedFor(urlEqualTo(CREDS)));
    }

    @Test
    void renewalShrinkingTtl_rotatesEarly_thenRevokesTheOldLease() {
        creds(Scenario.STARTED, "second", "database/creds/app/L1", 3000, "u1");
        creds("second", null, "database/creds/app/L2", 3000, "u2");
        h.stubs.leaseRenew("database/creds/app/L1", 500);
        h.start(VaultAuth.appRole("role", "sid"));
        h.secrets.get("vault:database/creds/app");

        h.advance(Duration.ofSeconds(2001));

        Secret now = h.secrets.get("vault:database/creds/app");
        assertThat(now.field("username")).contains("u2");
        assertThat(h.events.ofType(SecretEventType.ROTATED)).hasSize(1);
        h.wm.verify(
                1,
                putRequestedFor(urlEqualTo("/v1/sys/leases/revoke"))
                        .withRequestBody(matchingJsonPath("$.lease_id", equalTo("database/creds/app/L1"))));
    }

    @Test
    void renewal_leaseNotFound_reissuesNewCredentials() {
        creds(Scenario.STARTED, "second", "database/creds/app/L1", 3000, "u1");
        creds("second", null, "database/creds/app/L2", 3000, "u2");
        h.wm.stubFor(put(urlEqualTo("/v1/sys/leases/renew")).willReturn(VaultStubs.error(400, "lease not found")));
        h.start(VaultAuth.appRole("role", "sid"));
        h.secrets.get("vault:database/creds/app");

        h.advance(Duration.ofSeconds(2001));

        assertThat(h.secrets.get("vault:database/creds/app").field("username")).contains("u2");
        h.wm.verify(2, getRequestedFor(urlEqualTo(CREDS)));
    }

    @Test
    void sealedVaultDuringRenewal_readsKeepBeingServed_andRenewalIsRetried() {
        creds(Scenario.STARTED, null, "database/creds/app/L1", 3000, "u1");
        h.wm.stubFor(put(urlEqualTo("/v1/sys/leases/renew"))
                .inScenario("seal")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(VaultStubs.error(503, "Vault is sealed"))
                .willSetStateTo("unsealed"));
        h.wm.stubFor(put(urlEqualTo("/v1/sys/leases/renew"))
                .inScenario("seal")
                .whenScenarioStateIs("unsealed")
                .willReturn(VaultStubs.ok(VaultStubs.leaseRenewBody("database/creds/app/L1", 3000))));
        h.start(VaultAuth.appRole("role", "sid"));
        h.secrets.get("vault:database/creds/app");

        h.advance(Duration.ofSeconds(2001));

        assertThat(h.events.ofType(SecretEventType.REFRESH_FAILED)).hasSize(1);
        assertThat(h.events.ofType(SecretEventType.REFRESH_FAILED).get(0).errorClass())
                .contains("dev.rotor.secrets.SourceUnavailableException");
        assertThat(h.secrets.value("vault:database/creds/app#username")).isEqualTo("u1");

        h.advance(Duration.ofSeconds(31));

        assertThat(h.events.ofType(SecretEventType.RENEWED)).hasSize(1);
        assertThat(h.secrets.value("vault:database/creds/app#username")).isEqualTo("u1");
    }

    @Test
    void staticRole_isReadAgainJustAfterVaultRotates() {
        h.wm.stubFor(get(urlEqualTo("/v1/database/static-creds/app"))
                .inScenario("static")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(VaultStubs.ok(
                        VaultStubs.staticCredsBody("app", "pw-before", 600, 3600, "2026-11-25T09:00:00.000000Z")))
                .willSetStateTo("rotated"));
        h.wm.stubFor(get(urlEqualTo("/v1/database/static-creds/app"))
                .inScenario("static")
                .whenScenarioStateIs("rotated")
                .willReturn(VaultStubs.ok(
                        VaultStubs.staticCredsBody("app", "pw-after", 3600, 3600, "2026-11-25T09:10:00.000000Z"))));
        h.start(VaultAuth.appRole("role", "sid"));
        Instant t0 = h.scheduler.clock().now();

        Secret s = h.secrets.get("vault:database/static-creds/app");
        assertThat(s.fieldNames()).containsExactly("password", "username");
        assertThat(s.lease().orElseThrow().rotationPeriod()).contains(Duration.ofHours(1));
        assertThat(s.nextRotation()).contains(t0.plusSeconds(600));

        h.advance(Duration.ofSeconds(600));
        h.wm.verify(1, getRequestedFor(urlEqualTo("/v1/database/static-creds/app")));
        h.advance(Duration.ofSeconds(11)); // afterRotationDelay 5 s plus up to the same again as jitter

        h.wm.verify(2, getRequestedFor(urlEqualTo("/v1/database/static-creds/app")));
        assertThat(h.secrets.value("vault:database/static-creds/app#password")).isEqualTo("pw-after");
        h.wm.verify(0, putRequestedFor(urlEqualTo("/v1/sys/leases/renew")));
    }

    @Test
    void tokenReplaced_leaseIssuedUnderOldToken_isReissuedNotRenewed() {
        h.wm.resetMappings();
        h.stubs.mount("database", "database", null);
        h.stubs.leaseRevoke();
        h.wm.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(urlEqualTo("/v1/auth/approle/login"))
                .willReturn(VaultStubs.ok(VaultStubs.authBody("s.t", 2400, false))));
        creds(Scenario.STARTED, "second", "database/creds/app/L1", 6000, "u1");
        creds("second", null, "database/creds/app/L2", 6000, "u2");
        h.stubs.leaseRenew("database/creds/app/L1", 6000);
        h.start(VaultAuth.appRole("role", "sid"));
        h.secrets.get("vault:database/creds/app");

        h.advance(Duration.ofSeconds(1601)); // token (2400 s, not renewable) replaced by a new login
        h.advance(Duration.ofSeconds(2400)); // lease soft deadline at 4000 s

        h.wm.verify(0, putRequestedFor(urlEqualTo("/v1/sys/leases/renew")));
        assertThat(h.secrets.value("vault:database/creds/app#username")).isEqualTo("u2");
    }

    private void twoLogins(String first, String second, long ttl) {
        h.stubs.appRoleLogins(
                VaultStubs.ok(VaultStubs.authBody(first, ttl, true)),
                VaultStubs.ok(VaultStubs.authBody(second, ttl, true)));
    }

    @Test
    void tokenReplacedAtMaxTtl_dynamicSecretIsReissuedAtOnceUnderTheNewToken_andOldLeaseRevokedWithIt() {
        h.wm.resetMappings();
        h.stubs.mount("database", "database", null);
        h.stubs.leaseRevoke();
        twoLogins("s.one", "s.two", 3000);
        h.stubs.renewSelf("s.one", 600); // max TTL reached: less than two thirds of 3000 s left
        h.stubs.renewSelf("s.two", 3000);
        h.wm.stubFor(get(urlEqualTo(CREDS))
                .inScenario("creds")
                .whenScenarioStateIs(Scenario.STARTED)
                .withHeader("X-Vault-Token", equalTo("s.one"))
                .willReturn(VaultStubs.ok(VaultStubs.leasedBody(
                        "database/creds/app/L1", 86_400, true, Map.of("username", "u1", "password", "pw-u1"))))
                .willSetStateTo("second"));
        h.wm.stubFor(get(urlEqualTo(CREDS))
                .inScenario("creds")
                .whenScenarioStateIs("second")
                .withHeader("X-Vault-Token", equalTo("s.two"))
                .willReturn(VaultStubs.ok(VaultStubs.leasedBody(
                        "database/creds/app/L2", 86_400, true, Map.of("username", "u2", "password", "pw-u2")))));
        h.start(VaultAuth.appRole("role", "sid"));
        assertThat(h.secrets.value("vault:database/creds/app#username")).isEqualTo("u1");

        h.advance(Duration.ofSeconds(2001)); // token one's renewal is capped: the session logs in (token two)

        h.wm.verify(2, postRequestedFor(urlEqualTo("/v1/auth/approle/login")));
        h.wm.verify(1, getRequestedFor(urlEqualTo(CREDS)).withHeader("X-Vault-Token", equalTo("s.two")));
        assertThat(h.secrets.value("vault:database/creds/app#username")).isEqualTo("u2");
        assertThat(h.events.ofType(SecretEventType.ROTATED)).singleElement().satisfies(e -> assertThat(e.detail())
                .contains("reissue"));
        h.wm.verify(
                1,
                putRequestedFor(urlEqualTo("/v1/sys/leases/revoke"))
                        .withHeader("X-Vault-Token", equalTo("s.two"))
                        .withRequestBody(matchingJsonPath("$.lease_id", equalTo("database/creds/app/L1"))));
        h.wm.verify(0, putRequestedFor(urlEqualTo("/v1/sys/leases/renew")));
    }

    @Test
    void tokenReplaced_staticRoleAndKvSecrets_areNotFetchedAgain() {
        h.wm.resetMappings();
        h.stubs.mount("database", "database", null);
        h.stubs.mount("kv", "kv", "1");
        h.stubs.leaseRevoke();
        twoLogins("s.one", "s.two", 3000);
        h.stubs.renewSelf("s.one", 600);
        h.stubs.renewSelf("s.two", 3000);
        h.wm.stubFor(get(urlEqualTo("/v1/database/static-creds/app"))
                .willReturn(VaultStubs.ok(VaultStubs.staticCredsBody(
                        "app", "pw-static", 86_400, 86_400, "2026-11-25T09:00:00.000000Z"))));
        h.stubs.kv1("kv/app/api", Map.of("key", "k1"));
        creds(Scenario.STARTED, "second", "database/creds/app/L1", 86_400, "u1");
        creds("second", null, "database/creds/app/L2", 86_400, "u2");
        h.start(
                h.sourceBuilder(VaultAuth.appRole("role", "sid")),
                b -> b.refreshPolicy(VaultHarness.POLICY
                        .newBuilder()
                        .pollInterval(Duration.ofHours(2))
                        .build()));
        h.secrets.get("vault:database/static-creds/app");
        h.secrets.get("vault:kv/app/api");
        h.secrets.get("vault:database/creds/app");

        h.advance(Duration.ofSeconds(2001));

        assertThat(h.secrets.value("vault:database/creds/app#username")).isEqualTo("u2");
        h.wm.verify(1, getRequestedFor(urlEqualTo("/v1/database/static-creds/app")));
        h.wm.verify(1, getRequestedFor(urlEqualTo("/v1/kv/app/api")));
    }

    @Test
    void givenTokenWithExplicitMaxTtlShorterThanTheLease_warnsAtFirstRead() {
        List<ILoggingEvent> warnings = captureWarnings(() -> {
            h.wm.resetMappings();
            h.stubs.mount("database", "database", null);
            long created = h.scheduler.clock().now().getEpochSecond();
            h.stubs.lookupSelf("s.given", 600, true, 1200, created);
            creds(Scenario.STARTED, null, "database/creds/app/L1", 3600, "u1");
            h.start(VaultAuth.token("s.given"));

            h.secrets.get("vault:database/creds/app");
        });

        assertThat(warnings).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .contains("vault:database/creds/app")
                .contains("max TTL"));
    }

    @Test
    void givenTokenWithExplicitMaxTtlLongerThanTheLease_doesNotWarn() {
        List<ILoggingEvent> warnings = captureWarnings(() -> {
            h.wm.resetMappings();
            h.stubs.mount("database", "database", null);
            long created = h.scheduler.clock().now().getEpochSecond();
            h.stubs.lookupSelf("s.given", 600, true, 7200, created);
            creds(Scenario.STARTED, null, "database/creds/app/L1", 3600, "u1");
            h.start(VaultAuth.token("s.given"));

            h.secrets.get("vault:database/creds/app");
        });

        assertThat(warnings).isEmpty();
    }

    @Test
    void renewableLoginToken_maxTtlNotInTheAnswer_doesNotGuessAWarning() {
        List<ILoggingEvent> warnings = captureWarnings(() -> {
            h.wm.resetMappings();
            h.stubs.mount("database", "database", null);
            h.stubs.appRoleLogin("s.renewable", 600, true); // lease_duration is the TTL now, not the max TTL
            creds(Scenario.STARTED, null, "database/creds/app/L1", 3600, "u1");
            h.start(VaultAuth.appRole("role", "sid"));

            h.secrets.get("vault:database/creds/app");
        });

        assertThat(warnings).isEmpty();
    }

    private static List<ILoggingEvent> captureWarnings(Runnable run) {
        ch.qos.logback.classic.Logger log =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.rotor.secrets.vault");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        log.addAppender(appender);
        try {
            run.run();
        } finally {
            log.detachAppender(appender);
        }
        return appender.list.stream()
                .filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                .collect(java.util.stream.Collectors.toList());
    }

    @Test
    void leaseOutlivingTheToken_warnsOnceAtFirstRead() {
        ch.qos.logback.classic.Logger log =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.rotor.secrets.vault");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        log.addAppender(appender);
        try {
            h.wm.resetMappings();
            h.stubs.mount("database", "database", null);
            h.stubs.appRoleLogin("s.short", 600, false);
            creds(Scenario.STARTED, null, "database/creds/app/L1", 3600, "u1");
            h.start(VaultAuth.appRole("role", "sid"));

            h.secrets.get("vault:database/creds/app");
            h.secrets.refresh("vault:database/creds/app");

            assertThat(appender.list)
                    .filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                    .singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage())
                            .contains("vault:database/creds/app")
                            .contains("max TTL"));
        } finally {
            log.detachAppender(appender);
        }
    }
}
