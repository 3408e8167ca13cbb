package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.azure.AzureKeyVaultSource;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.azure.KeyVaultFake;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;

/**
 * {@code rotor.azure.*} becomes an {@link AzureKeyVaultSource} on the client, reading from the test kit's Key Vault
 * fake over real HTTPS on {@code 127.0.0.1} through the real Azure SDK, with the application's {@link TokenCredential}
 * bean as its credential; a source bean for {@code azure-kv} wins.
 */
class RotorAzureSourceTest {
    private static final String DB_PASS = "PLANTED-azure-db-pass-3b9d";

    @TempDir
    Path dir;

    private final ManualScheduler scheduler = new ManualScheduler();
    private KeyVaultFake vault;
    private Path ca;

    @BeforeEach
    void vaultWithTheSecret() throws Exception {
        vault = KeyVaultFake.start();
        vault.setSecret("db", "{\"username\":\"orders\",\"password\":\"" + DB_PASS + "\"}");
        ca = dir.resolve("ca.pem");
        Files.writeString(ca, pem(vault.trustStore()));
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    private static String pem(KeyStore store) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String alias : Collections.list(store.aliases())) {
            Certificate c = store.getCertificate(alias);
            out.append("-----BEGIN CERTIFICATE-----\n")
                    .append(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                            .encodeToString(c.getEncoded()))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        return out.toString();
    }

    private TokenCredential credential() {
        String token = vault.issueToken();
        return request -> Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1)));
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

    private String[] toTheFake() {
        return new String[] {
            "rotor.azure.vault-urls.shop=" + vault.vaultUrl(),
            "rotor.azure.trust-certificates=" + ca,
            "rotor.azure.disable-challenge-resource-verification=true"
        };
    }

    @Test
    void azure_vaultUrlSet_clientReadsTheSecret_withTheApplicationsCredential() {
        runner().withBean(TokenCredential.class, this::credential)
                .withPropertyValues(toTheFake())
                .withPropertyValues("rotor.azure.call-timeout=5s", "rotor.azure.requests-per-second=4")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Secrets secrets = context.getBean(Secrets.class);
                    assertThat(secrets.value("azure-kv:shop/db#password")).isEqualTo(DB_PASS);
                    assertThat(secrets.value("azure-kv:shop/db#username")).isEqualTo("orders");
                    assertThat(secrets.get("azure-kv:shop/db").version())
                            .isEqualTo(vault.latestVersion("db").orElseThrow());
                    assertThat(secrets.refreshPolicy("azure-kv:shop/db").requestsPerSecond())
                            .isEqualTo(4.0);
                    assertThat(secrets.refreshPolicy("azure-kv:shop/db").pollInterval())
                            .as("the adapter's own default")
                            .isEqualTo(AzureKeyVaultSource.DEFAULT_POLL_INTERVAL);
                });
    }

    @Test
    void azure_withoutTheFakesCertificateTrusted_failsTheReadNotTheStart() {
        runner().withBean(TokenCredential.class, this::credential)
                .withPropertyValues(
                        "rotor.azure.vault-urls.shop=" + vault.vaultUrl(),
                        "rotor.azure.disable-challenge-resource-verification=true")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    Secrets secrets = context.getBean(Secrets.class);
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> secrets.value("azure-kv:shop/db#password"))
                            .isInstanceOf(dev.rotor.secrets.SecretException.class)
                            .hasMessageContaining("azure-kv:shop/db");
                    assertThat(vault.requests()).isEmpty();
                });
    }

    @Test
    void azure_userSourceBeanForTheScheme_winsOverTheProperties() {
        InMemorySource own = new InMemorySource("azure-kv", scheduler.clock());
        own.putFields("shop/db", Map.of("password", "from-the-bean"));
        runner().withBean("own", InMemorySource.class, () -> own)
                .withPropertyValues(toTheFake())
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(Secrets.class).value("azure-kv:shop/db#password"))
                            .isEqualTo("from-the-bean");
                    assertThat(vault.requests()).isEmpty();
                });
    }

    @Test
    void azure_adapterNotOnClassPath_startsWithoutAzureSource() {
        runner().withClassLoader(new FilteredClassLoader(AzureKeyVaultSource.class))
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(Secrets.class));
    }

    @Test
    void azure_adapterNotOnClassPathButVaultUrlSet_failsNamingTheProperty() {
        runner().withClassLoader(new FilteredClassLoader(AzureKeyVaultSource.class))
                .withPropertyValues("rotor.azure.vault-urls.shop=" + vault.vaultUrl())
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.azure.vault-urls")
                        .hasMessageContaining("dev.rotor:secrets-azure-adapter"));
    }

    @Test
    void azure_challengeVerificationOffForARemoteVault_isRefused() {
        runner().withPropertyValues(
                        "rotor.azure.vault-urls.shop=https://shop.privatelink.vaultcore.azure.net",
                        "rotor.azure.disable-challenge-resource-verification=true")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.azure.disable-challenge-resource-verification")
                        .hasMessageContaining("loopback"));
    }

    @Test
    void azure_badSettings_failNamingTheProperty() {
        runner().withPropertyValues("rotor.azure.call-timeout=0s")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("rotor.azure.call-timeout"));
        runner().withPropertyValues("rotor.azure.trust-certificates=" + dir.resolve("missing.pem"))
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.azure.trust-certificates"));
        runner().withBean(TokenCredential.class, this::credential)
                .withPropertyValues("rotor.azure.managed-identity-client-id=00000000-0000-0000-0000-000000000000")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.azure.managed-identity-client-id")
                        .hasMessageContaining("TokenCredential bean"));
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(RotorAutoConfiguration.class)
    static class App {}

    /**
     * The config import runs before any bean exists: a {@link TokenCredential} registered in the bootstrap registry
     * signs it in, with the same {@code rotor.azure.*} properties.
     */
    @Test
    void configImport_azureRef_withTheCredentialFromTheBootstrapRegistry_fieldsBecomeProperties() {
        SpringApplication app = new SpringApplication(App.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(org.springframework.boot.Banner.Mode.OFF);
        app.setLogStartupInfo(false);
        TokenCredential credential = credential();
        app.addBootstrapRegistryInitializer(registry -> {
            registry.register(TokenCredential.class, BootstrapRegistry.InstanceSupplier.of(credential));
            registry.register(
                    RotorSecretsCustomizer.class, BootstrapRegistry.InstanceSupplier.of(b -> b.scheduler(scheduler)
                            .executor(ManualScheduler.directExecutor())));
        });
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(
                "--rotor.audit.enabled=false", "--spring.config.import=rotor:azure-kv:shop/db?prefix=db."));
        for (String p : toTheFake()) {
            args.add("--" + p);
        }
        try (ConfigurableApplicationContext context = app.run(args.toArray(String[]::new))) {
            assertThat(context.getEnvironment().getProperty("db.password")).isEqualTo(DB_PASS);
            assertThat(context.getEnvironment().getProperty("db.username")).isEqualTo("orders");
        }
    }
}
