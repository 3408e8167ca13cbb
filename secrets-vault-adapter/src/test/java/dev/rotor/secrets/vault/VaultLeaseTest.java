package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.test.vault.TokenSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Dynamic leases (renew, rotate early, revoke), static roles, and leases across token changes, on the Vault fake. */
class VaultLeaseTest {
    private static final String REF = "vault:database/creds/app";
    private final FakeVaultHarness h = new FakeVaultHarness();

    @BeforeEach
    void policy() {
        h.vault.policy("app", "database/*", "read");
        h.vault.policy("app", "kv/*", "read");
        h.vault.policy("app", "sys/leases/revoke", "update");
    }

    @AfterEach
    void close() {
        h.close();
    }

    private void startWithDayLongToken() {
        h.start(h.appRole(TokenSpec.policies("app").ttl(Duration.ofDays(1))));
    }

    private static String leaseId(Secret s) {
        return s.lease().orElseThrow().id().orElseThrow();
    }

    @Test
    void dynamicRead_isLeased_theLeaseIdStaysInTheLease_theVersionIsOpaque() {
        h.vault.databaseRole("app", Duration.ofHours(1), Duration.ofHours(24));
        startWithDayLongToken();

        Secret s = h.secrets.get(REF);

        Lease l = s.lease().orElseThrow();
        assertThat(l.id()).hasValueSatisfying(id -> assertThat(id).startsWith("database/creds/app/"));
        assertThat(s.version()).matches("[0-9a-f]{16}");
        assertThat(l.duration()).isEqualTo(Duration.ofHours(1));
        assertThat(l.renewable()).isTrue();
        assertThat(s.field("username")).isPresent();
        assertThat(h.vault.activeLeases()).containsExactly(leaseId(s));
    }

    @Test
    void dynamicSecret_versionInventoryAndEvents_neverHoldTheLeaseId() {
        h.vault.databaseRole("app", Duration.ofHours(1), Duration.ofHours(24));
        startWithDayLongToken();

        Secret s = h.secrets.get(REF);
        String lease = leaseId(s);
        String random = lease.substring(lease.lastIndexOf('/') + 1);
        h.advance(Duration.ofMinutes(41)); // renewed at two thirds: a RENEWED event

        assertThat(s.version()).doesNotContain(random);
        InventoryEntry entry = h.secrets.inventory().stream()
                .filter(e -> e.ref().path().equals("database/creds/app"))
                .findFirst()
                .orElseThrow();
        assertThat(entry.version()).contains(s.version());
        assertThat(entry.toString()).doesNotContain(random);
        assertThat(h.events.ofType(SecretEventType.RENEWED)).isNotEmpty();
        assertThat(h.events.events()).allSatisfy(e -> assertThat(e.toString()).doesNotContain(random));
    }

    @Test
    void dynamicSecret_aNewLease_isANewVersion() {
        h.vault.databaseRole("app", Duration.ofHours(1), Duration.ofHours(24));
        startWithDayLongToken();
        Secret first = h.secrets.get(REF);

        Secret second = h.secrets.refresh(REF);

        assertThat(leaseId(second)).isNotEqualTo(leaseId(first));
        assertThat(second.version()).isNotEqualTo(first.version()).matches("[0-9a-f]{16}");
    }

    @Test
    void lease_isRenewedAtTwoThirds_byItsWholeDuration() {
        h.vault.databaseRole("app", Duration.ofSeconds(3000), Duration.ofHours(24));
        startWithDayLongToken();
        h.secrets.get(REF);

        h.advance(Duration.ofSeconds(1999));
        assertThat(h.vault.count("PUT", "sys/leases/renew")).isZero();
        h.advance(Duration.ofSeconds(2));

        assertThat(h.vault.count("PUT", "sys/leases/renew")).isEqualTo(1);
        assertThat(h.events.ofType(SecretEventType.RENEWED)).hasSize(1);
        assertThat(h.secrets.get(REF).lease().orElseThrow().expiresAt())
                .as("the increment asked for the lease's whole duration, and Vault granted it")
                .isEqualTo(h.scheduler.clock().now().plusSeconds(3000 - 1));
        assertThat(h.vault.count("GET", "database/creds/app")).isEqualTo(1);
    }

