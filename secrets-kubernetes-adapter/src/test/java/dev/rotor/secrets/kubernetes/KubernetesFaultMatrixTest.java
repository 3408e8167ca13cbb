package dev.rotor.secrets.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every answer of the API server to a read, to the exception the engine sees and whether it retries: on fabric8's
 * mock server in expectations mode (the faults an in-memory API server cannot make), each row a Status body as the
 * API server writes it. The messages name the ref, the source and the status, never the server's message.
 */
class KubernetesFaultMatrixTest {
    private final ApiServer api = ApiServer.expectations();
    private final KubernetesSecretSource source = ManualSourceContext.start(
            KubernetesSecretSource.builder()
                    .masterUrl(api.url())
                    .requestTimeout(Duration.ofMillis(500))
                    .connectionTimeout(Duration.ofSeconds(2))
                    .build(),
            new ManualScheduler());

    @AfterEach
    void close() {
        source.close();
        api.close();
    }

    @ParameterizedTest(name = "HTTP {0} -> {1}, retryable {2}")
    @CsvSource({
        "400, SecretConfigurationException, false",
        "401, SecretAccessDeniedException, false",
        "403, SecretAccessDeniedException, false",
        "404, SecretNotFoundException, false",
        "405, SecretConfigurationException, false",
        "408, SourceUnavailableException, true",
        "409, SourceUnavailableException, true",
        "410, SecretNotFoundException, false",
        "422, SecretConfigurationException, false",
        "429, SourceThrottledException, true",
        "500, SourceUnavailableException, true",
        "502, SourceUnavailableException, true",
        "503, SourceUnavailableException, true",
        "504, SourceUnavailableException, true",
    })
    void status_mapsToItsException(int code, String type, boolean retryable) {
        String name = "s" + code;
        api.mock()
                .expect()
                .get()
                .withPath(ApiServer.secretPath("shop", name))
                .andReturn(code, ApiServer.status(code, "the server's own words " + code, null))
                .always();
        SecretRef ref = SecretRef.parse("k8s:shop/" + name);

        SecretException e = fail(ref);

        assertThat(e.getClass().getSimpleName()).isEqualTo(type);
        assertThat(e.isRetryable()).isEqualTo(retryable);
        assertThat(e.ref()).contains(ref);
        assertThat(e.source()).contains("k8s");
        assertThat(e.getMessage()).contains("HTTP " + code).doesNotContain("the server's own words");
    }

    @Test
    void throttled_carriesTheServersWait() {
        api.mock()
                .expect()
                .get()
                .withPath(ApiServer.secretPath("shop", "db"))
                .andReturn(429, ApiServer.status(429, "TooManyRequests", 7))
                .withHeader("Retry-After", "7")
                .always();

        SourceThrottledException e = (SourceThrottledException) fail(SecretRef.parse("k8s:shop/db"));

        assertThat(e.retryAfter()).contains(Duration.ofSeconds(7));
    }

    @Test
    void throttled_aWaitLongerThanTheCap_isCapped_andNoWaitIsNone() {
        api.mock()
                .expect()
                .get()
                .withPath(ApiServer.secretPath("shop", "long"))
                .andReturn(429, ApiServer.status(429, "TooManyRequests", 86_400))
                .always();
        api.mock()
                .expect()
                .get()
                .withPath(ApiServer.secretPath("shop", "none"))
                .andReturn(429, ApiServer.status(429, "TooManyRequests", null))
                .always();

        SourceThrottledException capped = (SourceThrottledException) fail(SecretRef.parse("k8s:shop/long"));
        SourceThrottledException none = (SourceThrottledException) fail(SecretRef.parse("k8s:shop/none"));

        assertThat(capped.retryAfter()).contains(SourceThrottledException.MAX_RETRY_AFTER);
        assertThat(none.retryAfter()).isEmpty();
    }

    @Test
    void aServerThatDoesNotAnswerInTime_isUnavailable_withinTheRequestTimeout() {
        api.mock()
                .expect()
                .get()
                .delay(5, TimeUnit.SECONDS)
                .withPath(ApiServer.secretPath("shop", "slow"))
                .andReturn(200, "{}")
                .always();

        SecretException e = fail(SecretRef.parse("k8s:shop/slow"));

        assertThat(e).isInstanceOf(SourceUnavailableException.class);
        assertThat(e.isRetryable()).isTrue();
    }

    @Test
    void nobodyListening_isUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        KubernetesSecretSource closedPort = ManualSourceContext.start(
                KubernetesSecretSource.builder()
                        .masterUrl(URI.create("http://127.0.0.1:" + port + "/"))
                        .connectionTimeout(Duration.ofSeconds(1))
                        .build(),
                new ManualScheduler());
        try {
            Throwable t = catchThrowable(
                    () -> closedPort.fetch(FetchRequest.of(SecretRef.parse("k8s:shop/db"), FetchReason.INITIAL)));
            assertThat(t).isInstanceOf(SourceUnavailableException.class);
            assertThat(((SecretException) t).isRetryable()).isTrue();
        } finally {
            closedPort.close();
        }
    }

    @Test
    void aNamespaceOrNameTheApiServerWouldRefuse_isAConfigurationError_beforeAnyCall() {
        for (String bad : new String[] {
            "k8s:db",
            "k8s:Shop/db",
            "k8s:shop/DB",
            "k8s:shop/db/x",
            "k8s:-shop/db",
            "k8s:shop/db-",
            "k8s:shop/a..b",
            "k8s:" + "n".repeat(64) + "/db",
            "k8s:shop/" + "a".repeat(254)
        }) {
            SecretRef ref = SecretRef.parse(bad);
            Throwable t = catchThrowable(() -> source.fetch(FetchRequest.of(ref, FetchReason.INITIAL)));
            assertThat(t).as(bad).isInstanceOf(SecretConfigurationException.class);
            assertThat(((SecretException) t).ref()).as(bad).contains(ref);
            assertThat(((SecretException) t).source()).as(bad).contains("k8s");
        }
        assertThat(api.requests()).as("no call made").isEmpty();
    }

    private SecretException fail(SecretRef ref) {
        Throwable t = catchThrowable(() -> source.fetch(FetchRequest.of(ref, FetchReason.INITIAL)));
        assertThat(t).isInstanceOf(SecretException.class);
        return (SecretException) t;
    }

    // the names of the types the rows expect, so that an import is not dropped as unused
    @SuppressWarnings("unused")
    private static final Class<?>[] TYPES = {
        SecretAccessDeniedException.class, SecretNotFoundException.class, SourceUnavailableException.class
    };
}
