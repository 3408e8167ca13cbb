package dev.rotor.secrets.http;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Objects;
import java.util.Optional;

/**
 * Sends requests through a JDK {@link HttpClient} with the current value of a {@link SecretHeader}, and on a 401 asks
 * the header for a newer value ({@link SecretHeader#afterRejection}: at most one refresh of the secret) and sends the
 * request again with it, once. It never loops: the second answer is returned whatever it is, and when the store has
 * no newer value the first 401 is returned without a retry.
 *
 * <pre>{@code
 * SecretHeader apiKey = SecretHeader.builder(secrets, "aws-sm:prod/maps").header("X-Api-Key").field("key").bind();
 * SecretHeaderHttpClient maps = SecretHeaderHttpClient.of(HttpClient.newHttpClient(), apiKey);
 * HttpResponse<String> r = maps.send(HttpRequest.newBuilder(uri).GET().build(), BodyHandlers.ofString());
 * }</pre>
 *
 * <p><b>Bodies.</b> The JDK cannot tell whether a {@code BodyPublisher} can be read twice ({@code ofString}, {@code
 * ofByteArray} and {@code ofFile} can; {@code ofInputStream} only when its supplier gives a fresh stream). A request
 * with a body is therefore not retried unless {@link #retryRequestsWithBody(boolean)} says the caller's publishers can
 * be replayed. The discarded 401's body is closed when it is closeable (an {@code InputStream}).
 *
 * <p>Thread-safe when the client is: one instance serves every request. {@code send} blocks, as {@link
 * HttpClient#send} does, and, on a 401, for the refresh.
 */
public final class SecretHeaderHttpClient {
    private static final int UNAUTHORIZED = 401;

    private final HttpClient client;
    private final SecretHeader header;
    private final boolean retryWithBody;

    private SecretHeaderHttpClient(HttpClient client, SecretHeader header, boolean retryWithBody) {
        this.client = client;
        this.header = header;
        this.retryWithBody = retryWithBody;
    }

    /** Requests through {@code client} with {@code header}; requests with a body are not retried. */
    public static SecretHeaderHttpClient of(HttpClient client, SecretHeader header) {
        return new SecretHeaderHttpClient(
                Objects.requireNonNull(client, "client"), Objects.requireNonNull(header, "header"), false);
    }

    /** A copy that retries requests with a body too (their publishers must be readable twice). */
    public SecretHeaderHttpClient retryRequestsWithBody(boolean retry) {
        return new SecretHeaderHttpClient(client, header, retry);
    }

    /** The client requests go through. */
    public HttpClient client() {
        return client;
    }

    /** The request with the header's current value (any value it had for that header replaced). */
    public HttpRequest authorize(HttpRequest request) {
        return with(Objects.requireNonNull(request, "request"), header.value());
    }

    /**
     * Sends {@code request} with the header, and once more with a newer value after a 401 (see the class
     * documentation).
     */
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(handler, "handler");
        String sent = header.value();
        HttpResponse<T> response = client.send(with(request, sent), handler);
        if (response.statusCode() != UNAUTHORIZED || !replayable(request)) {
            return response;
        }
        Optional<String> next = header.afterRejection(sent);
        if (next.isEmpty()) {
            return response;
        }
        discard(response);
        return client.send(with(request, next.get()), handler);
    }

    private boolean replayable(HttpRequest request) {
        return retryWithBody
                || request.bodyPublisher().map(p -> p.contentLength() == 0).orElse(true);
    }

    private HttpRequest with(HttpRequest request, String value) {
        String name = header.headerName();
        return HttpRequest.newBuilder(request, (n, v) -> !n.equalsIgnoreCase(name))
                .header(name, value)
                .build();
    }

    private static void discard(HttpResponse<?> response) {
        if (response.body() instanceof AutoCloseable) {
            try {
                ((AutoCloseable) response.body()).close();
            } catch (Exception e) {
                // the response is thrown away
            }
        }
    }

    @Override
    public String toString() {
        return "SecretHeaderHttpClient{" + header + (retryWithBody ? ", retries requests with a body" : "") + "}";
    }
}
