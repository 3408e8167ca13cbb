package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * GETs from a cloud instance metadata service (Google's {@code metadata.google.internal}, Azure's {@code
 * 169.254.169.254}): plain HTTP to a link-local address, which is how those services are reached; one required header
 * ({@code Metadata-Flavor: Google}, {@code Metadata: true}), no redirects, a 2 s connect and a 5 s answer deadline, at
 * most 64 KiB read. The answer (a token) is never quoted in a message. Thread-safe; the JDK client is made at the first
 * call.
 *
 * <p>Plain HTTP is accepted only to the addresses the platforms serve their metadata at ({@code 169.254.169.254},
 * {@code metadata.google.internal}) and to loopback (a local proxy or emulator); any other address must be HTTPS.
 */
final class MetadataClient {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_BODY = 64 * 1024;
    private static final java.util.Set<String> PLAIN_HTTP_HOSTS =
            java.util.Set.of("169.254.169.254", "metadata.google.internal", "127.0.0.1", "localhost", "[::1]");

    private final URI base;
    private final String header;
    private final String headerValue;
    private volatile HttpClient client;

    MetadataClient(String base, String header, String headerValue, String option) {
        this.base = baseUri(base, option);
        this.header = header;
        this.headerValue = headerValue;
    }

    static URI baseUri(String base, String option) {
        URI u;
        try {
            u = URI.create(AuthMethod.require(base, option).strip());
        } catch (IllegalArgumentException e) {
            throw new SecretConfigurationException("VaultAuth " + option + " is not a URL", null, null);
        }
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
            throw new SecretConfigurationException("VaultAuth " + option + " must be an http(s) URL", null, null);
        }
        if ("http".equals(u.getScheme())
                && !PLAIN_HTTP_HOSTS.contains(u.getHost().toLowerCase(java.util.Locale.ROOT))) {
            throw new SecretConfigurationException(
                    "VaultAuth " + option + " may use plain http only for the platform's metadata address or loopback;"
                            + " use https for " + u.getHost(),
                    null,
                    null);
        }
        if (u.getRawQuery() != null || u.getRawUserInfo() != null) {
            throw new SecretConfigurationException(
                    "VaultAuth " + option + " must not carry a query or user info", null, null);
        }
        return u;
    }

    URI base() {
        return base;
    }

    /** GETs {@code pathAndQuery} (already encoded) and answers the JSON object of a 200. */
    JsonNode get(String pathAndQuery, String what, SecretRef ref, String source) {
        return parse(fetch(pathAndQuery, what, ref, source), what, ref, source);
    }

    /** GETs {@code pathAndQuery} and answers the body as text (Google's identity endpoint answers the bare JWT). */
    String getText(String pathAndQuery, String what, SecretRef ref, String source) {
        String s = new String(fetch(pathAndQuery, what, ref, source), StandardCharsets.UTF_8).strip();
        if (s.isEmpty()) {
            throw new SecretFormatException(what + ": the metadata service answered nothing", ref, source);
        }
        return s;
    }

    private byte[] fetch(String pathAndQuery, String what, SecretRef ref, String source) {
        String b = base.toString();
        URI uri = URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + pathAndQuery);
        HttpRequest req = HttpRequest.newBuilder(uri)
                .timeout(ANSWER_TIMEOUT)
                .header(header, headerValue)
                .GET()
                .build();
        int status;
        byte[] body;
        try {
            HttpResponse<InputStream> resp = client().send(req, HttpResponse.BodyHandlers.ofInputStream());
            status = resp.statusCode();
            try (InputStream in = resp.body()) {
                body = in.readNBytes(MAX_BODY + 1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SourceUnavailableException(what + ": interrupted", ref, source);
        } catch (IOException e) {
            throw new SourceUnavailableException(
                    what + ": the metadata service at " + base + " could not be reached ("
                            + e.getClass().getSimpleName() + ")",
                    ref,
                    source,
                    e);
        }
        if (status == 400 || status == 401 || status == 403 || status == 404) {
            // a missing header, no identity assigned to the machine, an audience or resource it may not ask for
            throw new SecretAccessDeniedException(
                    what + ": the metadata service refused (HTTP " + status + ")", ref, source);
        }
        if (status != 200) {
            throw new SourceUnavailableException(what + ": the metadata service answered HTTP " + status, ref, source);
        }
        if (body.length > MAX_BODY) {
            throw new SecretFormatException(
                    what + ": the metadata service's answer is larger than " + MAX_BODY + " bytes", ref, source);
        }
        return body;
    }

    private static JsonNode parse(byte[] body, String what, SecretRef ref, String source) {
        try {
            JsonNode n = VaultHttp.MAPPER.readTree(body);
            if (n == null || !n.isObject()) {
                throw new SecretFormatException(
                        what + ": the metadata service's answer is not a JSON object", ref, source);
            }
            return n;
        } catch (IOException e) {
            throw new SecretFormatException(what + ": the metadata service's answer is not valid JSON", ref, source);
        }
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    c = HttpClient.newBuilder()
                            .connectTimeout(CONNECT_TIMEOUT)
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .version(HttpClient.Version.HTTP_1_1)
                            .build();
                    client = c;
                }
            }
        }
        return c;
    }

    @Override
    public String toString() {
        return "MetadataClient{" + base + "}";
    }
}