    @Test
    void renewalCappedByTheLeasesMaxTtl_rotatesEarly_thenRevokesTheOldLease() {
        h.vault.databaseRole("app", Duration.ofSeconds(3000), Duration.ofSeconds(3500));
        startWithDayLongToken();
        Secret first = h.secrets.get(REF);
        String user = first.field("username").orElseThrow();
        String lease = leaseId(first);

        h.advance(Duration.ofSeconds(2001));

        Secret now = h.secrets.get(REF);
        assertThat(now.field("username")).isPresent().isNotEqualTo(java.util.Optional.of(user));
        assertThat(h.events.ofType(SecretEventType.ROTATED)).hasSize(1);
        assertThat(h.vault.leaseActive(lease)).isFalse();
        assertThat(h.vault.activeLeases()).containsExactly(leaseId(now));
    }

    @Test
    void sealedVaultDuringRenewal_readsKeepBeingServed_andRenewalIsRetried() {
        h.vault.databaseRole("app", Duration.ofSeconds(3000), Duration.ofHours(24));
        startWithDayLongToken();
        String user = h.secrets.get(REF).field("username").orElseThrow();
        h.vault.seal();

        h.advance(Duration.ofSeconds(2000).plusMillis(100)); // the renewal falls due at 2000 s

        assertThat(h.events.ofType(SecretEventType.REFRESH_FAILED)).hasSize(1);
        assertThat(h.events.ofType(SecretEventType.REFRESH_FAILED).get(0).errorClass())
                .contains("dev.rotor.secrets.SourceUnavailableException");
        assertThat(h.secrets.value(REF + "#username")).isEqualTo(user);

        h.vault.unseal();
        h.advance(Duration.ofSeconds(31));

        assertThat(h.events.ofType(SecretEventType.RENEWED)).hasSize(1);
        assertThat(h.secrets.value(REF + "#username")).isEqualTo(user);
    }

    @Test
    void staticRole_isReadAgainJustAfterVaultRotates() {
        h.vault.databaseStaticRole("static-app", "app", Duration.ofHours(1));
        h.advance(Duration.ofSeconds(3000)); // the role was rotated 50 minutes before the application starts
        startWithDayLongToken();
        Instant t0 = h.scheduler.clock().now();

        Secret s = h.secrets.get("vault:database/static-creds/static-app");
        assertThat(s.fieldNames()).containsExactly("password", "username");
        assertThat(s.lease().orElseThrow().rotationPeriod()).contains(Duration.ofHours(1));
        assertThat(s.nextRotation()).contains(t0.plusSeconds(600));

        h.advance(Duration.ofSeconds(600));
        assertThat(h.vault.count("GET", "database/static-creds/static-app")).isEqualTo(1);
        h.advance(Duration.ofSeconds(11)); // afterRotationDelay 5 s plus up to the same again as jitter

        assertThat(h.vault.count("GET", "database/static-creds/static-app")).isEqualTo(2);
        assertThat(h.secrets.value("vault:database/static-creds/static-app#password"))
                .isEqualTo(h.vault.staticRolePassword("static-app"))
                .isNotEqualTo(s.field("password").orElseThrow());
        assertThat(h.vault.count("PUT", "sys/leases/renew")).isZero();
    }

    @Test
    void tokenReplaced_leaseIssuedUnderOldToken_isReissuedNotRenewed() {
        h.vault.databaseRole("app", Duration.ofSeconds(6000), Duration.ofHours(24));
        h.start(h.appRole(
                TokenSpec.policies("app").ttl(Duration.ofSeconds(2400)).renewable(false)));
        String user = h.secrets.get(REF).field("username").orElseThrow();

        h.advance(Duration.ofSeconds(1601)); // token (2400 s, not renewable) replaced by a new login
        h.advance(Duration.ofSeconds(2400)); // past the lease's soft deadline at 4000 s

        assertThat(h.vault.count("PUT", "sys/leases/renew")).isZero();
        assertThat(h.secrets.value(REF + "#username")).isNotEqualTo(user);
        assertThat(h.vault.activeLeases()).containsExactly(leaseId(h.secrets.get(REF)));
    }

