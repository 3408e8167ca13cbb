package dev.rotor.secrets.vault;

import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.test.ManualClock;
import dev.rotor.secrets.test.vault.VaultFake;
import dev.rotor.secrets.test.vault.VaultFake.IssuedCertificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PKI answers that must not be served: malformed, expired, a key of another certificate, a serial that is not the
 * certificate's. Written by hand on WireMock (they are what a broken proxy or server would send); the certificates in
 * them come from the test kit's fake PKI engine.
 */
class VaultPkiAnswersTest {
    private static final String REF = "vault:pki/issue/web?common_name=app.example.com";

    private static ManualClock pkiClock;
    private static VaultFake pki;
    private static IssuedCertificate good;
    private static IssuedCertificate other;
    private static IssuedCertificate expired;

    private VaultHarness h;

    @BeforeAll
    static void certificates() {
        // the harness's clock starts at 2026-01-01T00:00:00Z; these are issued on a clock of their own
        pkiClock = new ManualClock(java.time.Instant.parse("2025-12-30T00:00:00Z"));
        pki = VaultFake.builder().clock(pkiClock).build();
        pki.pkiMount("pki");
        pki.pkiRole("web", List.of("example.com"), true, Duration.ofDays(30));
        expired = pki.pkiIssue("pki", "web", "app.example.com", List.of(), List.of(), Duration.ofHours(1));
        pkiClock.setTo(java.time.Instant.parse("2025-12-31T23:00:00Z"));
        good = pki.pkiIssue("pki", "web", "app.example.com", List.of(), List.of(), Duration.ofDays(3));
        other = pki.pkiIssue("pki", "web", "app.example.com", List.of(), List.of(), Duration.ofDays(3));
    }

    @AfterAll
    static void stopPki() {
        pki.close();
    }

    @BeforeEach
    void vault() {
        h = new VaultHarness();
        h.stubs.lookupSelf("s.pki", 86400, true);
        h.stubs.renewSelf("s.pki", 86400);
        h.stubs.mount("pki", "pki", null);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private static String body(String certificate, String key, String serial) {
        return body(good.issuingCaPem(), certificate, key, serial);
    }

    /** Vault's answer to {@code pki/issue/<role>} with these PEM texts (a null key: none). */
    static String body(String ca, String certificate, String key, String serial) {
        ObjectNode n = VaultStubs.envelope();
        ObjectNode d = n.putObject("data");
        d.put("certificate", certificate);
        d.put("issuing_ca", ca);
        d.putArray("ca_chain").add(ca);
        if (key != null) {
            d.put("private_key", key);
        }
        d.put("private_key_type", "ec");
        d.put("serial_number", serial);
        d.put("expiration", 1767225600L);
        return n.toString();
    }

    private void answer(String body) {
        h.wm.stubFor(post(urlEqualTo("/v1/pki/issue/web")).willReturn(VaultStubs.ok(body)));
    }

    private void start() {
        h.start(VaultAuth.token("s.pki"));
    }

    @Test
    void goodAnswer_isServed() {
        answer(body(good.certificatePem(), good.privateKeyPem(), good.serialNumber()));
        start();

        assertThat(h.secrets.get(REF).version()).isEqualTo(good.serialNumber());
    }

    @Test
    void malformedCertificate_isAFormatErrorNamingTheRefAndTheField() {
        answer(body(
                "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----",
                good.privateKeyPem(),
                good.serialNumber()));
        start();

        assertThatThrownBy(() -> h.secrets.get(REF))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining(REF)
                .hasMessageContaining("certificate")
                .hasMessageContaining("PKI issue (pki/issue/web)");
    }

    @Test
    void missingPrivateKey_isAFormatError() {
        answer(body(good.certificatePem(), null, good.serialNumber()));
        start();

        assertThatThrownBy(() -> h.secrets.get(REF))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("private_key");
    }

    @Test
    void expiredCertificate_isRefused() {
        answer(body(expired.certificatePem(), expired.privateKeyPem(), expired.serialNumber()));
        start();

        assertThatThrownBy(() -> h.secrets.get(REF))
                .isInstanceOf(SecretRejectedException.class)
                .hasMessageContaining(REF)
                .hasMessageContaining("expired at");
    }

    @Test
    void keyOfAnotherCertificate_isRefused() {
        answer(body(good.certificatePem(), other.privateKeyPem(), good.serialNumber()));
        start();

        assertThatThrownBy(() -> h.secrets.get(REF))
                .isInstanceOf(SecretRejectedException.class)
                .hasMessageContaining("private key does not match");
    }

    @Test
    void serialNumberThatIsNotTheCertificates_isAFormatError() {
        answer(body(good.certificatePem(), good.privateKeyPem(), other.serialNumber()));
        start();

        assertThatThrownBy(() -> h.secrets.get(REF))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("serial_number");
    }

    @Test
    void badReissue_keepsTheCertificateInService() {
        h.wm.stubFor(post(urlEqualTo("/v1/pki/issue/web"))
                .inScenario("issue")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(VaultStubs.ok(body(good.certificatePem(), good.privateKeyPem(), good.serialNumber())))
                .willSetStateTo("broken"));
        h.wm.stubFor(post(urlEqualTo("/v1/pki/issue/web"))
                .inScenario("issue")
                .whenScenarioStateIs("broken")
                .willReturn(VaultStubs.ok(body(good.certificatePem(), other.privateKeyPem(), good.serialNumber()))));
        start();
        Secret first = h.secrets.get(REF);
        dev.rotor.secrets.Lease lease = first.lease().orElseThrow();

        // past the soft deadline (two thirds of the validity), well before the certificate ends
        h.scheduler.advanceTo(lease.issuedAt()
                .plus(lease.duration().multipliedBy(2).dividedBy(3))
                .plus(Duration.ofMinutes(5)));

        assertThat(h.secrets.get(REF).version()).isEqualTo(first.version());
        assertThat(h.events.ofType(SecretEventType.REJECTED))
                .isNotEmpty()
                .allSatisfy(e -> assertThat(e.errorMessage().orElseThrow()).contains("private key does not match"));
        assertThat(h.events.ofType(SecretEventType.ROTATED)).isEmpty();
    }
}
