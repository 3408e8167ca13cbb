package dev.rotor.secrets.test.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fake speaks Key Vault's REST API as the reference documents it, checked with the JDK's own HTTP client (no Azure
 * SDK) over TLS that trusts the fake's certificate alone.
 */
class KeyVaultFakeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final KeyVaultFake fake = KeyVaultFake.start();
    private final String token = fake.issueToken();
    private final HttpClient http = client(fake);

    @AfterEach
    void stop() {
        fake.close();
    }

    private static HttpClient client(KeyVaultFake fake) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(fake.trustStore());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return HttpClient.newBuilder()
                    .sslContext(ctx)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private HttpResponse<String> call(String method, String path, String body, boolean authorised) {
        String sep = path.contains("?") ? "&" : "?";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fake.vaultUrl() + path + sep + "api-version=7.6"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorised) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private HttpResponse<String> call(String method, String path, String body) {
        return call(method, path, body, true);
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void withoutAToken_theBearerChallenge() {
        HttpResponse<String> r = call("GET", "/secrets/db", null, false);

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow())
                .startsWith("Bearer ")
                .contains("authorization=\"https://login.microsoftonline.com/", "resource=\"https://vault.azure.net\"");
        fake.revokeTokens();
        assertThat(call("GET", "/secrets/db", null).statusCode()).isEqualTo(401);
    }

    @Test
    void setSecret_makesVersions_theLatestIsReadWithoutOne_andEachByItsId() {
        JsonNode first = json(call("PUT", "/secrets/db", "{\"value\":\"p1\",\"contentType\":\"text/plain\"}"));
        JsonNode second = json(call("PUT", "/secrets/db", "{\"value\":\"p2\",\"attributes\":{\"exp\":4102444800}}"));
        String v1 = first.get("id").asText().substring(first.get("id").asText().lastIndexOf('/') + 1);

        JsonNode latest = json(call("GET", "/secrets/db", null));
        assertThat(latest.get("value").asText()).isEqualTo("p2");
        assertThat(latest.get("id").asText()).isEqualTo(second.get("id").asText());
        assertThat(latest.at("/attributes/exp").asLong()).isEqualTo(4102444800L);
        assertThat(latest.at("/attributes/enabled").asBoolean()).isTrue();
        assertThat(latest.at("/attributes/recoveryLevel").asText()).isEqualTo("Recoverable+Purgeable");
        assertThat(json(call("GET", "/secrets/db/" + v1, null)).get("value").asText())
                .isEqualTo("p1");
        assertThat(v1).matches("[0-9a-f]{32}");
    }

    @Test
    void versions_arePagedWithANextLink() {
        for (int i = 0; i < 3; i++) {
            call("PUT", "/secrets/db", "{\"value\":\"p" + i + "\"}");
        }
        JsonNode page = json(call("GET", "/secrets/db/versions?maxresults=2", null));
        assertThat(page.get("value")).hasSize(2);
        assertThat(page.get("value").get(0).has("value"))
                .as("a list holds no value")
                .isFalse();
        String next = page.get("nextLink").asText();
        String path = next.substring(fake.vaultUrl().toString().length()).replace("api-version=7.6&", "");

        JsonNode rest = json(call("GET", path, null));
        assertThat(rest.get("value")).hasSize(1);
        assertThat(rest.get("nextLink").isNull()).isTrue();
    }

    @Test
    void disabledVersion_isForbiddenWithSecretDisabled_otherVersionsStillRead() {
        String v1 = fake.setSecret("db", "p1");
        String v2 = fake.setSecret("db", "p2");
        assertThat(call("PATCH", "/secrets/db/" + v2, "{\"attributes\":{\"enabled\":false}}")
                        .statusCode())
                .isEqualTo(200);

        HttpResponse<String> r = call("GET", "/secrets/db", null);

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(json(r).at("/error/code").asText()).isEqualTo("Forbidden");
        assertThat(json(r).at("/error/innererror/code").asText()).isEqualTo("SecretDisabled");
        assertThat(call("GET", "/secrets/db/" + v1, null).statusCode()).isEqualTo(200);
    }

    @Test
    void softDelete_recover_purge() {
        fake.setSecret("db", "p1");
        assertThat(json(call("DELETE", "/secrets/db", null)).get("recoveryId").asText())
                .endsWith("/deletedsecrets/db");
        assertThat(json(call("GET", "/secrets/db", null)).at("/error/code").asText())
                .isEqualTo("SecretNotFound");
        assertThat(call("GET", "/deletedsecrets/db", null).statusCode()).isEqualTo(200);
        assertThat(json(call("PUT", "/secrets/db", "{\"value\":\"p2\"}"))
                        .at("/error/innererror/code")
                        .asText())
                .isEqualTo("ObjectIsDeletedButRecoverable");

        assertThat(call("POST", "/deletedsecrets/db/recover", null).statusCode())
                .isEqualTo(200);
        assertThat(json(call("GET", "/secrets/db", null)).get("value").asText()).isEqualTo("p1");

        call("DELETE", "/secrets/db", null);
        assertThat(call("DELETE", "/deletedsecrets/db", null).statusCode()).isEqualTo(204);
        assertThat(call("GET", "/deletedsecrets/db", null).statusCode()).isEqualTo(404);
        assertThat(call("PUT", "/secrets/db", "{\"value\":\"p3\"}").statusCode())
                .isEqualTo(200);
    }

    @Test
    void faults_answerAsTheServiceDoes_andTheLogHoldsNoValue() {
        fake.setSecret("db", "p-secret");
        fake.throttle(Duration.ofSeconds(7));
        HttpResponse<String> r = call("GET", "/secrets/db", null);
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).contains("7");
        assertThat(json(r).at("/error/code").asText()).isEqualTo("Throttled");
        fake.clearFaults();
        fake.denyAccess("db");
        assertThat(json(call("GET", "/secrets/db", null))
                        .at("/error/innererror/code")
                        .asText())
                .isEqualTo("ForbiddenByRbac");
        assertThat(call("GET", "/secrets/db", null, true).statusCode()).isEqualTo(403);
        assertThat(call("GET", "/secrets/bad_name", null).statusCode()).isEqualTo(400);

        assertThat(fake.requests()).allSatisfy(q -> assertThat(q.toString()).doesNotContain("p-secret", token));
        assertThat(fake.count("GET", "/secrets/db")).isEqualTo(3);
    }
}
