package dev.rotor.secrets.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link CertificateBundle} and {@link TrustBundle} read every key format Rotor promises and the field names of Vault
 * PKI and cert-manager; malformed content is a {@link SecretFormatException} that names the ref, the source and the
 * field, never the content.
 */
class CertificateParsingTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final SecretRef REF = SecretRef.parse("mem:pki/api");
    private static final TestPki.Issued CA =
            TestPki.ca("Rotor Test CA", T0.minus(Duration.ofDays(1)), T0.plus(Duration.ofDays(365)));

    private static Secret secret(Map<String, String> fields) {
        return Secret.builder(REF).version("1").fetchedAt(T0).fields(fields).build();
    }

    private static TestPki.Issued leaf(KeyPair keys) {
        return TestPki.leaf(CA, "api", keys, T0.minus(Duration.ofHours(1)), T0.plus(Duration.ofDays(90)));
    }

    private static void assertReads(TestPki.Issued leaf, String keyPem, String algorithm) {
        CertificateBundle b = CertificateBundle.from(secret(Map.of("tls.crt", leaf.certPem(), "tls.key", keyPem)));
        assertThat(b.serialNumber()).isEqualTo(leaf.serial());
        assertThat(b.keyAlgorithm()).isEqualTo(algorithm);
        assertThat(b.privateKey().getEncoded()).isEqualTo(leaf.keys.getPrivate().getEncoded());
        assertThat(b.chain()).containsExactly(leaf.certificate);
    }

    @Test
    void pkcs8Rsa_isRead() {
        TestPki.Issued leaf = leaf(TestPki.rsa());
        assertThat(leaf.pkcs8()).contains("BEGIN PRIVATE KEY");
        assertReads(leaf, leaf.pkcs8(), "RSA");
    }

    @Test
    void pkcs8Ec_isRead() {
        TestPki.Issued leaf = leaf(TestPki.ec());
        assertReads(leaf, leaf.pkcs8(), "EC");
    }

    @Test
    void pkcs1Rsa_isWrappedIntoPkcs8() {
        TestPki.Issued leaf = leaf(TestPki.rsa());
        assertThat(leaf.traditional()).contains("BEGIN RSA PRIVATE KEY");
        assertReads(leaf, leaf.traditional(), "RSA");
    }

    @Test
    void sec1Ec_isWrappedIntoPkcs8_withItsCurve() {
        TestPki.Issued leaf = leaf(TestPki.ec());
        assertThat(leaf.traditional()).contains("BEGIN EC PRIVATE KEY");
        CertificateBundle b =
                CertificateBundle.from(secret(Map.of("tls.crt", leaf.certPem(), "tls.key", leaf.traditional())));
        assertThat(b.keyAlgorithm()).isEqualTo("EC");
        assertThat(b.serialNumber()).isEqualTo(leaf.serial());
    }

    @Test
    void encryptedPkcs8_isDecryptedWithThePassword() {
        TestPki.Issued leaf = leaf(TestPki.ec());
        String pem = leaf.encrypted("correct horse".toCharArray());
        assertThat(pem).contains("BEGIN ENCRYPTED PRIVATE KEY");
        CertificateBundle b = CertificateBundle.from(
                secret(Map.of("tls.crt", leaf.certPem(), "tls.key", pem)), "correct horse".toCharArray());
        assertThat(b.privateKey().getEncoded()).isEqualTo(leaf.keys.getPrivate().getEncoded());
    }

    @Test
    void encryptedPkcs8_wrongPassword_isATypedErrorNamingTheRefAndField_withoutThePassword() {
        TestPki.Issued leaf = leaf(TestPki.ec());
        Secret s = secret(Map.of("tls.crt", leaf.certPem(), "tls.key", leaf.encrypted("correct horse".toCharArray())));
        assertThatThrownBy(() -> CertificateBundle.from(s, "battery staple".toCharArray()))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("field 'tls.key' could not be decrypted")
                .hasMessageContaining("ref=mem:pki/api")
                .hasMessageContaining("source=mem")
                .hasMessageNotContaining("battery")
                .hasMessageNotContaining("horse");
        assertThatThrownBy(() -> CertificateBundle.from(s))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("encrypted private key and no password was given");
    }

    @Test
    void vaultPkiFields_leafInCertificate_chainCompletedFromCaChain() {
        TestPki.Issued intermediate = TestPki.intermediate(
                CA, "Rotor Issuing CA", T0.minus(Duration.ofDays(1)), T0.plus(Duration.ofDays(300)));
        TestPki.Issued leaf =
                TestPki.leaf(intermediate, "api", T0.minus(Duration.ofHours(1)), T0.plus(Duration.ofDays(30)));
        CertificateBundle b = CertificateBundle.from(secret(Map.of(
                "certificate", leaf.certPem(),
                "private_key", leaf.traditional(),
                "issuing_ca", intermediate.certPem(),
                "ca_chain", TestPki.pem(intermediate.certificate, CA.certificate),
                "serial_number", "12:34")));
        // the root is not sent: the peer has it
        assertThat(b.chain()).containsExactly(leaf.certificate, intermediate.certificate);
        assertThat(b.caCertificates()).containsExactly(intermediate.certificate, CA.certificate);
        assertThat(TrustBundle.from(secret(Map.of("ca_chain", TestPki.pem(intermediate.certificate, CA.certificate))))
                        .certificates())
                .containsExactly(intermediate.certificate, CA.certificate);
    }

    @Test
    void certManagerFields_chainInTlsCrt_caInCaCrt() {
        TestPki.Issued intermediate = TestPki.intermediate(
                CA, "Rotor Issuing CA", T0.minus(Duration.ofDays(1)), T0.plus(Duration.ofDays(300)));
        TestPki.Issued leaf =
                TestPki.leaf(intermediate, "api", T0.minus(Duration.ofHours(1)), T0.plus(Duration.ofDays(30)));
        CertificateBundle b = CertificateBundle.from(secret(Map.of(
                "tls.crt", TestPki.pem(leaf.certificate, intermediate.certificate),
                "tls.key", leaf.pkcs8(),
                "ca.crt", CA.certPem())));
        assertThat(b.chain()).containsExactly(leaf.certificate, intermediate.certificate);
        assertThat(b.caCertificates()).containsExactly(CA.certificate);
        assertThat(b.notAfter()).isEqualTo(T0.plus(Duration.ofDays(30)));
        assertThat(b.subject()).isEqualTo("CN=api");
    }

    @Test
    void oneRawPemValue_holdsCertificatesAndKey() {
        TestPki.Issued leaf = leaf(TestPki.ec());
        Secret s = Secret.builder(REF)
                .version("1")
                .fetchedAt(T0)
                .value("# written by a script\n" + leaf.certPem() + leaf.pkcs8())
                .build();
        assertThat(CertificateBundle.from(s).serialNumber()).isEqualTo(leaf.serial());
        Secret caFile = Secret.builder(REF)
                .version("1")
                .fetchedAt(T0)
                .value(CA.certPem())
                .build();
        assertThat(TrustBundle.from(caFile).certificates()).containsExactly(CA.certificate);
    }

    @Test
    void malformedPem_isATypedErrorNamingTheRefSourceAndField() {
        TestPki.Issued leaf = leaf(TestPki.ec());
        String key = leaf.pkcs8();
        assertThatThrownBy(() -> CertificateBundle.from(secret(Map.of("tls.crt", "not a certificate", "tls.key", key))))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("field 'tls.crt' holds no PEM block")
                .hasMessageContaining("[ref=mem:pki/api, source=mem]");
        assertThatThrownBy(() -> CertificateBundle.from(secret(Map.of(
                        "tls.crt",
                        "-----BEGIN CERTIFICATE-----\nMIIB$$$$\n-----END CERTIFICATE-----\n",
                        "tls.key",
                        key))))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("field 'tls.crt': PEM block 1 (CERTIFICATE) is not valid base64");
        assertThatThrownBy(() -> CertificateBundle.from(
                        secret(Map.of("tls.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n", "tls.key", key))))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("has no matching END line");
        assertThatThrownBy(() -> CertificateBundle.from(secret(Map.of(
                        "tls.crt",
                        "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n",
                        "tls.key",
                        key))))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("field 'tls.crt': PEM block 1 is not a valid X.509 certificate");
        assertThatThrownBy(() -> CertificateBundle.from(secret(Map.of(
                        "tls.crt",
                        leaf.certPem(),
                        "tls.key",
                        "-----BEGIN PRIVATE KEY-----\nAAECAwQF\n-----END PRIVATE KEY-----\n"))))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("field 'tls.key' is not a valid PKCS#8 private key")
                .hasMessageNotContaining("AAECAwQF");
        assertThatThrownBy(
                        () -> CertificateBundle.from(
                                secret(
                                        Map.of(
                                                "tls.crt",
                                                leaf.certPem(),
                                                "tls.key",
                                                "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"))))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("legacy encryption");
    }

    @Test
    void missingFields_nameWhatIsExpectedAndWhatTheSecretHas() {
        assertThatThrownBy(() -> CertificateBundle.from(secret(Map.of("username", "u", "password", "p"))))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("no certificate field: expected one of [tls.crt, certificate]")
                .hasMessageContaining("username")
                .hasMessageNotContaining("=p");
        TestPki.Issued leaf = leaf(TestPki.ec());
        assertThatThrownBy(() -> CertificateBundle.from(secret(Map.of("tls.crt", leaf.certPem()))))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("no private key field: expected one of [tls.key, private_key]");
        assertThatThrownBy(() -> TrustBundle.from(secret(Map.of("tls.crt", leaf.certPem()))))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("no CA certificate");
    }

    @Test
    void keyStoreAndTrustStore_snapshotsForApisThatTakeStores() throws Exception {
        TestPki.Issued leaf = leaf(TestPki.ec());
        CertificateBundle b = CertificateBundle.from(secret(leaf.kubernetes(CA)));
        java.security.KeyStore ks = b.toKeyStore("api", "changeit".toCharArray());
        assertThat(ks.getCertificate("api")).isEqualTo(leaf.certificate);
        assertThat(ks.getKey("api", "changeit".toCharArray()).getEncoded())
                .isEqualTo(leaf.keys.getPrivate().getEncoded());
        java.security.KeyStore ts =
                TrustBundle.from(secret(leaf.kubernetes(CA))).toTrustStore();
        assertThat(ts.getCertificate("ca-1")).isEqualTo(CA.certificate);
    }

    @Test
    void toString_showsSubjectSerialAndNotAfter_neverTheKey() {
        TestPki.Issued leaf = leaf(TestPki.ec());
        String key = leaf.pkcs8();
        CertificateBundle b = CertificateBundle.from(secret(Map.of("tls.crt", leaf.certPem(), "tls.key", key)));
        assertThat(b.toString())
                .contains("subject=CN=api", "serial=" + leaf.serial().toString(16), "notAfter=" + b.notAfter())
                .doesNotContain(key.substring(30, 60));
    }
}
