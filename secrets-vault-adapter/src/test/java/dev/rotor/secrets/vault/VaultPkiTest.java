package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.test.vault.TokenSpec;
import dev.rotor.secrets.tls.CertificateBundle;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Certificates issued by Vault's PKI secrets engine ({@code vault:pki/issue/<role>?common_name=...}), on the test kit's
 * Vault fake over HTTP on 127.0.0.1, with the client and the fake on one manual clock.
 */
class VaultPkiTest {
    private static final String REF = "vault:pki/issue/web?common_name=app.example.com"
            + "&alt_names=a.example.com,b.example.com&ip_sans=127.0.0.1&ttl=3h";
    // the engine's lease rules as they are by default, with the jitter drawn at the harness's fixed 0.5
    private static final RefreshPolicy JITTERED =
            RefreshPolicy.builder().spreadFirstRefresh(false).build();

    private FakeVaultHarness h;

    @BeforeEach
    void pki() {
        h = new FakeVaultHarness();
        h.vault.pkiMount("pki");
        h.vault.pkiRole("web", List.of("example.com"), true, Duration.ofHours(24));
        h.vault.policy("app", "pki/issue/web", "update");
    }

    @AfterEach
    void close() {
        h.close();
    }

    private VaultAuth auth() {
        return h.appRole(TokenSpec.policies("app").ttl(Duration.ofDays(10)).maxTtl(Duration.ofDays(30)));
    }

    private FakeVaultHarness start(boolean revoke) {
        return h.start(h.sourceBuilder(auth()).revokeReplacedCertificates(revoke), b -> b.refreshPolicy(JITTERED));
    }

    @Test
    void issue_isServedWithTheCertificatesValidityAsItsLease() {
        start(false);
        Instant now = h.scheduler.clock().now();

        Secret s = h.secrets.get(REF);

        CertificateBundle bundle = CertificateBundle.from(s);
        X509Certificate leaf = bundle.leaf();
        assertThat(s.fieldNames())
                .contains(
                        "certificate",
                        "private_key",
                        "private_key_type",
                        "issuing_ca",
                        "ca_chain",
                        "serial_number",
                        "expiration");
        assertThat(s.field("private_key_type")).contains("ec");
        assertThat(s.version()).isEqualTo(s.field("serial_number").orElseThrow());
        assertThat(h.vault.pkiIssued("pki")).containsExactly(s.version());
        assertThat(bundle.subject()).isEqualTo("CN=app.example.com");
        assertThat(bundle.caCertificates()).containsExactly(h.vault.pkiCaCertificate("pki"));
        Lease lease = s.lease().orElseThrow();
        assertThat(lease.issuedAt()).isEqualTo(leaf.getNotBefore().toInstant());
        assertThat(lease.expiresAt()).isEqualTo(leaf.getNotAfter().toInstant());
        assertThat(lease.expiresAt()).isEqualTo(now.plus(Duration.ofHours(3)));
        assertThat(lease.renewable()).isFalse();
        assertThat(lease.id())
                .as("no revocation handle unless revocation is on")
                .isEmpty();
        assertThat(s.field("expiration"))
                .contains(Long.toString(leaf.getNotAfter().toInstant().getEpochSecond()));
        assertThat(h.vault.count("POST", "pki/issue/web")).isEqualTo(1);
    }

    @Test
    void subjectAlternativeNames_areTheParametersAndTheCommonName() throws Exception {
        start(false);

        X509Certificate leaf = CertificateBundle.from(h.secrets.get(REF)).leaf();

        List<String> names = leaf.getSubjectAlternativeNames().stream()
                .map(n -> n.get(1).toString())
                .collect(Collectors.toList());
        assertThat(names).containsExactlyInAnyOrder("app.example.com", "a.example.com", "b.example.com", "127.0.0.1");
    }

    @Test
    void reissue_atTwoThirdsOfTheValidityLessJitter_servesTheNewCertificate() {
        start(false);
        Secret first = h.secrets.get(REF);
        Lease lease = first.lease().orElseThrow();
        long validity = lease.duration().toNanos();
        RefreshPolicy p = h.secrets.refreshPolicy(REF);
        assertThat(p.leaseJitter()).isGreaterThan(0);
        Instant soft = lease.issuedAt()
                .plusNanos((long) (validity * p.leaseFraction()) - (long) (0.5 * validity * p.leaseJitter()));

        h.scheduler.advanceTo(soft.minusSeconds(1));
        assertThat(h.vault.count("POST", "pki/issue/web")).isEqualTo(1);
        assertThat(h.secrets.get(REF).version()).isEqualTo(first.version());

        h.scheduler.advanceTo(soft.plusSeconds(1));
        Secret second = h.secrets.get(REF);
        assertThat(h.vault.count("POST", "pki/issue/web")).isEqualTo(2);
        assertThat(second.version()).isNotEqualTo(first.version());
        assertThat(CertificateBundle.from(second).serialNumber())
                .isNotEqualTo(CertificateBundle.from(first).serialNumber());
        assertThat(second.lease().orElseThrow().expiresAt()).isAfter(lease.expiresAt());
        assertThat(h.events.ofType(SecretEventType.ROTATED)).hasSize(1);
        assertThat(h.events.ofType(SecretEventType.RENEWED))
                .as("a certificate is re-issued, never renewed")
                .isEmpty();
        assertThat(h.vault.countPrefix("sys/leases")).isZero();
    }

