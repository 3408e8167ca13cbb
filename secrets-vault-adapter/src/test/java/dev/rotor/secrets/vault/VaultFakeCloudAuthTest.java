package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.test.ManualClock;
import dev.rotor.secrets.test.vault.FakeJwt;
import dev.rotor.secrets.test.vault.TokenSpec;
import dev.rotor.secrets.test.vault.VaultFake;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fake's own checks of the cloud logins that a well-behaved client never trips (a JWT valid for too long, one for
 * another role, a request that is not GetCallerIdentity), driven by hand-made login bodies.
 */
class VaultFakeCloudAuthTest {
    private static final String SA = "orders@rotor-test.iam.gserviceaccount.com";
    private final ManualClock clock = new ManualClock();
    private final VaultFake vault = VaultFake.builder().clock(clock).build();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void close() {
        vault.close();
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(vault.address() + "/v1/" + path))
                        .timeout(Duration.ofSeconds(5))
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String gcpJwt(KeyPair key, String aud, long lifetimeSeconds) {
        long iat = clock.now().getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", SA);
        claims.put("aud", aud);
        claims.put("iat", iat);
        claims.put("exp", iat + lifetimeSeconds);
        return FakeJwt.sign(key.getPrivate(), null, claims);
    }

    @Test
    void gcpIam_jwtValidForMoreThan15Minutes_orForAnotherRole_isRefused_aTenMinuteOneIsAccepted() throws Exception {
        KeyPair key = FakeJwt.rsaKeyPair();
        vault.cloudAuth()
                .gcpServiceAccountKey(SA, key.getPublic())
                .gcpRole("gcp", "orders", "iam", List.of(SA), TokenSpec.policies("app"));

        HttpResponse<String> tooLong =
                post("auth/gcp/login", "{\"role\":\"orders\",\"jwt\":\"" + gcpJwt(key, "vault/orders", 3600) + "\"}");
        HttpResponse<String> otherRole =
                post("auth/gcp/login", "{\"role\":\"orders\",\"jwt\":\"" + gcpJwt(key, "vault/billing", 600) + "\"}");
        HttpResponse<String> good =
                post("auth/gcp/login", "{\"role\":\"orders\",\"jwt\":\"" + gcpJwt(key, "vault/orders", 600) + "\"}");

        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.body()).contains("max_jwt_exp");
        assertThat(otherRole.statusCode()).isEqualTo(400);
        assertThat(otherRole.body()).contains("audience");
        assertThat(good.statusCode()).isEqualTo(200);
        assertThat(good.body()).contains("\"client_token\":\"hvs.");
    }

    @Test
    void gcpIam_jwtThatExpired_isRefused() throws Exception {
        KeyPair key = FakeJwt.rsaKeyPair();
        vault.cloudAuth()
                .gcpServiceAccountKey(SA, key.getPublic())
                .gcpRole("gcp", "orders", "iam", List.of(SA), TokenSpec.policies("app"));
        String jwt = gcpJwt(key, "vault/orders", 600);
        clock.advance(Duration.ofMinutes(11));

        HttpResponse<String> r = post("auth/gcp/login", "{\"role\":\"orders\",\"jwt\":\"" + jwt + "\"}");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("expired");
    }

    @Test
    void aws_requestThatIsNotGetCallerIdentity_isRefusedBeforeAnySignatureCheck() throws Exception {
        vault.cloudAuth()
                .awsAccessKey("AKIAORDERS0001", "sk", null, "arn:aws:iam::1:role/orders")
                .awsRole("aws", "orders", "arn:aws:iam::1:role/orders", TokenSpec.policies("app"));
        Base64.Encoder b64 = Base64.getEncoder();
        String body = "{\"role\":\"orders\",\"iam_http_request_method\":\"POST\","
                + "\"iam_request_url\":\""
                + b64.encodeToString("https://sts.amazonaws.com/".getBytes(StandardCharsets.UTF_8))
                + "\",\"iam_request_body\":\""
                + b64.encodeToString("Action=AssumeRole&Version=2011-06-15".getBytes(StandardCharsets.UTF_8))
                + "\",\"iam_request_headers\":\"" + b64.encodeToString("{}".getBytes(StandardCharsets.UTF_8)) + "\"}";

        HttpResponse<String> r = post("auth/aws/login", body);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("GetCallerIdentity");
    }
}
