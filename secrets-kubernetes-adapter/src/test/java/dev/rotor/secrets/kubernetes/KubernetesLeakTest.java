package dev.rotor.secrets.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.kubernetes.internal.NamespaceWatch;
import dev.rotor.secrets.test.FixedRandom;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * No planted value escapes the adapter. Values starting with {@code PLANTED} are planted in every place a Secret
 * holds one ({@code data}, {@code stringData}, binary data, a change pushed through the watch) and in every error
 * the server sends (its Status message), and the values' base64 form is planted too (it is what travels in an answer
 * and would appear in a logged body); every fault path is driven (denied, throttled, server error, malformed, deleted,
 * unreachable); everything that comes out is captured: every log line of every logger down to TRACE (fabric8's
 * included), standard output and error, every event, every exception, and the {@code toString} of the values, the
 * source and the inventory.
 */
class KubernetesLeakTest {
    private static final String NS = "shop";
    /** How every planted value starts, and its base64 form (three bytes to four characters: aligned at the start). */
    private static final String MARKER = "PLANTED";

    private static final String MARKER_BASE64 =
            Base64.getEncoder().encodeToString("PLANTE".getBytes(StandardCharsets.UTF_8));

    private ApiServer api;
    private FaultyLink link;
    private LeakCheck leaks;
    private final ManualScheduler scheduler = new ManualScheduler();
    private KubernetesSecretSource source;
    private Secrets secrets;

    @BeforeEach
    void captureEverything() {
        // the operator's client is made before the capture turns every logger to TRACE: its writes are the test's
        api = ApiServer.crud();
        link = new FaultyLink(api.port());
        // the mock server's own logs (it logs whole stored objects) are test scaffolding, not the adapter's output
        leaks = LeakCheck.builder()
                .plant(MARKER, MARKER_BASE64)
                .ignoreLoggers("io.fabric8.kubernetes.client.server.mock", "io.fabric8.mockwebserver")
                .start();
    }

    @AfterEach
    void closeAndScan() {
        try {
            if (secrets != null) {
                leaks.check(secrets.inventory(), source);
                secrets.close();
            }
            link.close();
            api.close();
            assertThat(leaks.logLines())
                    .as("fabric8's own loggers are captured down to TRACE")
                    .anySatisfy(
                            line -> assertThat(line).matches("(TRACE|DEBUG) io\\.fabric8\\.kubernetes\\.client\\..*"));
        } finally {
            leaks.close();
        }
    }

    private void start() {
        source = KubernetesSecretSource.builder()
                .masterUrl(link.url())
                .requestTimeout(Duration.ofSeconds(5))
                .build();
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .random(FixedRandom.of(0.5))
                .refreshPolicy(RefreshPolicy.builder()
                        .pollJitter(0)
                        .spreadFirstRefresh(false)
                        .build())
                .eventListener(leaks)
                .build();
    }

    private void await(java.util.function.Predicate<NamespaceWatch> state) throws InterruptedException {
        assertThat(source.watchOf(NS).await(state, Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void valuesAndPushedChanges_neverPrint() throws Exception {
        api.put(NS, "db", Map.of("username", "PLANTED-user", "password", "PLANTED-pass-1"));
        api.putStringData(NS, "api", Map.of("key", "PLANTED-string-data"));
        api.putEncoded(
                NS,
                "tls",
                Map.of(
                        "keystore",
                        Base64.getEncoder()
                                .encodeToString("PLANTED-binary\0\1".getBytes(StandardCharsets.ISO_8859_1))));
        start();

        kept(secrets.get("k8s:shop/db"));
        kept(secrets.get("k8s:shop/api"));
        kept(secrets.get("k8s:shop/tls"));
        assertThat(secrets.value("k8s:shop/api")).isEqualTo("PLANTED-string-data");
        secrets.watch("k8s:shop/db", change -> leaks.check(change, change.current(), change.previous()));
        await(w -> w.synced() && w.eventsReceived() > 0);

        String v2 = api.put(NS, "db", Map.of("username", "PLANTED-user", "password", "PLANTED-pass-2"));
        await(w -> w.indexed("db").map(v2::equals).orElse(false));
        scheduler.advance(NamespaceWatch.SETTLE);
        assertThat(secrets.value("k8s:shop/db#password")).isEqualTo("PLANTED-pass-2");
        leaks.check(source.watchOf(NS));
    }

    @Test
    void everyFault_neverQuotesTheServerOrAValue() throws Exception {
        api.put(NS, "db", Map.of("password", "PLANTED-pass-1"));
        start();
        kept(secrets.get("k8s:shop/db"));
        await(w -> w.synced() && w.eventsReceived() > 0);

        for (int code : new int[] {401, 403, 404, 422, 429, 500, 503}) {
            String name = "err" + code;
            api.mock()
                    .expect()
                    .get()
                    .withPath(ApiServer.secretPath(NS, name))
                    .andReturn(code, ApiServer.status(code, "PLANTED-server-message", code == 429 ? 3 : null))
                    .always();
            leaks.check(catchThrowable(() -> secrets.get("k8s:shop/" + name)));
        }
        api.putEncoded(NS, "bad", Map.of("value", "PLANTED not base64"));
        leaks.check(catchThrowable(() -> secrets.get("k8s:shop/bad")));

        // a refresh that fails every way: throttled, down, deleted; the held value stays in service
        link.answerAll(429, "TooManyRequests", 2);
        scheduler.advance(KubernetesSecretSource.DEFAULT_POLL_INTERVAL.plusSeconds(1));
        link.down();
        scheduler.advance(KubernetesSecretSource.DEFAULT_POLL_INTERVAL.plusSeconds(1));
        link.forward();
        api.delete(NS, "db");
        scheduler.advance(KubernetesSecretSource.DEFAULT_POLL_INTERVAL.multipliedBy(2));
        assertThat(secrets.value("k8s:shop/db")).isEqualTo("PLANTED-pass-1");
    }

    private void kept(Secret s) {
        leaks.check(s, s.fieldNames(), s.attributes());
    }
}
