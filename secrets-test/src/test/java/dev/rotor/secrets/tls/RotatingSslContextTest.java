package dev.rotor.secrets.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.security.KeyManagementException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RotatingSslContext} on the manual clock: the builder fails fast naming the option; the key manager keeps a
 * handshake's alias resolving to one version across a hand-over; the trust manager keeps a dropped CA for the overlap,
 * never past its own end; an encrypted key is read with a password from another secret.
 */
class RotatingSslContextTest {
    private static final String KEY = "mem:pki/api";
    private static final String CA = "mem:pki/ca";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final Instant t0 = scheduler.clock().now();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    // wide windows: the trust manager's PKIX checks run on the system clock, the bundles' checks on the manual one
    private final Instant from = t0.minus(Duration.ofDays(30));
    private final Instant until = Instant.now().plus(Duration.ofDays(365));
    private final TestPki.Issued ca1 = TestPki.ca("Rotor CA 1", from, until);
    private final TestPki.Issued ca2 = TestPki.ca("Rotor CA 2", from, until);
    private final Secrets secrets = Secrets.builder()
            .source(source)
            .discoverSources(false)
            .scheduler(scheduler)
            .executor(ManualScheduler.directExecutor())
            .build();

    @AfterEach
    void close() {
        secrets.close();
    }