    @Test
    void replacedCertificate_isRevokedBySerialAfterTheHandOver_whenConfigured() {
        h.vault.policy("app", "pki/revoke", "update");
        start(true);
        Secret first = h.secrets.get(REF);
        assertThat(first.lease().orElseThrow().id()).contains(first.version());

        h.scheduler.advanceTo(first.lease().orElseThrow().expiresAt().minus(Duration.ofMinutes(30)));

        Secret second = h.secrets.get(REF);
        assertThat(second.version()).isNotEqualTo(first.version());
        assertThat(h.vault.count("POST", "pki/revoke")).isEqualTo(1);
        assertThat(h.vault.revoked(first.version())).isTrue();
        assertThat(h.vault.revoked(second.version())).isFalse();
        assertThat(h.events.ofType(SecretEventType.REVOKED)).singleElement().satisfies(e -> assertThat(e.errorClass())
                .isEmpty());
    }

    @Test
    void replacedCertificate_isNotRevoked_byDefault() {
        h.vault.policy("app", "pki/revoke", "update");
        start(false);
        Secret first = h.secrets.get(REF);

        h.scheduler.advanceTo(first.lease().orElseThrow().expiresAt().minus(Duration.ofMinutes(30)));

        assertThat(h.secrets.get(REF).version()).isNotEqualTo(first.version());
        assertThat(h.vault.count("POST", "pki/revoke")).isZero();
        assertThat(h.vault.revoked(first.version())).isFalse();
        assertThat(h.events.ofType(SecretEventType.REVOKED)).isEmpty();
    }

    @Test
    void commonNameTheRoleRefuses_isATypedErrorNamingTheRef() {
        start(false);
        String ref = "vault:pki/issue/web?common_name=evil.org";

        assertThatThrownBy(() -> h.secrets.get(ref))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining(ref)
                .hasMessageContaining("not allowed by this role");
        assertThat(h.vault.pkiIssued("pki")).isEmpty();
    }

    @Test
    void altNameTheRoleRefuses_isATypedError() {
        start(false);

        assertThatThrownBy(() -> h.secrets.get("vault:pki/issue/web?common_name=app.example.com&alt_names=x.org"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("not allowed by this role");
    }

    @Test
    void ttlLongerThanTheRolesMax_isCappedAtIt() {
        start(false);
        Instant now = h.scheduler.clock().now();

        Secret s = h.secrets.get("vault:pki/issue/web?common_name=app.example.com&ttl=72h");

        assertThat(CertificateBundle.from(s).notAfter()).isEqualTo(now.plus(Duration.ofHours(24)));
        assertThat(s.lease().orElseThrow().expiresAt()).isEqualTo(now.plus(Duration.ofHours(24)));
    }

    @Test
    void withoutTtl_theRolesDefaultApplies() {
        start(false);
        Instant now = h.scheduler.clock().now();

        Secret s = h.secrets.get("vault:pki/issue/web?common_name=app.example.com");

        assertThat(s.lease().orElseThrow().expiresAt()).isEqualTo(now.plus(Duration.ofHours(24)));
    }

    @Test
    void pkcs8KeyFormat_isAskedForAndRead() {
        start(false);

        Secret s = h.secrets.get("vault:pki/issue/web?common_name=app.example.com&private_key_format=pkcs8");

        assertThat(s.field("private_key").orElseThrow()).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(CertificateBundle.from(s).keyAlgorithm()).isEqualTo("EC");
        Secret sec1 = h.secrets.get("vault:pki/issue/web?common_name=b.example.com");
        assertThat(sec1.field("private_key").orElseThrow()).startsWith("-----BEGIN EC PRIVATE KEY-----");
    }

    @Test
    void withoutUpdateOnTheIssuePath_accessIsDenied() {
        start(false);

        assertThatThrownBy(() -> h.secrets.get("vault:pki/issue/other?common_name=app.example.com"))
                .isInstanceOf(SecretAccessDeniedException.class)
                .hasMessageContaining("vault:pki/issue/other");
    }

    @Test
    void issueRefWithoutCommonName_failsBeforeAnyIssue() {
        start(false);

        assertThatThrownBy(() -> h.secrets.get("vault:pki/issue/web"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("common_name");
        assertThat(h.vault.count("POST", "pki/issue/web")).isZero();
    }

    @Test
    void pkiParameterOnAKvRef_isAConfigurationError() {
        h.vault.policy("app", "secret/data/*", "read");
        h.vault.kvPut("secret", "app", java.util.Map.of("k", "v"));
        start(false);

        assertThatThrownBy(() -> h.secrets.get("vault:secret/app?common_name=app.example.com"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("common_name");
    }
}
