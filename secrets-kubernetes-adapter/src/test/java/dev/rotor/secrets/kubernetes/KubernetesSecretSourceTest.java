package dev.rotor.secrets.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSourceProvider;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reads, values and configuration of the source, against fabric8's mock API server in CRUD mode. */
class KubernetesSecretSourceTest {
    private final ApiServer api = ApiServer.crud();
    private KubernetesSecretSource source;

    @AfterEach
    void close() {
        if (source != null) {
            source.close();
        }
        api.close();
    }

    private KubernetesSecretSource source() {
        source = ManualSourceContext.start(
                KubernetesSecretSource.builder().masterUrl(api.url()).build(), new ManualScheduler());
        return source;
    }

    private static Secret fetch(KubernetesSecretSource s, String ref) {
        return s.fetch(FetchRequest.of(SecretRef.parse(ref), FetchReason.INITIAL));
    }

    @Test
    void severalKeys_areFields_andTheVersionIsTheResourceVersion() {
        String version = api.put("shop", "db", Map.of("username", "app", "password", "p1"));

        Secret s = fetch(source(), "k8s:shop/db");

        assertThat(s.fields()).containsOnly(Map.entry("username", "app"), Map.entry("password", "p1"));
        assertThat(s.value(SecretRef.parse("k8s:shop/db#password"))).isEqualTo("p1");
        assertThat(s.version()).isEqualTo(version);
        assertThat(s.attributes()).containsEntry("type", "Opaque").containsKey("uid");
        assertThatThrownBy(s::value).isInstanceOf(SecretFormatException.class);
        assertThat(s.toString()).doesNotContain("p1");
    }

    @Test
    void oneKey_isTheValueOfARefWithoutKey() {
        api.put("shop", "api-key", Map.of("token", "t-1"));

        Secret s = fetch(source(), "k8s:shop/api-key");

        assertThat(s.value()).isEqualTo("t-1");
        assertThat(s.value(SecretRef.parse("k8s:shop/api-key#token"))).isEqualTo("t-1");
    }

    @Test
    void stringData_readsAsItWasWritten_andWinsOverTheSameKeyInData() {
        api.putStringData("shop", "plain", Map.of("password", "from-string-data"));

        assertThat(fetch(source(), "k8s:shop/plain").value()).isEqualTo("from-string-data");
    }

    @Test
    void binaryData_staysBytes() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        api.putEncoded(
                "shop", "keystore", Map.of("keystore.p12", Base64.getEncoder().encodeToString(bytes)));

        Secret s = fetch(source(), "k8s:shop/keystore");

        assertThat(s.bytes()).isEqualTo(bytes);
    }

    @Test
    void dataThatIsNotBase64_isAFormatError_namingTheKeyNotTheValue() {
        api.putEncoded("shop", "bad", Map.of("password", "not base64 at all!"));

        assertThatThrownBy(() -> fetch(source(), "k8s:shop/bad"))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("'password'")
                .hasMessageNotContaining("not base64 at all");
    }

    @Test
    void yourClient_staysYours_closeLeavesItOpen() {
        api.put("shop", "db", Map.of("password", "p1"));
        KubernetesClient mine = api.client();
        try {
            KubernetesSecretSource s = ManualSourceContext.start(
                    KubernetesSecretSource.builder().client(mine).watch(false).build(), new ManualScheduler());
            assertThat(fetch(s, "k8s:shop/db").value()).isEqualTo("p1");
            assertThat(s.ownsClient()).isFalse();
            s.close();

            assertThat(mine.secrets().inNamespace("shop").withName("db").get()).isNotNull();
        } finally {
            mine.close();
        }
    }

    @Test
    void aClosedSource_refusesToRead() {
        api.put("shop", "db", Map.of("password", "p1"));
        KubernetesSecretSource s = source();
        fetch(s, "k8s:shop/db");
        s.close();

        assertThatThrownBy(() -> fetch(s, "k8s:shop/db"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void builder_refusesConflictsAndPlainHttpToAnotherHost() {
        KubernetesClient mine = api.client();
        try {
            assertThatThrownBy(() -> KubernetesSecretSource.builder()
                            .client(mine)
                            .requestTimeout(Duration.ofSeconds(1))
                            .masterUrl(URI.create("https://k8s.example"))
                            .build())
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("masterUrl")
                    .hasMessageContaining("requestTimeout");
        } finally {
            mine.close();
        }
        assertThatThrownBy(() -> KubernetesSecretSource.builder()
                        .masterUrl(URI.create("http://k8s.example:6443"))
                        .build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("loopback");
        assertThatThrownBy(() -> KubernetesSecretSource.builder()
                        .reconnectBackoff(Duration.ofMinutes(5), Duration.ofSeconds(1))
                        .build())
                .isInstanceOf(SecretConfigurationException.class);
        assertThatThrownBy(() -> KubernetesSecretSource.builder()
                        .requestTimeout(Duration.ZERO)
                        .build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("requestTimeout");
        KubernetesSecretSource.builder()
                .masterUrl(URI.create("http://127.0.0.1:8001"))
                .build();
        KubernetesSecretSource.builder()
                .masterUrl(URI.create("http://[::1]:8001"))
                .build();
        KubernetesSecretSource.builder()
                .masterUrl(URI.create("https://k8s.example:6443"))
                .build();
        KubernetesSecretSource.builder()
                .masterUrl(URI.create("http://k8s.example:6443"))
                .allowInsecureHttp(true)
                .build();
    }

    @Test
    void refFactory_checksEachPartAsTheApiServerDoes() {
        assertThat(KubernetesSecretSource.ref("shop", "db", "password").toString())
                .isEqualTo("k8s:shop/db#password");
        assertThat(KubernetesSecretSource.ref("shop", "tls.example.com", null).toString())
                .isEqualTo("k8s:shop/tls.example.com");
        assertThatThrownBy(() -> KubernetesSecretSource.ref("shop", "db", ".."))
                .isInstanceOf(SecretConfigurationException.class);
        assertThatThrownBy(() -> KubernetesSecretSource.ref("shop", "db", "a key"))
                .isInstanceOf(SecretConfigurationException.class);
        assertThatThrownBy(() -> KubernetesSecretSource.ref("Shop", "db", null))
                .isInstanceOf(SecretConfigurationException.class);
    }

    @Test
    void provider_isFoundByServiceLoader_andMakesNoCall() {
        SecretSourceProvider found = ServiceLoader.load(SecretSourceProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.scheme().equals("k8s"))
                .findFirst()
                .orElseThrow();
        try (KubernetesSecretSource s = (KubernetesSecretSource) found.create()) {
            assertThat(s.scheme()).isEqualTo("k8s");
            assertThat(s.defaultRefreshPolicy().pollInterval()).isEqualTo(KubernetesSecretSource.DEFAULT_POLL_INTERVAL);
        }
        assertThat(api.requests()).isEmpty();
    }
}
