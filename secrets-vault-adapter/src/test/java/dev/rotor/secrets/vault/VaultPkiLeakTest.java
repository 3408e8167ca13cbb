package dev.rotor.secrets.vault;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualClock;
import dev.rotor.secrets.test.vault.VaultFake;
import dev.rotor.secrets.test.vault.VaultFake.IssuedCertificate;
import dev.rotor.secrets.tls.CertificateBundle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * No private key of a PKI answer (as PEM, as its base64 lines or body) escapes: a good issue and every refusal path
 * (a key of another certificate, an expired certificate, a malformed certificate next to a real key, a serial that is
 * not the certificate's, a name the role refuses) with every log line, event, exception and {@code toString()}
 * captured by {@link LeakCheck}.
 */
class VaultPkiLeakTest {
    private static final String REF = "vault:pki/issue/web?common_name=app.example.com";

    private static List<String> secretsOf(String pem) {
        List<String> out = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        for (String line : pem.split("\n")) {
            if (!line.startsWith("-----") && !line.isBlank()) {
                out.add(line.strip());
                body.append(line.strip());
            }
        }
        out.add(body.toString());
        return out;
    }

    @Test
    void everyPath_leaksNoPrivateKey() {
        ManualClock clock = new ManualClock(Instant.parse("2025-12-30T00:00:00Z"));
        IssuedCertificate good;
        IssuedCertificate other;
        IssuedCertificate expired;
        try (VaultFake pki = VaultFake.builder().clock(clock).build()) {
            pki.pkiMount("pki");
            pki.pkiRole("web", List.of("example.com"), true, Duration.ofDays(30));
            expired = pki.pkiIssue("pki", "web", "app.example.com", List.of(), List.of(), Duration.ofHours(1));
            clock.setTo(Instant.parse("2025-12-31T23:00:00Z"));
            good = pki.pkiIssue("pki", "web", "app.example.com", List.of(), List.of(), Duration.ofDays(3));
            other = pki.pkiIssue("pki", "web", "app.example.com", List.of(), List.of(), Duration.ofDays(3));
        }
        String ca = good.issuingCaPem();
        List<String> planted = new ArrayList<>();
        for (IssuedCertificate c : List.of(good, other, expired)) {
            planted.addAll(secretsOf(c.privateKeyPem()));
            planted.addAll(secretsOf(c.privateKeyPkcs8Pem()));
        }
        try (LeakCheck leaks = LeakCheck.builder()
                        .plant(planted.toArray(new String[0]))
                        .start();
                VaultHarness h = new VaultHarness(leaks)) {
            h.stubs.lookupSelf("s.pki", 86400, true);
            h.stubs.mount("pki", "pki", null);
            h.start(h.sourceBuilder(VaultAuth.token("s.pki")).revokeReplacedCertificates(true), b -> b);
            List<String> bodies = List.of(
                    VaultPkiAnswersTest.body(ca, good.certificatePem(), other.privateKeyPem(), good.serialNumber()),
                    VaultPkiAnswersTest.body(
                            ca, expired.certificatePem(), expired.privateKeyPem(), expired.serialNumber()),
                    VaultPkiAnswersTest.body(
                            ca,
                            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                            good.privateKeyPem(),
                            good.serialNumber()),
                    VaultPkiAnswersTest.body(ca, good.certificatePem(), good.privateKeyPem(), other.serialNumber()),
                    VaultPkiAnswersTest.body(ca, good.certificatePem(), good.privateKeyPem(), good.serialNumber()));
            for (String body : bodies) {
                h.wm.resetMappings();
                h.stubs.lookupSelf("s.pki", 86400, true);
                h.stubs.renewSelf("s.pki", 86400);
                h.stubs.mount("pki", "pki", null);
                h.wm.stubFor(post(urlEqualTo("/v1/pki/issue/web")).willReturn(VaultStubs.ok(body)));
                Throwable t = catchThrowable(() -> h.secrets.refresh(REF));
                leaks.check(t);
            }
            Secret served = h.secrets.get(REF);
            assertThat(served.version()).isEqualTo(good.serialNumber());
            leaks.check(served, served.lease().orElseThrow(), CertificateBundle.from(served), h.source, h.secrets);

            h.wm.stubFor(post(urlEqualTo("/v1/pki/issue/web"))
                    .willReturn(VaultStubs.error(400, "common name evil.org not allowed by this role")));
            leaks.check(catchThrowable(() -> h.secrets.get("vault:pki/issue/web?common_name=evil.org")));

            leaks.assertNoLeaks();
        }
    }
}
