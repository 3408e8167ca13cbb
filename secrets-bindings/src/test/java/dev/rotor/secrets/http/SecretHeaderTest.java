package dev.rotor.secrets.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP header bindings against a local API that checks keys with state: it accepts the key it issued last and
 * rejects the one rotated out, while the key rotates in the source between requests.
 */
class SecretHeaderTest {
    private static final String PATH = "api/billing";
    private static final String REF = "mem:" + PATH;

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final List<HandOver> handOvers = new ArrayList<>();
    private Secrets secrets;
    private TokenApi api;
    private OkHttpClient okhttp;

    @BeforeEach
    void start() {
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .build();
    }

    @AfterEach
    void stop() {
        if (okhttp != null) {
            okhttp.dispatcher().executorService().shutdown();
            okhttp.connectionPool().evictAll();
        }
        if (api != null) {
            api.close();
        }
        secrets.close();
    }

    private OkHttpClient okhttp(SecretHeader header) {
        okhttp = new OkHttpClient.Builder()
                .addInterceptor(SecretHeaderInterceptor.of(header))
                .callTimeout(Duration.ofSeconds(5))
                .build();
        return okhttp;
    }

    private int get(String path) throws IOException {
        try (Response r = okhttp.newCall(
                        new Request.Builder().url(api.uri(path).toString()).build())
                .execute()) {
            return r.code();
        }
    }

    /** The store and the API rotate the key; Rotor has not heard of it yet. */
    private void rotate(String old, String next) {
        api.issue(next);
        api.revoke(old);
        source.putFields(PATH, Map.of("token", next));
    }

    @Test
    void okhttp_bearer_onRotatedKey_refreshesOnceAndRetriesOnce() throws IOException {
        api = TokenApi.start("Authorization", "Bearer ");
        api.issue("tok-1");
        source.putFields(PATH, Map.of("token", "tok-1"));
        SecretHeader bearer = SecretHeader.bearer(secrets, REF + "#token")
                .name("billing")
                .onHandOver(handOvers::add)
                .bind();
        okhttp(bearer);
        assertThat(get("/items")).isEqualTo(200);
        int fetches = source.fetches(PATH);

        rotate("tok-1", "tok-2");
        assertThat(get("/items")).isEqualTo(200);

        assertThat(api.requests()).isEqualTo(3); // 200, then 401 and its retry
        assertThat(api.rejected()).isEqualTo(1);
        assertThat(source.fetches(PATH)).isEqualTo(fetches + 1);
        assertThat(bearer.value()).isEqualTo("Bearer tok-2");
        assertThat(bearer.handOvers()).isEqualTo(2);
        assertThat(handOvers.get(1).target()).isEqualTo("billing");
        // the next request goes out with the new key straight away
        assertThat(get("/items")).isEqualTo(200);
        assertThat(api.requests()).isEqualTo(4);
    }

    @Test
    void okhttp_whenTheStoreHasNothingNewer_returnsThe401WithoutRetrying() throws IOException {
        api = TokenApi.start("Authorization", "Bearer ");
        source.putFields(PATH, Map.of("token", "tok-revoked"));
        SecretHeader bearer = SecretHeader.bearer(secrets, REF + "#token").bind();
        okhttp(bearer);
        int fetches = source.fetches(PATH);

        assertThat(get("/items")).isEqualTo(401);

        assertThat(api.requests()).isEqualTo(1);
        assertThat(source.fetches(PATH)).isEqualTo(fetches + 1); // refreshed once, nothing newer: no retry
        assertThat(get("/items")).isEqualTo(401);
        assertThat(api.requests()).isEqualTo(2);
    }

