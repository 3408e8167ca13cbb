package dev.rotor.secrets.vault;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.test.LeakCheck;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificate login over mTLS against WireMock on HTTPS requiring a client certificate; all certificates made here. */
class VaultMtlsTest {
    private static final char[] PW = "changeit".toCharArray();

    @TempDir
    Path dir;

    private WireMockServer wm;
    private VaultStubs stubs;
    private Path caPem;
    private Path clientPem;
    private Path clientKeyPem;
    private Secrets secrets;

    @BeforeEach
    void certificatesAndServer() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair caKeys = gen.generateKeyPair();
        X509Certificate ca =
                certificate("CN=Test Vault CA", caKeys, "CN=Test Vault CA", caKeys.getPrivate(), true, false);
        KeyPair serverKeys = gen.generateKeyPair();
        X509Certificate server =
                certificate("CN=localhost", serverKeys, "CN=Test Vault CA", caKeys.getPrivate(), false, true);
        KeyPair clientKeys = gen.generateKeyPair();
        X509Certificate client =
                certificate("CN=app", clientKeys, "CN=Test Vault CA", caKeys.getPrivate(), false, false);

        caPem = pem(dir.resolve("ca.pem"), "CERTIFICATE", ca.getEncoded());
        clientPem = pem(dir.resolve("client.pem"), "CERTIFICATE", client.getEncoded());
        clientKeyPem = pem(
                dir.resolve("client-key.pem"),
                "PRIVATE KEY",
                clientKeys.getPrivate().getEncoded());

        Path serverStore = keystore(dir.resolve("server.p12"), serverKeys.getPrivate(), server, ca);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        Path trustStore = dir.resolve("trust.p12");
        try (OutputStream out = Files.newOutputStream(trustStore)) {
            trust.store(out, PW);
        }
        wm = new WireMockServer(wireMockConfig()
                .httpDisabled(true)
                .dynamicHttpsPort()
                .bindAddress("127.0.0.1")
                .keystorePath(serverStore.toString())
                .keystorePassword(new String(PW))
                .keyManagerPassword(new String(PW))
                .keystoreType("PKCS12")
                .needClientAuth(true)
                .trustStorePath(trustStore.toString())
                .trustStorePassword(new String(PW))
                .trustStoreType("PKCS12"));
        wm.start();
        stubs = new VaultStubs(wm);
        stubs.login("auth/cert/login", "s.cert", 3600, true);
        stubs.mount("secret", "kv", "2");
        stubs.kv2("secret", "app/db", 1, Map.of("password", "over-mtls"));
    }

    @AfterEach
    void stop() {
        if (secrets != null) {
            secrets.close();
        }
        wm.stop();
    }

    private String address() {
        return "https://localhost:" + wm.httpsPort();
    }

    private Secrets client(VaultSource source) {
        secrets = Secrets.builder().source(source).discoverSources(false).build();
        return secrets;
    }

    @Test
    void certLogin_overMtls_withGeneratedCertificates_readsSecret() {
        VaultSource source = VaultSource.builder()
                .address(address())
                .auth(VaultAuth.cert("app"))
                .caCertificatePem(caPem)
                .clientCertificatePem(clientPem, clientKeyPem)
                .build();

        assertThat(client(source).value("vault:secret/app/db#password")).isEqualTo("over-mtls");
        wm.verify(postRequestedFor(urlEqualTo("/v1/auth/cert/login"))
                .withRequestBody(matchingJsonPath("$.name", equalTo("app"))));
        wm.verify(2, anyRequestedFor(anyUrl()).withHeader("X-Vault-Token", equalTo("s.cert")));
    }

    @Test
    void clientKeyReadableByOthers_warnsOnceAtBuild_namingTheOptionAndThePath() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Files.setPosixFilePermissions(clientKeyPem, PosixFilePermissions.fromString("rw-r--r--"));
        String keyBody = Files.readAllLines(clientKeyPem).get(1);

        try (LeakCheck leaks = LeakCheck.start(keyBody)) {
            VaultSource.builder()
                    .address(address())
                    .auth(VaultAuth.cert("app"))
                    .caCertificatePem(caPem)
                    .clientCertificatePem(clientPem, clientKeyPem)
                    .build()
                    .close();

            assertThat(leaks.logLines().stream().filter(l -> l.startsWith("WARN dev.rotor.secrets.vault")))
                    .singleElement()
                    .satisfies(w -> assertThat(w)
                            .contains("clientCertificatePem private key")
                            .contains(clientKeyPem.toString())
                            .contains("rw-r--r--"));
            leaks.assertNoLeaks();
        }
    }

    @Test
    void clientKeyReadableByItsOwnerOnly_warnsNothing() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Files.setPosixFilePermissions(clientKeyPem, PosixFilePermissions.fromString("rw-------"));

        try (LeakCheck leaks = LeakCheck.start("unused-planted-value")) {
            VaultSource.builder()
                    .address(address())
                    .auth(VaultAuth.cert("app"))
                    .caCertificatePem(caPem)
                    .clientCertificatePem(clientPem, clientKeyPem)
                    .build()
                    .close();

            assertThat(leaks.logLines()).noneMatch(l -> l.startsWith("WARN dev.rotor.secrets.vault"));
        }
    }

    @Test
    void withoutClientCertificate_handshakeFails_typedUnavailable() {
        VaultSource source = VaultSource.builder()
                .address(address())
                .auth(VaultAuth.token("s.some-token"))
                .caCertificatePem(caPem)
                .build();

        assertThatThrownBy(() -> client(source).get("vault:secret/app/db"))
                .isInstanceOf(SourceUnavailableException.class)
                .hasMessageContaining("vault:secret/app/db");
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    @Test
    void withoutTheCa_serverIsNotTrusted() {
        VaultSource source = VaultSource.builder()
                .address(address())
                .auth(VaultAuth.cert())
                .clientCertificatePem(clientPem, clientKeyPem)
                .build();

        assertThatThrownBy(() -> client(source).get("vault:secret/app/db"))
                .isInstanceOf(SourceUnavailableException.class);
        assertThat(wm.getAllServeEvents()).isEmpty();
    }

    private static X509Certificate certificate(
            String subject, KeyPair keys, String issuer, PrivateKey issuerKey, boolean ca, boolean server)
            throws Exception {
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                new X500Name(issuer),
                BigInteger.valueOf(now.toEpochMilli()).add(BigInteger.valueOf(subject.hashCode() & 0xffff)),
                Date.from(now.minus(1, ChronoUnit.DAYS)),
                Date.from(now.plus(1, ChronoUnit.DAYS)),
                new X500Name(subject),
                keys.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (ca) {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            b.addExtension(
                    Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        }
        if (server) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")
            }));
        }
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey)));
    }

    private static Path pem(Path file, String type, byte[] der) throws Exception {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
        return file;
    }

    private static Path keystore(Path file, PrivateKey key, X509Certificate cert, X509Certificate ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", key, PW, new Certificate[] {cert, ca});
        try (OutputStream out = Files.newOutputStream(file)) {
            ks.store(out, PW);
        }
        return file;
    }
}
