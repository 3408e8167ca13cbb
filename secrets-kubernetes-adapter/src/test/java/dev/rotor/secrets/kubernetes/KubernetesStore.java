package dev.rotor.secrets.kubernetes;

import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.kubernetes.internal.NamespaceWatch;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.test.behaviour.StoreUnderTest;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The mock API server in CRUD mode behind a {@link FaultyLink}, as {@link dev.rotor.secrets.test.behaviour.SourceBehaviour}
 * drives it: Secrets are created, replaced and deleted through the API as an operator would; access is denied through
 * an expectation on the Secret's path (403, what RBAC answers); throttling and unavailability are the link answering
 * 429 for every request, or refusing connections, with open streams cut. A write waits (bounded, real time) until the
 * source's watch, when it has one, has seen it, so that what the suite checks next does not race the event.
 */
final class KubernetesStore implements StoreUnderTest {
    static final String NAMESPACE = "shop";
    private static final Duration SEEN = Duration.ofSeconds(10);

    final ApiServer api = ApiServer.crud();
    final FaultyLink link = new FaultyLink(api.port());
    final KubernetesSecretSource source;
    private final Set<String> written = new java.util.LinkedHashSet<>();
    /** The data last written under each name, to write again when the watch stream must show it flows. */
    private final Map<String, Map<String, String>> data = new java.util.LinkedHashMap<>();

    KubernetesStore(boolean watch) {
        source = KubernetesSecretSource.builder()
                .masterUrl(link.url())
                .requestTimeout(Duration.ofSeconds(5))
                .connectionTimeout(Duration.ofSeconds(2))
                .watch(watch)
                .build();
    }

    @Override
    public Set<Behaviour> behaviours() {
        return EnumSet.allOf(Behaviour.class);
    }

    @Override
    public SecretSource source() {
        return source;
    }

    @Override
    public SecretRef write(String name, String value) {
        written.add(name);
        data.put(name, Map.of("value", value));
        String version = api.put(NAMESPACE, name, Map.of("value", value));
        awaitWatch(w -> w.indexed(name).map(version::equals).orElse(false));
        return SecretRef.parse("k8s:" + NAMESPACE + "/" + name);
    }

    @Override
    public SecretRef writeFields(String name, Map<String, String> fields) {
        written.add(name);
        data.put(name, Map.copyOf(fields));
        String version = api.put(NAMESPACE, name, fields);
        awaitWatch(w -> w.indexed(name).map(version::equals).orElse(false));
        return SecretRef.parse("k8s:" + NAMESPACE + "/" + name);
    }

    @Override
    public SecretRef fieldRef(String name, String field) {
        return SecretRef.parse("k8s:" + NAMESPACE + "/" + name + "#" + field);
    }

    @Override
    public SecretRef missing(String name) {
        return SecretRef.parse("k8s:" + NAMESPACE + "/" + name);
    }

    @Override
    public void delete(String name) {
        api.delete(NAMESPACE, name);
        awaitWatch(w -> w.indexed(name).isEmpty());
    }

    @Override
    public void denyAccess(String name) {
        api.mock()
                .expect()
                .get()
                .withPath(ApiServer.secretPath(NAMESPACE, name))
                .andReturn(403, ApiServer.status(403, "Forbidden", null))
                .always();
    }

    /**
     * Every request is answered 429 with the wait: the reads of the Secrets written so far through expectations on
     * their paths, and new connections (a watch opening again) by the link, which also ends the open watch stream.
     */
    @Override
    public void throttle(Duration retryAfter) {
        int seconds = (int) retryAfter.toSeconds();
        for (String name : written) {
            api.mock()
                    .expect()
                    .get()
                    .withPath(ApiServer.secretPath(NAMESPACE, name))
                    .andReturn(429, ApiServer.status(429, "TooManyRequests", seconds))
                    .withHeader("Retry-After", String.valueOf(seconds))
                    .always();
        }
        awaitStreamFlowing(); // so that its cut is noticed
        link.answerNew(429, "TooManyRequests", seconds);
        awaitWatch(w -> !w.synced());
    }

    @Override
    public void makeUnavailable() {
        awaitStreamFlowing();
        link.down();
        awaitWatch(w -> !w.synced());
    }

    @Override
    public void restore() {
        api.mock().clearExpectations();
        link.forward();
    }

    @Override
    public SecretRef malformed(String name) {
        api.putEncoded(NAMESPACE, name, Map.of("value", "%% not base64 %%"));
        return SecretRef.parse("k8s:" + NAMESPACE + "/" + name);
    }

    /**
     * Waits until the source's watch stream, when it has one, has delivered an event, so that cutting the link is
     * noticed. A watch opened after every secret was written (from its LIST's resourceVersion) may have nothing to
     * deliver: then the last secret is written again, same data under a new resourceVersion, at most ten times.
     */
    private void awaitStreamFlowing() {
        NamespaceWatch w = source.watchOf(NAMESPACE);
        if (w == null) {
            return;
        }
        Predicate<NamespaceWatch> flowing = x -> !x.synced() || x.eventsReceived() > 0;
        try {
            for (int attempt = 0; attempt < 10; attempt++) {
                if (w.await(flowing, Duration.ofSeconds(1))) {
                    return;
                }
                Map.Entry<String, Map<String, String>> last =
                        data.entrySet().stream().reduce((a, b) -> b).orElse(null);
                if (last != null) {
                    api.put(NAMESPACE, last.getKey(), last.getValue());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        throw new AssertionError("the watch stream delivered nothing within 10 s: " + w);
    }

    /** Waits for the source's watch of the namespace, when it has one, to reach {@code state}. */
    private void awaitWatch(Predicate<NamespaceWatch> state) {
        NamespaceWatch w = source.watchOf(NAMESPACE);
        if (w == null) {
            return;
        }
        try {
            if (!w.await(state, SEEN)) {
                throw new AssertionError("the watch did not see the store's change within " + SEEN + ": " + w);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        try {
            source.close();
        } finally {
            link.close();
            api.close();
        }
    }
}
