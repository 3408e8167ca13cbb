package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.kubernetes.KubernetesSecretSource;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * {@code rotor.kubernetes.*} becomes a {@link KubernetesSecretSource} on the client, reading from fabric8's mock API
 * server (in-memory state, on {@code 127.0.0.1}) through the real fabric8 client; a source bean for {@code k8s} wins;
 * {@code spring.config.import=rotor:k8s:...} reads through the same properties.
 */
class RotorKubernetesSourceTest {
    private static final String DB_PASS = "PLANTED-k8s-db-pass-71c0";

    private final ManualScheduler scheduler = new ManualScheduler();
    private KubernetesMockServer server;
    private String url;

    @BeforeEach
    void apiServerWithTheSecret() throws Exception {
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(
                new Context(), new MockWebServer(), responses, new KubernetesMixedDispatcher(responses), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        url = server.url("/");
        try (KubernetesClient operator = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl(url)
                        .withRequestTimeout(5_000)
                        .withRequestRetryBackoffLimit(0)
                        .build())
                .build()) {
            operator.secrets()
                    .inNamespace("shop")
                    .resource(new SecretBuilder()
                            .withNewMetadata()
                            .withName("db")
                            .withNamespace("shop")
                            .endMetadata()
                            .withType("Opaque")
                            .withData(Map.of("username", b64("orders"), "password", b64(DB_PASS)))
                            .build())
                    .create();
        }
        drainRequests();
    }

    @AfterEach
    void stop() {
        server.destroy();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The requests the server took since the last call (bounded: it only takes what is already there). */
    private List<String> drainRequests() throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            RecordedRequest r = server.takeRequest(10, TimeUnit.MILLISECONDS);
            if (r == null) {
                break;
            }
            out.add(r.getMethod() + " " + r.getPath());
        }
        return out;
    }

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RotorAutoConfiguration.class))
                .withBean(
                        RotorSecretsCustomizer.class,
                        () -> b -> b.scheduler(scheduler).executor(ManualScheduler.directExecutor()))
                .withBean("mem", InMemorySource.class, () -> new InMemorySource("mem", scheduler.clock()))
                .withPropertyValues("rotor.audit.enabled=false", "rotor.discover-sources=false");
    }

    @Test
    void kubernetes_masterUrlSet_clientReadsTheSecret_withTheAdaptersPollAndThePropertiesBudget() {
        runner().withPropertyValues(
                        "rotor.kubernetes.master-url=" + url,
                        "rotor.kubernetes.watch=false",
                        "rotor.kubernetes.request-timeout=5s",
                        "rotor.kubernetes.connection-timeout=2s",
                        "rotor.kubernetes.requests-per-second=3")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Secrets secrets = context.getBean(Secrets.class);
                    assertThat(secrets.value("k8s:shop/db#password")).isEqualTo(DB_PASS);
                    assertThat(secrets.value("k8s:shop/db#username")).isEqualTo("orders");
                    assertThat(secrets.refreshPolicy("k8s:shop/db").requestsPerSecond())
                            .isEqualTo(3.0);
                    assertThat(secrets.refreshPolicy("k8s:shop/db").pollInterval())
                            .as("the adapter's own default")
                            .isEqualTo(KubernetesSecretSource.DEFAULT_POLL_INTERVAL);
                    // watch off: one GET of the Secret, no list and no watch of the namespace
                    assertThat(drainRequests()).containsExactly("GET /api/v1/namespaces/shop/secrets/db");
                });
    }

    @Test
    void kubernetes_userSourceBeanForTheScheme_winsOverTheProperties() {
        InMemorySource own = new InMemorySource("k8s", scheduler.clock());
        own.putFields("shop/db", Map.of("password", "from-the-bean"));
        runner().withBean("own", InMemorySource.class, () -> own)
                .withPropertyValues("rotor.kubernetes.master-url=" + url)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(Secrets.class).value("k8s:shop/db#password"))
                            .isEqualTo("from-the-bean");
                    assertThat(drainRequests()).isEmpty();
                });
    }

    @Test
    void kubernetes_adapterNotOnClassPath_startsWithoutKubernetesSource() {
        runner().withClassLoader(new FilteredClassLoader(KubernetesSecretSource.class))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Secrets.class));
    }

    @Test
    void kubernetes_adapterNotOnClassPathButMasterUrlSet_failsNamingTheProperty() {
        runner().withClassLoader(new FilteredClassLoader(KubernetesSecretSource.class))
                .withPropertyValues("rotor.kubernetes.master-url=" + url)
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.kubernetes.master-url")
                        .hasMessageContaining("dev.rotor:secrets-kubernetes-adapter"));
    }

    @Test
    void kubernetes_plainHttpToARemoteApiServer_isRefused_unlessAllowed() {
        runner().withPropertyValues("rotor.kubernetes.master-url=http://api.cluster.example:6443")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.kubernetes.")
                        .hasMessageContaining("loopback"));
        runner().withPropertyValues(
                        "rotor.kubernetes.master-url=http://api.cluster.example:6443",
                        "rotor.kubernetes.allow-insecure-http=true")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void kubernetes_badSettings_failNamingTheProperty() {
        runner().withPropertyValues("rotor.kubernetes.request-timeout=0s").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("rotor.kubernetes.request-timeout"));
        runner().withPropertyValues("rotor.kubernetes.label-selector= ").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("rotor.kubernetes.")
                .hasMessageContaining("labelSelector"));
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(RotorAutoConfiguration.class)
    static class App {}

    @Test
    void configImport_kubernetesRef_fieldsBecomeProperties() {
        SpringApplication app = new SpringApplication(App.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(org.springframework.boot.Banner.Mode.OFF);
        app.setLogStartupInfo(false);
        app.addBootstrapRegistryInitializer(registry -> registry.register(
                RotorSecretsCustomizer.class, BootstrapRegistry.InstanceSupplier.of(b -> b.scheduler(scheduler)
                        .executor(ManualScheduler.directExecutor()))));
        try (ConfigurableApplicationContext context = app.run(
                "--rotor.audit.enabled=false",
                "--rotor.kubernetes.master-url=" + url,
                "--rotor.kubernetes.watch=false",
                "--spring.config.import=rotor:k8s:shop/db?prefix=db.")) {
            assertThat(context.getEnvironment().getProperty("db.password")).isEqualTo(DB_PASS);
            assertThat(context.getEnvironment().getProperty("db.username")).isEqualTo("orders");
        }
    }
}
