package dev.rotor.secrets.kubernetes;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * fabric8's mock API server on 127.0.0.1 and a port it picked, for the tests: in CRUD mode an in-memory API server
 * with watch (expectations, when a test sets any, answer first), or in expectations mode only. Operators' writes go
 * through {@link #operator()}, a client of their own, as {@code kubectl} would.
 */
final class ApiServer implements AutoCloseable {
    private final KubernetesMockServer server;
    private final KubernetesClient operator;
    private final List<RecordedRequest> requests = new ArrayList<>();

    private ApiServer(KubernetesMockServer server) {
        this.server = server;
        try {
            server.init(InetAddress.getByName("127.0.0.1"), 0);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        this.operator = client();
    }

    /** An in-memory API server: state kept, watches served; expectations answer first. */
    static ApiServer crud() {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        return new ApiServer(new KubernetesMockServer(
                new Context(), new MockWebServer(), responses, new KubernetesMixedDispatcher(responses), false));
    }

    /** A server that answers only what a test told it to. */
    static ApiServer expectations() {
        return new ApiServer(new KubernetesMockServer(false));
    }

    KubernetesMockServer mock() {
        return server;
    }

    URI url() {
        return URI.create(server.url("/"));
    }

    int port() {
        return server.getPort();
    }

    /** A client as an application would configure one: timeouts set, no retries of its own. */
    KubernetesClient client() {
        return clientFor(url());
    }

    static KubernetesClient clientFor(URI url) {
        return new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl(url.toString())
                        .withNamespace("default")
                        .withRequestTimeout(5_000)
                        .withConnectionTimeout(2_000)
                        .withRequestRetryBackoffLimit(0)
                        .withWatchReconnectLimit(0)
                        .build())
                .build();
    }

    KubernetesClient operator() {
        return operator;
    }

    // ---- an operator's writes ----

    /** Creates or replaces the Secret {@code namespace/name} with {@code data} (plain text, encoded here); its resourceVersion. */
    String put(String namespace, String name, Map<String, String> data) {
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach((k, v) -> encoded.put(k, b64(v.getBytes(StandardCharsets.UTF_8))));
        return putEncoded(namespace, name, encoded);
    }

    String putEncoded(String namespace, String name, Map<String, String> encodedData) {
        return write(namespace, name, new SecretBuilder().withType("Opaque").withData(encodedData));
    }

    String putStringData(String namespace, String name, Map<String, String> stringData) {
        return write(namespace, name, new SecretBuilder().withStringData(stringData));
    }

    /**
     * Creates the Secret, or replaces its content with one merge patch when it exists (one request each, no read, so
     * that the tests can count the source's own reads).
     */
    private String write(String namespace, String name, SecretBuilder content) {
        Secret s = content.withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .build();
        try {
            return operator.secrets()
                    .inNamespace(namespace)
                    .resource(s)
                    .create()
                    .getMetadata()
                    .getResourceVersion();
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        return operator.secrets()
                .inNamespace(namespace)
                .withName(name)
                .patch(PatchContext.of(PatchType.JSON_MERGE), s)
                .getMetadata()
                .getResourceVersion();
    }

    void delete(String namespace, String name) {
        operator.secrets().inNamespace(namespace).withName(name).delete();
    }

    static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    // ---- faults, as the API server answers them ----

    static Status status(int code, String reason, Integer retryAfterSeconds) {
        StatusBuilder b = new StatusBuilder()
                .withApiVersion("v1")
                .withKind("Status")
                .withStatus("Failure")
                .withCode(code)
                .withReason(reason)
                .withMessage(reason);
        if (retryAfterSeconds != null) {
            b.withNewDetails().withRetryAfterSeconds(retryAfterSeconds).endDetails();
        }
        return b.build();
    }

    static String secretPath(String namespace, String name) {
        return "/api/v1/namespaces/" + namespace + "/secrets/" + name;
    }

    // ---- what the server was asked ----

    /** Every request so far, in order (drained from the server's queue into this list). */
    synchronized List<RecordedRequest> requests() {
        try {
            for (int i = 0; i < 100_000; i++) {
                RecordedRequest r = server.takeRequest(0, TimeUnit.MILLISECONDS);
                if (r == null) {
                    break;
                }
                requests.add(r);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return List.copyOf(requests);
    }

    /** How many watch requests reached the server for secrets in {@code namespace}. */
    long watchRequests(String namespace) {
        return requests().stream()
                .filter(r -> r.getPath().startsWith("/api/v1/namespaces/" + namespace + "/secrets?")
                        && r.getPath().contains("watch=true"))
                .count();
    }

    /** How many LIST requests (not watches) reached the server for secrets in {@code namespace}. */
    long listRequests(String namespace) {
        return requests().stream()
                .filter(r -> "GET".equals(r.getMethod()))
                .filter(r -> (r.getPath().equals("/api/v1/namespaces/" + namespace + "/secrets")
                                || r.getPath().startsWith("/api/v1/namespaces/" + namespace + "/secrets?"))
                        && !r.getPath().contains("watch=true"))
                .count();
    }

    /** How many GETs of one Secret reached the server. */
    long gets(String namespace, String name) {
        return requests().stream()
                .filter(r -> "GET".equals(r.getMethod()) && r.getPath().equals(secretPath(namespace, name)))
                .count();
    }

    @Override
    public void close() {
        operator.close();
        try {
            server.destroy();
        } catch (IllegalStateException slowToClose) {
            // the mock server's event loop did not stop within its own timeout (a watch's socket lingering): it is
            // test scaffolding on a port of its own, and its threads end with the JVM
        }
    }
}
