package dev.rotor.secrets.test.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP to the fake, as any Vault client would talk to it. */
final class FakeClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One answer: status, parsed body (null when empty) and the raw response for headers. */
    static final class Reply {
        final int status;
        final JsonNode body;
        final HttpResponse<String> raw;

        Reply(HttpResponse<String> raw) throws IOException {
            this.raw = raw;
            this.status = raw.statusCode();
            this.body = raw.body().isEmpty() ? null : JSON.readTree(raw.body());
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String address;
    Duration timeout = Duration.ofSeconds(5);

    FakeClient(VaultFake fake) {
        this.address = fake.address();
    }

    Reply get(String path, String token) {
        return send("GET", path, null, token);
    }

    Reply post(String path, String json, String token) {
        return send("POST", path, json, token);
    }

    Reply put(String path, String json, String token) {
        return send("PUT", path, json, token);
    }

    Reply delete(String path, String token) {
        return send("DELETE", path, null, token);
    }

    Reply send(String method, String path, String json, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(address + "/v1/" + path))
                .timeout(timeout)
                .method(
                        method,
                        json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            b.header("X-Vault-Token", token);
        }
        try {
            return new Reply(http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An AppRole login's client token. */
    String appRoleLogin(VaultFake.AppRole role, String secretId) {
        Reply r = post(
                "auth/approle/login",
                "{\"role_id\":\"" + role.roleId() + "\",\"secret_id\":\"" + secretId + "\"}",
                null);
        if (r.status != 200) {
            throw new AssertionError("login failed: " + r.status);
        }
        return r.body.path("auth").path("client_token").asText();
    }
}
