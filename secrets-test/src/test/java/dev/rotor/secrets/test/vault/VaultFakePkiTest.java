package dev.rotor.secrets.test.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.test.ManualClock;
import dev.rotor.secrets.test.vault.FakeClient.Reply;
import dev.rotor.secrets.tls.CertificateBundle;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake's PKI secrets engine over HTTP, as Vault documents {@code <mount>/issue/<role>} and {@code <mount>/revoke}. */
class VaultFakePkiTest {
    private final ManualClock clock = new ManualClock();
    private final VaultFake vault = VaultFake.builder().clock(clock).build();
    private final FakeClient http = new FakeClient(vault);
    private String token;

    @BeforeEach
    void seed() {
        vault.pkiMount("pki");
        vault.pkiRole("web", List.of("example.com"), true, Duration.ofHours(24));
        vault.policy("pki", "pki/issue/web", "update");
        vault.policy("pki", "pki/revoke", "update");
        token = vault.createToken(TokenSpec.policies("pki").ttl(Duration.ofDays(1)));
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    private Reply issue(String json) {
        return http.post("pki/issue/web", json, token);
    }

    private static Secret asSecret(JsonNode data) {
        Map<String, String> fields = new LinkedHashMap<>();
        data.properties().forEach(e -> {
            if (e.getValue().isTextual()) {
                fields.put(e.getKey(), e.getValue().asText());
            }
        });
        return Secret.builder(SecretRef.parse("mem:pki"))
                .version("1")
                .fields(fields)
                .fetchedAt(Instant.now())
                .build();
    }

    @Test
    void issue_answersVaultsFields_withACertificateOfTheMountsCa() throws Exception {
        Reply r = issue("{\"common_name\":\"app.example.com\",\"alt_names\":\"a.example.com\","
                + "\"ip_sans\":\"127.0.0.1\",\"ttl\":\"1h\"}");

        assertThat(r.status).isEqualTo(200);
        JsonNode d = r.body.get("data");
        assertThat(d.get("private_key_type").asText()).isEqualTo("ec");
        assertThat(d.get("private_key").asText()).startsWith("-----BEGIN EC PRIVATE KEY-----");
        assertThat(d.get("ca_chain").isArray()).isTrue();
        assertThat(d.get("serial_number").asText()).matches("([0-9a-f]{2}:){19}[0-9a-f]{2}");
        assertThat(r.body.get("lease_id").asText()).isEmpty();
        assertThat(r.body.get("renewable").asBoolean()).isFalse();
        CertificateBundle bundle = CertificateBundle.from(asSecret(d)).checkValidAt(clock.now());
        X509Certificate leaf = bundle.leaf();
        leaf.verify(vault.pkiCaCertificate("pki").getPublicKey());
        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(clock.now().minusSeconds(30));
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(clock.now().plus(Duration.ofHours(1)));
        assertThat(d.get("expiration").asLong())
                .isEqualTo(clock.now().plus(Duration.ofHours(1)).getEpochSecond());
        assertThat(leaf.getSubjectAlternativeNames().stream()
                        .map(n -> n.get(1).toString())
                        .collect(Collectors.toList()))
                .containsExactly("app.example.com", "a.example.com", "127.0.0.1");
        assertThat(leaf.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(vault.pkiIssued("pki"))
                .containsExactly(d.get("serial_number").asText());
    }

    @Test
    void pkcs8KeyFormat_answersAPkcs8Key() {
        Reply r = issue("{\"common_name\":\"app.example.com\",\"private_key_format\":\"pkcs8\"}");

        assertThat(r.body.get("data").get("private_key").asText()).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(CertificateBundle.from(asSecret(r.body.get("data"))).keyAlgorithm())
                .isEqualTo("EC");
    }

    @Test
    void ttlAboveTheRolesMax_isCappedWithVaultsWarning() {
        Reply r = issue("{\"common_name\":\"app.example.com\",\"ttl\":\"72h\"}");

        assertThat(r.status).isEqualTo(200);
        assertThat(r.body.get("warnings").get(0).asText())
                .isEqualTo("TTL \"72h0m0s\" is longer than permitted maxTTL \"24h0m0s\", so maxTTL is being used");
        assertThat(r.body.get("data").get("expiration").asLong())
                .isEqualTo(clock.now().plus(Duration.ofHours(24)).getEpochSecond());
    }

    @Test
    void namesOutsideTheRole_areRefusedWith400() {
        assertThat(issue("{\"common_name\":\"evil.org\"}")
                        .body
                        .get("errors")
                        .get(0)
                        .asText())
                .isEqualTo("common name evil.org not allowed by this role");
        Reply alt = issue("{\"common_name\":\"app.example.com\",\"alt_names\":\"example.org\"}");
        assertThat(alt.status).isEqualTo(400);
        assertThat(alt.body.get("errors").get(0).asText())
                .isEqualTo("subject alternate name example.org not allowed by this role");
        assertThat(issue("{}").status).isEqualTo(400);
        assertThat(issue("{\"common_name\":\"example.com\"}").status).isEqualTo(200);
        assertThat(issue("{\"common_name\":\"localhost\"}").status).isEqualTo(200);
        assertThat(vault.pkiIssued("pki")).hasSize(2);
    }

    @Test
    void subdomains_onlyWhenTheRoleAllowsThem() {
        vault.pkiRole("bare", List.of("example.com"), false, Duration.ofHours(1));
        vault.policy("pki", "pki/issue/bare", "update");

        assertThat(http.post("pki/issue/bare", "{\"common_name\":\"app.example.com\"}", token).status)
                .isEqualTo(400);
        assertThat(http.post("pki/issue/bare", "{\"common_name\":\"example.com\"}", token).status)
                .isEqualTo(200);
    }

    @Test
    void unknownRole_is400_andWithoutUpdate_is403() {
        vault.policy("reader", "pki/issue/web", "read");
        String reader = vault.createToken(TokenSpec.policies("reader").ttl(Duration.ofDays(1)));

        assertThat(http.post("pki/issue/nope", "{\"common_name\":\"app.example.com\"}", vault.rootToken()).status)
                .isEqualTo(400);
        assertThat(http.post("pki/issue/web", "{\"common_name\":\"app.example.com\"}", reader).status)
                .isEqualTo(403);
        assertThat(http.post("pki/issue/web", "{\"common_name\":\"app.example.com\"}", null).status)
                .isEqualTo(403);
    }

    @Test
    void revoke_recordsTheSerial_inEitherForm() {
        String serial = issue("{\"common_name\":\"app.example.com\"}")
                .body
                .get("data")
                .get("serial_number")
                .asText();
        assertThat(vault.revoked(serial)).isFalse();

        Reply r = http.post("pki/revoke", "{\"serial_number\":\"" + serial.replace(':', '-') + "\"}", token);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.body.get("data").get("revocation_time").asLong())
                .isEqualTo(clock.now().getEpochSecond());
        assertThat(vault.revoked(serial)).isTrue();
        assertThat(http.post("pki/revoke", "{\"serial_number\":\"01:02\"}", token).status)
                .isEqualTo(400);
    }

    @Test
    void revokeWithoutUpdate_is403() {
        vault.policy("issuer", "pki/issue/web", "update");
        String issuer = vault.createToken(TokenSpec.policies("issuer").ttl(Duration.ofDays(1)));
        String serial = http.post("pki/issue/web", "{\"common_name\":\"app.example.com\"}", issuer)
                .body
                .get("data")
                .get("serial_number")
                .asText();

        assertThat(http.post("pki/revoke", "{\"serial_number\":\"" + serial + "\"}", issuer).status)
                .isEqualTo(403);
        assertThat(vault.revoked(serial)).isFalse();
    }

    @Test
    void pkiIssue_forTheTestsSide_appliesTheRole() {
        VaultFake.IssuedCertificate c =
                vault.pkiIssue("pki", "web", "app.example.com", List.of(), List.of(), Duration.ofHours(2));

        assertThat(c.toString()).doesNotContain(c.privateKeyPem()).contains(c.serialNumber());
        assertThatThrownBy(() -> vault.pkiIssue("pki", "web", "evil.org", List.of(), List.of(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not allowed by this role");
    }
}