    @Test
    void builder_failsFast_namingTheMissingOrConflictingOption() {
        assertThatThrownBy(() -> RotatingSslContext.builder(secrets).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("needs keyMaterial(ref), trust(ref) or both");
        assertThatThrownBy(() -> RotatingSslContext.builder(secrets)
                        .trust(CA)
                        .keyPassword("mem:pki/password")
                        .build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("keyPassword(ref) is set but keyMaterial(ref) is not");
        assertThatThrownBy(() -> RotatingSslContext.builder(secrets)
                        .keyMaterial(KEY)
                        .trustOverlap(Duration.ofHours(1))
                        .build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("trustOverlap is set but trust(ref) is not");
        assertThatThrownBy(() -> RotatingSslContext.builder(secrets).trustOverlap(Duration.ofSeconds(-1)))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("trustOverlap must not be negative");
        source.putFields("pki/ca", Map.of("ca.crt", ca1.certPem()));
        assertThatThrownBy(() -> RotatingSslContext.builder(secrets)
                        .trust(CA)
                        .protocol("TLSv9")
                        .build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("protocol 'TLSv9' is not supported");
    }

    @Test
    void sslContext_cannotBeInitialisedAgain() {
        source.putFields("pki/ca", Map.of("ca.crt", ca1.certPem()));
        try (RotatingSslContext tls =
                RotatingSslContext.builder(secrets).trust(CA).build()) {
            assertThatThrownBy(() -> tls.sslContext().init(null, null, null))
                    .isInstanceOf(KeyManagementException.class)
                    .hasMessageContaining("set up by Rotor");
            assertThat(tls.keyManager().chooseServerAlias("EC", null, null)).isNull(); // a trust-only context
        }
    }

    @Test
    void keyManager_anAliasChosenBeforeAHandOver_stillResolvesToOneVersion() {
        TestPki.Issued one = TestPki.leaf(ca1, "api", from, until);
        source.putFields("pki/api", one.kubernetes(ca1));
        try (RotatingSslContext tls =
                RotatingSslContext.builder(secrets).keyMaterial(KEY).build()) {
            X509ExtendedKeyManager km = tls.keyManager();
            String alias = km.chooseEngineServerAlias("EC", null, null);
            assertThat(km.chooseEngineServerAlias("RSA", null, null))
                    .as("an EC key serves no RSA suite")
                    .isNull();
            assertThat(km.chooseEngineClientAlias(new String[] {"RSA", "EC"}, null, null))
                    .isEqualTo(alias);

            TestPki.Issued two = TestPki.leaf(ca1, "api", from, until);
            source.putFields("pki/api", two.kubernetes(ca1));
            secrets.refresh(KEY);
            // the handshake that chose its alias before the swap gets that version's chain and key together
            assertThat(km.getCertificateChain(alias)[0]).isEqualTo(one.certificate);
            assertThat(km.getPrivateKey(alias).getEncoded())
                    .isEqualTo(one.keys.getPrivate().getEncoded());
            String next = km.chooseServerAlias("EC_EC", null, null);
            assertThat(next).isNotEqualTo(alias);
            assertThat(km.getCertificateChain(next)[0]).isEqualTo(two.certificate);
            assertThat(tls.certificate()).hasValue(two.certificate);

            for (int i = 0; i < 4; i++) {
                source.putFields(
                        "pki/api", TestPki.leaf(ca1, "api", from, until).kubernetes(ca1));
                secrets.refresh(KEY);
            }
            assertThat(km.getCertificateChain(alias))
                    .as("only the last few versions stay resolvable")
                    .isNull();
            assertThat(km.toString()).contains("subject=CN=api", "key=****");
        }
    }

    private static void trusts(X509ExtendedTrustManager tm, TestPki.Issued leaf) throws CertificateException {
        tm.checkServerTrusted(new X509Certificate[] {leaf.certificate}, "ECDHE_ECDSA");
    }

    @Test
    void trust_aDroppedCaStaysTrustedForTheOverlap_thenNotAnyMore() throws Exception {
        TestPki.Issued leaf1 = TestPki.leaf(ca1, "api", from, until);
        TestPki.Issued leaf2 = TestPki.leaf(ca2, "api", from, until);
        source.putFields("pki/ca", Map.of("ca.crt", ca1.certPem()));
        try (RotatingSslContext tls = RotatingSslContext.builder(secrets)
                .trust(CA)
                .trustOverlap(Duration.ofHours(1))
                .build()) {
            X509ExtendedTrustManager tm = tls.trustManager();
            trusts(tm, leaf1);
            assertThatThrownBy(() -> trusts(tm, leaf2)).isInstanceOf(CertificateException.class);

            source.putFields("pki/ca", Map.of("ca.crt", ca2.certPem())); // CA 1 dropped at once: a hasty rollout
            secrets.refresh(CA);
            trusts(tm, leaf2);
            trusts(tm, leaf1); // in its overlap
            assertThat(tls.trustedCertificates()).containsExactly(ca2.certificate, ca1.certificate);

            scheduler.advance(Duration.ofMinutes(59));
            trusts(tm, leaf1);
            scheduler.advance(Duration.ofMinutes(2));
            assertThatThrownBy(() -> trusts(tm, leaf1)).isInstanceOf(CertificateException.class);
            trusts(tm, leaf2);
            assertThat(tls.trustedCertificates()).containsExactly(ca2.certificate);
        }
    }

    @Test
    void trust_theDefaultOverlapIsADay_butNeverPastTheDroppedCasOwnEnd() throws Exception {
        TestPki.Issued shortLived = TestPki.ca("Rotor CA 0", from, t0.plus(Duration.ofMinutes(30)));
        source.putFields("pki/ca", Map.of("ca.crt", ca1.certPem() + shortLived.certPem()));
        try (RotatingSslContext tls =
                RotatingSslContext.builder(secrets).trust(CA).build()) {
            source.putFields("pki/ca", Map.of("ca.crt", ca2.certPem()));
            secrets.refresh(CA);
            assertThat(tls.trustedCertificates())
                    .containsExactly(ca2.certificate, ca1.certificate, shortLived.certificate);
            scheduler.advance(Duration.ofMinutes(31));
            assertThat(tls.trustedCertificates()).containsExactly(ca2.certificate, ca1.certificate);
            scheduler.advance(Duration.ofHours(23).plusMinutes(30));
            assertThat(tls.trustedCertificates()).containsExactly(ca2.certificate);
            assertThat(RotatingSslContext.DEFAULT_TRUST_OVERLAP).isEqualTo(Duration.ofHours(24));
        }
    }

    @Test
    void encryptedKey_isReadWithThePasswordOfAnotherSecret() {
        TestPki.Issued leaf = TestPki.leaf(ca1, "api", from, until);
        Map<String, String> fields = new HashMap<>(leaf.kubernetes(ca1));
        fields.put("tls.key", leaf.encrypted("s3cret-pw".toCharArray()));
        source.putFields("pki/api", fields);
        source.put("pki/password", "s3cret-pw");
        try (RotatingSslContext tls = RotatingSslContext.builder(secrets)
                .keyMaterial(KEY)
                .keyPassword("mem:pki/password")
                .build()) {
            String alias = tls.keyManager().chooseServerAlias("EC", null, null);
            assertThat(tls.keyManager().getPrivateKey(alias).getEncoded())
                    .isEqualTo(leaf.keys.getPrivate().getEncoded());
        }
        source.put("pki/wrong", "not-the-pw");
        assertThatThrownBy(() -> RotatingSslContext.builder(secrets)
                        .keyMaterial(KEY)
                        .keyPassword("mem:pki/wrong")
                        .build())
                .hasMessageContaining("could not be decrypted")
                .hasMessageNotContaining("not-the-pw");
        assertThatCode(() -> CertificateBundle.validator(scheduler.clock(), "s3cret-pw"::toCharArray)
                        .validate(secrets.get(KEY), java.util.Optional.empty()))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> CertificateBundle.from(secrets.get(KEY))).isInstanceOf(SecretFormatException.class);
    }
}
