package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.spi.RetryAfter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.ConnectionSpec;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okhttp3.TlsVersion;
import okio.BufferedSource;

/**
 * Vault's HTTP API over one shared OkHttp client. The token travels in {@code X-Vault-Token}, set by an interceptor
 * from the request's tag (never in a URL); {@code X-Vault-Request: true} and the namespace header go on every call.
 * Bodies are read up to a size limit. Every failure is one of Rotor's typed exceptions naming the ref and the source,
 * never a body. Thread-safe.
 */
public final class VaultHttp implements AutoCloseable {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final MediaType JSON = MediaType.get("application/json");

    // replaced (sharing its dispatcher, with a new connection pool) when the client certificate files change
    private volatile OkHttpClient client;
    // the client certificate generation the current pool's connections were made under
    private volatile long poolGeneration;
    private final HttpUrl base;
    private final int maxBody;
    private final String source;
    private final Duration callTimeout;
    private final ClientCertificateFiles clientCertificate;
    // the client's wall clock once the source is started: turns a Retry-After date into a wait
    private volatile TimeSource clock = TimeSource.system();

    /** The token a request carries, as its tag; the interceptor moves it into the header. */
    static final class TokenTag {
        final String token;

        TokenTag(String token) {
            this.token = token;
        }

        @Override
        public String toString() {
            return "TokenTag{****}";
        }
    }

    /** What the transport needs; built by the public builder, which has validated every value. */
    public static final class Settings {
        public HttpUrl address;
        public String namespace;
        public Duration connectTimeout;
        public Duration readTimeout;
        public Duration callTimeout;
        public int maxBody;
        public boolean cleartext;
        public SSLContext sslContext;
        public X509TrustManager trustManager;
        public ClientCertificateFiles clientCertificate;
        public String source;
    }

    public VaultHttp(Settings s) {
        this.base = s.address;
        this.maxBody = s.maxBody;
        this.source = s.source;
        this.callTimeout = s.callTimeout;
        this.clientCertificate = s.clientCertificate;
        ConnectionSpec tls = new ConnectionSpec.Builder(ConnectionSpec.MODERN_TLS)
                .tlsVersions(TlsVersion.TLS_1_3, TlsVersion.TLS_1_2)
                .build();
        String namespace = s.namespace;
        OkHttpClient.Builder b = new OkHttpClient.Builder()
                .connectTimeout(s.connectTimeout)
                .readTimeout(s.readTimeout)
                .writeTimeout(s.readTimeout)
                // the whole call, from the DNS lookup to the last byte of the body: a server that trickles bytes
                // (each read in time) cannot hold a call past it
                .callTimeout(s.callTimeout)
                // the token must never follow a redirect to another host
                .followRedirects(false)
                .followSslRedirects(false)
                // OkHttp retries only a stale pooled connection or another route, never an HTTP answer: the engine
                // stays in charge of retries
                .retryOnConnectionFailure(true)
                .connectionSpecs(s.cleartext ? List.of(tls, ConnectionSpec.CLEARTEXT) : List.of(tls))
                .addInterceptor(chain -> {
                    Request r = chain.request();
                    Request.Builder rb = r.newBuilder().header("X-Vault-Request", "true");
                    if (namespace != null) {
                        rb.header("X-Vault-Namespace", namespace);
                    }
                    TokenTag tag = r.tag(TokenTag.class);
                    if (tag != null) {
                        rb.header("X-Vault-Token", tag.token);
                    }
                    return chain.proceed(rb.build());
                });
        if (s.clientCertificate != null) {
            // a socket factory that follows the client certificate files: each new connection uses the pair in service
            b.sslSocketFactory(s.clientCertificate.socketFactory(), s.trustManager);
        } else if (s.sslContext != null) {
            b.sslSocketFactory(s.sslContext.getSocketFactory(), s.trustManager);
        }
        this.client = b.build();
    }

    private synchronized void newConnectionPool(long generation) {
        if (generation == poolGeneration) {
            return;
        }
        poolGeneration = generation;
        OkHttpClient old = client;
        client = old.newBuilder().connectionPool(new ConnectionPool()).build();
        old.connectionPool().evictAll();
    }

    /** A new JSON object for a request body. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static ObjectNode object(Map<String, ?> values) {
        return MAPPER.valueToTree(values);
    }

    /**
     * Calls Vault and answers the parsed JSON body, or null for an answer without a body (204).
     *
     * @param what a short, non-secret name of the call for messages ("KV v2 read")
     */
    public JsonNode call(String method, String path, JsonNode body, String token, String what, SecretRef ref) {
        return call(method, path, Map.of(), body, token, what, ref);
    }