    @Test
    void tokenReplacedAtMaxTtl_dynamicSecretIsReissuedAtOnceUnderTheNewToken_andOldLeaseRevokedWithIt() {
        h.vault.databaseRole("app", Duration.ofDays(1), Duration.ofDays(2));
        h.start(h.appRole(
                TokenSpec.policies("app").ttl(Duration.ofSeconds(3000)).maxTtl(Duration.ofSeconds(3600))));
        Secret first = h.secrets.get(REF);
        String user = first.field("username").orElseThrow();
        String lease = leaseId(first);

        h.advance(Duration.ofSeconds(2001)); // the renewal is capped at the max TTL: the session logs in again

        assertThat(h.vault.logins()).isEqualTo(2);
        assertThat(h.vault.count("GET", "database/creds/app")).isEqualTo(2);
        Secret now = h.secrets.get(REF);
        assertThat(now.field("username")).isPresent().isNotEqualTo(java.util.Optional.of(user));
        assertThat(h.events.ofType(SecretEventType.ROTATED)).singleElement().satisfies(e -> assertThat(e.detail())
                .contains("reissue"));
        assertThat(h.vault.leaseActive(lease)).isFalse();
        assertThat(h.vault.activeLeases()).containsExactly(leaseId(now));
        assertThat(h.vault.count("PUT", "sys/leases/renew")).isZero();
    }

    @Test
    void tokenReplaced_staticRoleAndKvSecrets_areNotFetchedAgain() {
        h.vault.databaseRole("app", Duration.ofDays(1), Duration.ofDays(2));
        h.vault.databaseStaticRole("static-app", "app", Duration.ofDays(1));
        h.vault.kvMount("kv", 1);
        h.vault.kvPut("kv", "app/api", Map.of("key", "k1"));
        h.start(
                h.sourceBuilder(h.appRole(
                        TokenSpec.policies("app").ttl(Duration.ofSeconds(3000)).maxTtl(Duration.ofSeconds(3600)))),
                b -> b.refreshPolicy(VaultHarness.POLICY
                        .newBuilder()
                        .pollInterval(Duration.ofHours(2))
                        .build()));
        h.secrets.get("vault:database/static-creds/static-app");
        h.secrets.get("vault:kv/app/api");
        String user = h.secrets.get(REF).field("username").orElseThrow();

        h.advance(Duration.ofSeconds(2001));

        assertThat(h.secrets.value(REF + "#username")).isNotEqualTo(user);
        assertThat(h.vault.count("GET", "database/static-creds/static-app")).isEqualTo(1);
        assertThat(h.vault.count("GET", "kv/app/api")).isEqualTo(1);
    }

    @Test
    void givenTokenWithExplicitMaxTtlShorterThanTheLease_warnsAtFirstRead() {
        h.vault.databaseRole("app", Duration.ofHours(1), Duration.ofHours(24));
        String token = h.vault.createToken(
                TokenSpec.policies("app").ttl(Duration.ofSeconds(600)).explicitMaxTtl(Duration.ofSeconds(1200)));
        List<ILoggingEvent> warnings = captureWarnings(() -> {
            h.start(VaultAuth.token(token));
            h.secrets.get(REF);
        });

        assertThat(warnings).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .contains("vault:database/creds/app")
                .contains("max TTL"));
    }

    @Test
    void givenTokenWithExplicitMaxTtlLongerThanTheLease_doesNotWarn() {
        h.vault.databaseRole("app", Duration.ofHours(1), Duration.ofHours(24));
        String token = h.vault.createToken(
                TokenSpec.policies("app").ttl(Duration.ofSeconds(600)).explicitMaxTtl(Duration.ofSeconds(7200)));
        List<ILoggingEvent> warnings = captureWarnings(() -> {
            h.start(VaultAuth.token(token));
            h.secrets.get(REF);
        });

        assertThat(warnings).isEmpty();
    }

    @Test
    void renewableLoginToken_maxTtlNotInTheAnswer_doesNotGuessAWarning() {
        h.vault.databaseRole("app", Duration.ofHours(1), Duration.ofHours(24));
        // the login answers the TTL (600 s), not the max TTL
        VaultAuth auth = h.appRole(TokenSpec.policies("app").ttl(Duration.ofSeconds(600)));
        List<ILoggingEvent> warnings = captureWarnings(() -> {
            h.start(auth);
            h.secrets.get(REF);
        });

        assertThat(warnings).isEmpty();
    }

    @Test
    void leaseOutlivingANonRenewableToken_warnsOnceAtFirstRead() {
        h.vault.databaseRole("app", Duration.ofHours(1), Duration.ofHours(24));
        VaultAuth auth =
                h.appRole(TokenSpec.policies("app").ttl(Duration.ofSeconds(600)).renewable(false));
        List<ILoggingEvent> warnings = captureWarnings(() -> {
            h.start(auth);
            h.secrets.get(REF);
            h.secrets.refresh(REF);
        });

        assertThat(warnings).singleElement().satisfies(e -> assertThat(e.getFormattedMessage())
                .contains("vault:database/creds/app")
                .contains("max TTL"));
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
}
