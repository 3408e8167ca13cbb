package dev.rotor.secrets.vault.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.secrets.SecretRef;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/** What each login sends, field by field, against the request Vault documents for it. */
class CloudLoginShapeTest {
    private static final SecretRef REF = SecretRef.parse("vault:secret/app/db");
    private static final Instant NOW = Instant.parse("2026-12-02T04:30:15Z");

    private static String decode(JsonNode body, String field) {
        return new String(Base64.getDecoder().decode(body.get(field).asText()), StandardCharsets.UTF_8);
    }

    private static JsonNode headers(ObjectNode body) throws Exception {
        return VaultHttp.MAPPER.readTree(decode(body, "iam_request_headers"));
    }

    private static Map<String, String> authorization(JsonNode headers) {
        String a = headers.get("Authorization").get(0).asText();
        assertThat(a).startsWith("AWS4-HMAC-SHA256 ");
        Map<String, String> parts = new java.util.LinkedHashMap<>();
        for (String p : a.substring("AWS4-HMAC-SHA256 ".length()).split(",")) {
            String[] kv = p.strip().split("=", 2);
            parts.put(kv[0], kv[1]);
        }
        return parts;
    }

    @Test
    void awsIam_globalEndpoint_body_asVaultDocumentsIt() throws Exception {
        AwsIamAuth auth = AwsIamAuth.of("orders", null, null, null);
        ObjectNode body = auth.loginBody(AwsBasicCredentials.create("AKIDEXAMPLE", "sk"), NOW, "AWS", REF, "vault");

        assertThat(body.get("role").asText()).isEqualTo("orders");
        assertThat(body.get("iam_http_request_method").asText()).isEqualTo("POST");
        assertThat(body.get("iam_request_url").asText()).isEqualTo("aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8=");
        assertThat(decode(body, "iam_request_body")).isEqualTo("Action=GetCallerIdentity&Version=2011-06-15");
        assertThat(body.get("iam_request_body").asText())
                .isEqualTo("QWN0aW9uPUdldENhbGxlcklkZW50aXR5JlZlcnNpb249MjAxMS0wNi0xNQ==");
        JsonNode headers = headers(body);
        // every header is a list of values, as Go's http.Header is
        headers.properties()
                .forEach(e -> assertThat(e.getValue().isArray()).as(e.getKey()).isTrue());
        assertThat(headers.get("X-Amz-Date").get(0).asText()).isEqualTo("20261202T043015Z");
        assertThat(headers.get("Content-Type").get(0).asText())
                .isEqualTo("application/x-www-form-urlencoded; charset=utf-8");
        assertThat(headers.has("X-Vault-AWS-IAM-Server-ID")).isFalse();
        Map<String, String> a = authorization(headers);
        assertThat(a.get("Credential")).isEqualTo("AKIDEXAMPLE/20261202/us-east-1/sts/aws4_request");
        assertThat(List.of(a.get("SignedHeaders").split(";"))).contains("host", "x-amz-date", "content-type");
        assertThat(a.get("Signature")).matches("[0-9a-f]{64}");
    }

    @Test
    void awsIam_region_serverId_andSessionToken_areSignedHeaders() throws Exception {
        AwsIamAuth auth = AwsIamAuth.of("orders", "eu-west-1", "vault.example.com", null);
        ObjectNode body =
                auth.loginBody(AwsSessionCredentials.create("ASIAEXAMPLE", "sk", "session"), NOW, "AWS", REF, "vault");

        assertThat(decode(body, "iam_request_url")).isEqualTo("https://sts.eu-west-1.amazonaws.com/");
        JsonNode headers = headers(body);
        assertThat(headers.get("X-Vault-AWS-IAM-Server-ID").get(0).asText()).isEqualTo("vault.example.com");
        assertThat(headers.get("X-Amz-Security-Token").get(0).asText()).isEqualTo("session");
        Map<String, String> a = authorization(headers);
        assertThat(a.get("Credential")).isEqualTo("ASIAEXAMPLE/20261202/eu-west-1/sts/aws4_request");
        assertThat(List.of(a.get("SignedHeaders").split(";")))
                .contains("host", "x-amz-date", "x-vault-aws-iam-server-id", "x-amz-security-token");
        assertThat(auth.toString()).doesNotContain("sk").doesNotContain("session");
    }

    @Test
    void gcpIam_selfSignedJwt_isRs256_forVaultRole_valid10Minutes_andVerifiesUnderTheKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair pair = g.generateKeyPair();
        GcpAuth auth = GcpAuth.iam("orders", java.nio.file.Path.of("unused.json"));

        String jwt = auth.signedJwt(pair.getPrivate(), "k1", "sa@p.iam.gserviceaccount.com", NOW, "GCP", REF, "vault");

        String[] parts = jwt.split("\\.");
        assertThat(parts).hasSize(3);
        Base64.Decoder d = Base64.getUrlDecoder();
        JsonNode header = VaultHttp.MAPPER.readTree(d.decode(parts[0]));
        JsonNode claims = VaultHttp.MAPPER.readTree(d.decode(parts[1]));
        assertThat(header.get("alg").asText()).isEqualTo("RS256");
        assertThat(header.get("kid").asText()).isEqualTo("k1");
        assertThat(claims.get("sub").asText()).isEqualTo("sa@p.iam.gserviceaccount.com");
        assertThat(claims.get("aud").asText()).isEqualTo("vault/orders");
        assertThat(claims.get("iat").asLong()).isEqualTo(NOW.getEpochSecond());
        assertThat(claims.get("exp").asLong() - claims.get("iat").asLong())
                .isEqualTo(600)
                .isLessThanOrEqualTo(900);
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initVerify(pair.getPublic());
        rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(rs256.verify(d.decode(parts[2]))).isTrue();
    }

    @Test
    void metadataAddress_plainHttpOnlyToThePlatformsAddressOrLoopback() {
        assertThat(GcpAuth.gce("orders", GcpAuth.METADATA).toString()).contains("metadata.google.internal");
        assertThat(AzureAuth.of("orders", AzureAuth.DEFAULT_RESOURCE, "http://127.0.0.1:8080")
                        .toString())
                .contains("127.0.0.1");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> GcpAuth.gce("orders", "http://example.com")))
                .isInstanceOf(dev.rotor.secrets.SecretConfigurationException.class)
                .hasMessageContaining("https");
        assertThat(AzureAuth.of("orders", AzureAuth.DEFAULT_RESOURCE, "https://imds-proxy.example.com")
                        .toString())
                .contains("imds-proxy.example.com");
    }

    @Test
    void toStrings_showNoCredential() {
        List<String> shown = new ArrayList<>();
        shown.add(LdapAuth.of("alice", () -> "pw-never-shown").toString());
        shown.add(GcpAuth.gce("orders", "http://127.0.0.1:1").toString());
        shown.add(AzureAuth.of("orders", AzureAuth.DEFAULT_RESOURCE, AzureAuth.METADATA)
                .toString());
        shown.add(AwsIamAuth.of("orders", null, null, () -> AwsBasicCredentials.create("AKIDSHOWN", "sk-never"))
                .toString());
        assertThat(String.join("\n", shown))
                .doesNotContain("pw-never-shown")
                .doesNotContain("sk-never")
                .doesNotContain("AKIDSHOWN");
        assertThat(shown.get(0)).contains("alice").contains("****");
    }
}