    @Test
    void okhttp_oneShotBody_isNotRetried() throws IOException {
        api = TokenApi.start("Authorization", "Bearer ");
        api.issue("tok-1");
        source.putFields(PATH, Map.of("token", "tok-1"));
        okhttp(SecretHeader.bearer(secrets, REF + "#token").bind());
        rotate("tok-1", "tok-2");
        int fetches = source.fetches(PATH);
        RequestBody oneShot = new RequestBody() {
            @Override
            public MediaType contentType() {
                return MediaType.get("text/plain");
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                sink.writeUtf8("streamed once");
            }

            @Override
            public boolean isOneShot() {
                return true;
            }
        };
        try (Response r = okhttp.newCall(new Request.Builder()
                        .url(api.uri("/echo").toString())
                        .post(oneShot)
                        .build())
                .execute()) {
            assertThat(r.code()).isEqualTo(401);
        }
        assertThat(api.requests()).isEqualTo(1);
        assertThat(source.fetches(PATH)).isEqualTo(fetches);

        // a replayable body is retried, and arrives whole
        try (Response r = okhttp.newCall(new Request.Builder()
                        .url(api.uri("/echo").toString())
                        .post(RequestBody.create("sent twice", MediaType.get("text/plain")))
                        .build())
                .execute()) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().string()).isEqualTo("sent twice");
        }
    }

    @Test
    void okhttp_apiKeyHeader_replacesAHeaderTheCallerSet() throws IOException {
        api = TokenApi.start("X-Api-Key", "");
        api.issue("key-1");
        source.putFields(PATH, Map.of("key", "key-1"));
        SecretHeader key = SecretHeader.builder(secrets, REF)
                .header("X-Api-Key")
                .field("key")
                .bind();
        okhttp(key);
        try (Response r = okhttp.newCall(new Request.Builder()
                        .url(api.uri("/items").toString())
                        .header("X-Api-Key", "stale-from-caller")
                        .build())
                .execute()) {
            assertThat(r.code()).isEqualTo(200);
        }
        assertThat(key.headerName()).isEqualTo("X-Api-Key");
        assertThat(key.value()).isEqualTo("key-1");
    }

    @Test
    void okhttp_manyRequestsRejectedAtOnce_refreshTheSecretOnce() throws Exception {
        api = TokenApi.start("Authorization", "Bearer ");
        api.issue("tok-1");
        source.putFields(PATH, Map.of("token", "tok-1"));
        okhttp(SecretHeader.bearer(secrets, REF + "#token").bind());
        okhttp.dispatcher().setMaxRequestsPerHost(16);
        assertThat(get("/items")).isEqualTo(200);
        rotate("tok-1", "tok-2");
        int fetches = source.fetches(PATH);

        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> codes = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                codes.add(pool.submit(() -> {
                    go.await(5, TimeUnit.SECONDS);
                    return get("/items");
                }));
            }
            go.countDown();
            for (Future<Integer> code : codes) {
                assertThat(code.get(10, TimeUnit.SECONDS)).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(source.fetches(PATH)).isEqualTo(fetches + 1);
    }

    @Test
    void jdk_bearer_onRotatedKey_refreshesOnceAndRetriesOnce() throws Exception {
        api = TokenApi.start("Authorization", "Bearer ");
        api.issue("tok-1");
        source.putFields(PATH, Map.of("token", "tok-1"));
        SecretHeaderHttpClient http = SecretHeaderHttpClient.of(
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(),
                SecretHeader.bearer(secrets, REF + "#token").bind());
        HttpRequest items = HttpRequest.newBuilder(api.uri("/items"))
                .timeout(Duration.ofSeconds(5))
                .build();
        assertThat(http.send(items, HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        int fetches = source.fetches(PATH);

        rotate("tok-1", "tok-2");
        HttpResponse<String> r = http.send(items, HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.request().headers().allValues("Authorization")).containsExactly("Bearer tok-2");
        assertThat(api.requests()).isEqualTo(3);
        assertThat(source.fetches(PATH)).isEqualTo(fetches + 1);
    }

    @Test
    void jdk_requestWithBody_isRetriedOnlyWhenDeclaredReplayable() throws Exception {
        api = TokenApi.start("Authorization", "Bearer ");
        api.issue("tok-1");
        source.putFields(PATH, Map.of("token", "tok-1"));
        SecretHeaderHttpClient http = SecretHeaderHttpClient.of(
                HttpClient.newHttpClient(),
                SecretHeader.bearer(secrets, REF + "#token").bind());
        rotate("tok-1", "tok-2");
        HttpRequest post = HttpRequest.newBuilder(api.uri("/echo"))
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString("payload"))
                .build();

        assertThat(http.send(post, HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(401);
        assertThat(api.requests()).isEqualTo(1);

        rotate("tok-2", "tok-3"); // the one 401 above refreshed nothing: Rotor still has tok-1
        HttpResponse<String> r = http.retryRequestsWithBody(true).send(post, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("payload");
        assertThat(api.requests()).isEqualTo(3);
    }

    @Test
    void versionWithoutTheField_isRefused_andTheHeaderKeepsItsValue() {
        source.putFields(PATH, Map.of("token", "tok-1"));
        SecretHeader bearer = SecretHeader.bearer(secrets, REF + "#token")
                .onHandOver(handOvers::add)
                .bind();
        source.putFields(PATH, Map.of("tokn", "tok-2"));
        secrets.refresh(REF);
        assertThat(bearer.refused()).isEqualTo(1);
        assertThat(bearer.value()).isEqualTo("Bearer tok-1");
        assertThat(handOvers.get(handOvers.size() - 1).failure()).contains("field 'token' missing");

        source.putFields(PATH, Map.of("token", "tok\r\nX-Injected: 1"));
        secrets.refresh(REF);
        assertThat(bearer.refused()).isEqualTo(2);
        assertThat(bearer.value()).isEqualTo("Bearer tok-1");
    }

    @Test
    void builder_rejectsBadOptions() {
        source.putFields(PATH, Map.of("token", "tok-1"));
        assertThatThrownBy(() -> SecretHeader.builder(secrets, REF).header("Bad Header"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("header");
        assertThatThrownBy(() -> SecretHeader.builder(secrets, REF).prefix("a\nb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("prefix");
        assertThatThrownBy(() -> SecretHeader.builder(secrets, REF).field(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("field");
    }
}