    public JsonNode call(
            String method,
            String path,
            Map<String, String> query,
            JsonNode body,
            String token,
            String what,
            SecretRef ref) {
        if (clientCertificate != null) {
            clientCertificate.refresh();
        }
        if (clientCertificate != null && clientCertificate.generation() != poolGeneration) {
            // the client certificate files were replaced: later calls go through a new connection pool, so no
            // connection made with the old pair is used again (one in flight at the change finishes on it and is then
            // closed when idle); the old pool's idle connections are closed now
            newConnectionPool(clientCertificate.generation());
        }
        HttpUrl.Builder url = base.newBuilder().addPathSegment("v1").addPathSegments(path);
        query.forEach(url::addQueryParameter);
        Request.Builder rb = new Request.Builder().url(url.build());
        if (token != null) {
            rb.tag(TokenTag.class, new TokenTag(token));
        }
        RequestBody rbody = null;
        if (body != null) {
            try {
                rbody = RequestBody.create(MAPPER.writeValueAsBytes(body), JSON);
            } catch (JsonProcessingException e) {
                throw new SecretFormatException(what + ": request could not be encoded", ref, source);
            }
        } else if (!method.equals("GET") && !method.equals("DELETE")) {
            rbody = RequestBody.create(new byte[0], JSON);
        }
        rb.method(method, rbody);
        Call call = client.newCall(rb.build());
        try (Response resp = call.execute()) {
            int status = resp.code();
            byte[] bytes = read(resp.body(), what, ref);
            if (status >= 200 && status < 300) {
                if (bytes.length == 0) {
                    if (status == 204) {
                        return null;
                    }
                    throw new SecretFormatException(
                            what + ": Vault answered HTTP " + status + " with an empty body", ref, source);
                }
                return parse(bytes, what, ref);
            }
            JsonNode errorBody = null;
            try {
                errorBody = bytes.length == 0 ? null : MAPPER.readTree(bytes);
            } catch (IOException notJson) {
                // an HTML page from a proxy, say: mapped by status alone
            }
            Duration retryAfter = status == 429
                    // Retry-After first; Vault's own X-Ratelimit-Reset (seconds until its bucket refills) else
                    ? RetryAfter.parse(resp.header("Retry-After"), clock.now())
                            .or(() -> RetryAfter.seconds(resp.header("X-Ratelimit-Reset")))
                            .orElse(null)
                    : null;
            throw VaultErrors.map(status, errorBody, retryAfter, what, ref, source);
        } catch (SecretException e) {
            throw e;
        } catch (IOException e) {
            throw unavailable(call, e, what, ref);
        }
    }

    /**
     * The call failed in transit. OkHttp cancels a call that ran past its call timeout and then fails it with an
     * {@link InterruptedIOException} (not a {@link SocketTimeoutException}) while the thread was never interrupted: a
     * cancelled call is that deadline, so the interrupt flag is set only for a real interrupt.
     */
    private SourceUnavailableException unavailable(Call call, IOException e, String what, SecretRef ref) {
        if (call.isCanceled()) {
            return new SourceUnavailableException(
                    what + ": Vault did not finish answering within the call deadline of " + seconds(callTimeout)
                            + " (callTimeout)",
                    ref,
                    source,
                    e);
        }
        if (e instanceof SocketTimeoutException) {
            return new SourceUnavailableException(what + ": Vault did not answer in time", ref, source, e);
        }
        if (e instanceof InterruptedIOException) {
            Thread.currentThread().interrupt();
            return new SourceUnavailableException(what + ": interrupted", ref, source, e);
        }
        return new SourceUnavailableException(
                what + ": Vault could not be reached (" + e.getClass().getSimpleName() + ")", ref, source, e);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private byte[] read(ResponseBody body, String what, SecretRef ref) throws IOException {
        if (body == null) {
            return new byte[0];
        }
        BufferedSource src = body.source();
        if (src.request((long) maxBody + 1)) {
            throw new SecretFormatException(
                    what + ": Vault's answer is larger than the limit of " + maxBody + " bytes", ref, source);
        }
        return src.readByteArray();
    }

    private JsonNode parse(byte[] bytes, String what, SecretRef ref) {
        try {
            JsonNode n = MAPPER.readTree(bytes);
            if (n == null || !n.isObject()) {
                throw new SecretFormatException(what + ": Vault's answer is not a JSON object", ref, source);
            }
            return n;
        } catch (IOException e) {
            throw new SecretFormatException(what + ": Vault's answer is not valid JSON", ref, source);
        }
    }

    public String source() {
        return source;
    }

    /** The client's clock, for reading a {@code Retry-After} given as a date (before it: the system clock). */
    public void useClock(TimeSource clock) {
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
        if (clientCertificate != null) {
            clientCertificate.useClock(clock);
        }
    }

    /** The client's wall clock: a login that signs a request with a time (AWS SigV4, a self-signed JWT) reads it. */
    TimeSource clock() {
        return clock;
    }

    @Override
    public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    @Override
    public String toString() {
        return "VaultHttp{" + base + "}";
    }
}
