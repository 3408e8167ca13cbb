package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.gcp.GoogleSecretManagerSource;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.gcp.SecretManagerFake;
import java.time.Duration;
import java.util.Map;
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
 * {@code rotor.gcp.*} becomes a {@link GoogleSecretManagerSource} on the client, reading from the test kit's Secret
 * Manager fake on {@code 127.0.0.1} through Google's real client; a source bean for {@code gcp-sm} wins; {@code
 * spring.config.import=rotor:gcp-sm:...} reads through the same properties.
 */
class RotorGcpSourceTest {
    private static final String P = "my-project";
    private static final String DB_PASS = "PLANTED-gcp-db-pass-5e1a";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final SecretManagerFake gcp = SecretManagerFake.start(scheduler.clock());
    private final String endpoint = gcp.listenOnLoopback();

    @BeforeEach
    void writeTheSecret() {
        gcp.createSecret(P, "db");
        gcp.addVersion(P, "db", "{\"username\":\"orders\",\"password\":\"" + DB_PASS + "\"}");
    }

    @AfterEach
    void stop() {
        gcp.close();
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
    void gcp_endpointSet_clientReadsTheSecret() {
        runner().withPropertyValues(
                        "rotor.gcp.endpoint=" + endpoint,
                        "rotor.gcp.no-credentials=true",
                        "rotor.gcp.call-timeout=5s",
                        "rotor.gcp.requests-per-second=7")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Secrets secrets = context.getBean(Secrets.class);
                    assertThat(secrets.value("gcp-sm:" + P + "/db#password")).isEqualTo(DB_PASS);
                    assertThat(secrets.get("gcp-sm:" + P + "/db").version()).isEqualTo("1");
                    assertThat(secrets.refreshPolicy("gcp-sm:" + P + "/db").requestsPerSecond())
                            .isEqualTo(7.0);
                    assertThat(secrets.refreshPolicy("gcp-sm:" + P + "/db").pollInterval())
                            .as("the adapter's own default")
                            .isEqualTo(Duration.ofMinutes(5));
                    assertThat(gcp.count("AccessSecretVersion")).isEqualTo(1);
                });
    }

    @Test
    void gcp_userSourceBeanForTheScheme_winsOverTheProperties() {
        InMemorySource own = new InMemorySource("gcp-sm", scheduler.clock());
        own.putFields(P + "/db", Map.of("password", "from-the-bean"));
        runner().withBean("own", InMemorySource.class, () -> own)
                .withPropertyValues("rotor.gcp.endpoint=" + endpoint, "rotor.gcp.no-credentials=true")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(Secrets.class).value("gcp-sm:" + P + "/db#password"))
                            .isEqualTo("from-the-bean");
                    assertThat(gcp.requests()).isEmpty();
                });
    }

    @Test
    void gcp_adapterNotOnClassPath_startsWithoutGcpSource() {
        runner().withClassLoader(new FilteredClassLoader(GoogleSecretManagerSource.class))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Secrets.class));
    }

    @Test
    void gcp_adapterNotOnClassPathButEndpointSet_failsNamingTheProperty() {
        runner().withClassLoader(new FilteredClassLoader(GoogleSecretManagerSource.class))
                .withPropertyValues("rotor.gcp.endpoint=" + endpoint)
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.gcp.endpoint")
                        .hasMessageContaining("dev.rotor:secrets-gcp-adapter"));
    }

    @Test
    void gcp_noCredentialsToARemoteEndpoint_isRefused() {
        runner().withPropertyValues("rotor.gcp.endpoint=psc.example.internal:443", "rotor.gcp.no-credentials=true")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.gcp.no-credentials")
                        .hasMessageContaining("loopback"));
    }

    @Test
    void gcp_badSettings_failNamingTheProperty() {
        runner().withPropertyValues("rotor.gcp.call-timeout=0s")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("rotor.gcp.call-timeout"));
        runner().withPropertyValues("rotor.gcp.endpoint=https://x/").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("rotor.gcp.")
                .hasMessageContaining("host:port"));
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(RotorAutoConfiguration.class)
    static class App {}

    @Test
    void configImport_gcpRef_fieldsBecomeProperties() {
        SpringApplication app = new SpringApplication(App.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(org.springframework.boot.Banner.Mode.OFF);
        app.setLogStartupInfo(false);
        app.addBootstrapRegistryInitializer(registry -> registry.register(
                RotorSecretsCustomizer.class, BootstrapRegistry.InstanceSupplier.of(b -> b.scheduler(scheduler)
                        .executor(ManualScheduler.directExecutor()))));
        try (ConfigurableApplicationContext context = app.run(
                "--rotor.audit.enabled=false",
                "--rotor.gcp.endpoint=" + endpoint,
                "--rotor.gcp.no-credentials=true",
                "--spring.config.import=rotor:gcp-sm:projects/" + P + "/secrets/db?prefix=db.")) {
            assertThat(context.getEnvironment().getProperty("db.password")).isEqualTo(DB_PASS);
            assertThat(context.getEnvironment().getProperty("db.username")).isEqualTo("orders");
        }
    }
}
