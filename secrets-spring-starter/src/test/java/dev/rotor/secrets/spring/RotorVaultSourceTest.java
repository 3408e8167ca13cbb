package dev.rotor.secrets.spring;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.vault.VaultSource;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.Banner;
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
 * {@code rotor.vault.*} becomes a {@link VaultSource} on the client (and on the config import's bootstrap client),
 * reading from WireMock answering as Vault's API documents it (bodies shaped as the adapter's {@code VaultStubs}).
 */
class RotorVaultSourceTest {
    private static final String TOKEN = "hvs.PLANTED-token-5c1d";
    private static final String SECRET_ID = "PLANTED-secret-id-77a0";
    private static final String DB_PASS = "PLANTED-vault-db-pass-2e9f";

    @TempDir
    Path tmp;

    private final ManualScheduler scheduler = new ManualScheduler();
    private WireMockServer vault;

    @BeforeEach
    void startVault() {
        vault = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        vault.start();
        // GET /v1/auth/token/lookup-self for the given token
        vault.stubFor(get(urlEqualTo("/v1/auth/token/lookup-self"))
                .withHeader("X-Vault-Token", equalTo(TOKEN))
                .willReturn(json("{\"request_id\":\"8e33c808-f86c-cff8-f30a-fbb3ac22c4a8\",\"lease_id\":\"\","
                        + "\"renewable\":false,\"lease_duration\":0,\"data\":{\"accessor\":"
                        + "\"8609694a-cdbc-db9b-d345-e782dbb562ed\",\"creation_time\":1523979354,\"creation_ttl\":0,"
                        + "\"display_name\":\"token\",\"entity_id\":\"\",\"expire_time\":null,\"explicit_max_ttl\":0,"
                        + "\"id\":\"" + TOKEN + "\",\"issue_time\":null,\"meta\":null,\"num_uses\":0,\"orphan\":false,"
                        + "\"path\":\"auth/token/create\",\"policies\":[\"default\",\"app\"],\"renewable\":false,"
                        + "\"ttl\":0,\"type\":\"service\"},\"wrap_info\":null,\"warnings\":null,\"auth\":null}")));
        // POST /v1/auth/approle/login with the role id and the secret id read from the ref
        vault.stubFor(post(urlEqualTo("/v1/auth/approle/login"))
                .withRequestBody(matchingJsonPath("$.role_id", equalTo("orders")))
                .withRequestBody(matchingJsonPath("$.secret_id", equalTo(SECRET_ID)))
                .willReturn(json("{\"request_id\":\"d1b5a7f0-5c0c-4a34-9d55-2b1d2c0e8f11\",\"lease_id\":\"\","
                        + "\"renewable\":false,\"lease_duration\":0,\"data\":null,\"wrap_info\":null,"
                        + "\"warnings\":null,\"auth\":{\"client_token\":\"" + TOKEN + "\",\"accessor\":"
                        + "\"accessor-1\",\"policies\":[\"default\",\"app\"],\"token_policies\":[\"default\",\"app\"],"
                        + "\"metadata\":{\"role_name\":\"orders\"},\"lease_duration\":3600,\"renewable\":true,"
                        + "\"entity_id\":\"7d2e3179-f69b-450c-7179-ac8ee8bd8ca9\",\"token_type\":\"service\","
                        + "\"orphan\":true}}")));
        // GET /v1/secret/data/app/db (KV v2)
        vault.stubFor(get(urlPathEqualTo("/v1/secret/data/app/db"))
                .withHeader("X-Vault-Token", equalTo(TOKEN))
                .willReturn(json("{\"request_id\":\"3f0c7e8e-2a0b-4c5e-9d0f-6a1b2c3d4e5f\",\"lease_id\":\"\","
                        + "\"renewable\":false,\"lease_duration\":0,\"data\":{\"data\":{\"username\":\"orders\","
                        + "\"password\":\"" + DB_PASS + "\"},\"metadata\":{\"created_time\":"
                        + "\"2026-11-25T09:00:00.000000Z\",\"custom_metadata\":null,\"deletion_time\":\"\","
                        + "\"destroyed\":false,\"version\":3}},\"wrap_info\":null,\"warnings\":null,\"auth\":null}")));
    }

    @AfterEach
    void stopVault() {
        vault.stop();
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse()
                .withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody(body);
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

    private String tokenFile() throws Exception {
        Path file = tmp.resolve("vault-token");
        Files.writeString(file, TOKEN);
        return "file:" + file;
    }

    private String[] vaultProperties(String tokenRef) {
        return new String[] {
            "rotor.vault.address=" + vault.baseUrl(),
            "rotor.vault.auth.method=token",
            "rotor.vault.auth.token-ref=" + tokenRef,
            "rotor.vault.kv-versions.secret=2",
            "rotor.vault.connect-timeout=2s",
            "rotor.vault.read-timeout=5s"
        };
    }

    @Test
    void vault_addressAndTokenFileSet_clientReadsKvSecretFromVault() throws Exception {
        runner().withPropertyValues(vaultProperties(tokenFile())).run(context -> {
            assertThat(context).hasNotFailed();
            Secrets secrets = context.getBean(Secrets.class);
            assertThat(secrets.value("vault:secret/app/db#password")).isEqualTo(DB_PASS);
            assertThat(secrets.get("vault:secret/app/db").version()).isEqualTo("3");
        });
    }

    @Test
    void vault_appRoleWithSecretIdRef_logsInWithTheSecretIdTheRefHolds() throws Exception {
        Path secretId = tmp.resolve("secret-id");
        Files.writeString(secretId, SECRET_ID);
        runner().withPropertyValues(
                        "rotor.vault.address=" + vault.baseUrl(),
                        "rotor.vault.auth.method=approle",
                        "rotor.vault.auth.role-id=orders",
                        "rotor.vault.auth.secret-id-ref=file:" + secretId,
                        "rotor.vault.kv-versions.secret=2")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(Secrets.class).value("vault:secret/app/db#password"))
                            .isEqualTo(DB_PASS);
                    vault.verify(
                            1,
                            com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                                    urlEqualTo("/v1/auth/approle/login")));
                });
    }

    @Test
    void vault_userSourceBeanForTheScheme_winsOverTheProperties() throws Exception {
        InMemorySource own = new InMemorySource("vault", scheduler.clock());
        own.putFields("secret/app/db", java.util.Map.of("password", "from-the-bean"));
        runner().withBean("own", InMemorySource.class, () -> own)
                .withPropertyValues(vaultProperties(tokenFile()))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(Secrets.class).value("vault:secret/app/db#password"))
                            .isEqualTo("from-the-bean");
                    assertThat(vault.getAllServeEvents()).isEmpty();
                });
    }

    @Test
    void vault_adapterNotOnClassPath_startsWithoutVaultSource() {
        runner().withClassLoader(new FilteredClassLoader(VaultSource.class)).run(context -> {
            assertThat(context).hasNotFailed();
            assertThatThrownBy(() -> context.getBean(Secrets.class).value("vault:secret/app/db#password"))
                    .isInstanceOf(SecretConfigurationException.class);
        });
    }

    @Test
    void vault_adapterNotOnClassPathButAddressSet_failsNamingTheProperty() throws Exception {
        runner().withClassLoader(new FilteredClassLoader(VaultSource.class))
                .withPropertyValues(vaultProperties(tokenFile()))
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOf(SecretConfigurationException.class)
                        .hasMessageContaining("rotor.vault.address")
                        .hasMessageContaining("secrets-vault-adapter"));
    }

    @Test
    void vault_tokenMethodWithoutTokenRef_failsNamingTheProperty() {
        runner().withPropertyValues("rotor.vault.address=" + vault.baseUrl()).run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("rotor.vault.auth.token-ref"));
    }

    @Test
    void vault_settingOfAnotherMethod_failsNamingTheConflict() throws Exception {
        runner().withPropertyValues(
                        "rotor.vault.address=" + vault.baseUrl(),
                        "rotor.vault.auth.method=kubernetes",
                        "rotor.vault.auth.role=orders",
                        "rotor.vault.auth.role-id=orders")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.vault.auth.role-id does not apply to")
                        .hasMessageContaining("method=kubernetes"));
    }

    @Test
    void vault_jwtWithoutJwtFile_failsNamingTheProperty() {
        runner().withPropertyValues(
                        "rotor.vault.address=" + vault.baseUrl(),
                        "rotor.vault.auth.method=jwt",
                        "rotor.vault.auth.role=orders")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("rotor.vault.auth.jwt-file"));
    }

    @Test
    void vault_certWithoutClientCertificate_failsNamingTheProperties() {
        runner().withPropertyValues("rotor.vault.address=" + vault.baseUrl(), "rotor.vault.auth.method=cert")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.vault.tls.client-certificate"));
    }

    @Test
    void vault_clientCertificateWithoutKey_failsNamingBoth() throws Exception {
        runner().withPropertyValues(vaultProperties(tokenFile()))
                .withPropertyValues("rotor.vault.tls.client-certificate=" + tmp.resolve("client.pem"))
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.vault.tls.client-key"));
    }

    @Test
    void vault_settingsWithoutAddress_failNamingTheAddress() {
        runner().withPropertyValues("rotor.vault.namespace=team-a")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("rotor.vault.address"));
    }

    @Test
    void vault_plainHttpToAnotherHost_failsNamingTheGroup() throws Exception {
        runner().withPropertyValues(vaultProperties(tokenFile()))
                .withPropertyValues("rotor.vault.address=http://vault.example.invalid:8200")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("invalid rotor.vault.*: VaultSource.address uses plain http"));
    }

    @Test
    void vault_secretIdRefUnreadable_failsNamingThePropertyNotTheValue() {
        runner().withPropertyValues(
                        "rotor.vault.address=" + vault.baseUrl(),
                        "rotor.vault.auth.method=approle",
                        "rotor.vault.auth.role-id=orders",
                        "rotor.vault.auth.secret-id-ref=file:" + tmp.resolve("missing"))
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("rotor.vault.auth.secret-id-ref could not be read"));
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(RotorAutoConfiguration.class)
    static class App {}

    @Test
    void vault_configImport_bootstrapClientReadsFromVault() throws Exception {
        SpringApplication app = new SpringApplication(App.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(Banner.Mode.OFF);
        app.setLogStartupInfo(false);
        app.addBootstrapRegistryInitializer(registry -> registry.register(
                RotorSecretsCustomizer.class, BootstrapRegistry.InstanceSupplier.of(b -> b.scheduler(scheduler)
                        .executor(ManualScheduler.directExecutor()))));
        String[] props = vaultProperties(tokenFile());
        String[] args = new String[props.length + 3];
        for (int i = 0; i < props.length; i++) {
            args[i] = "--" + props[i];
        }
        args[props.length] = "--rotor.audit.enabled=false";
        args[props.length + 1] = "--rotor.discover-sources=false";
        args[props.length + 2] = "--spring.config.import=rotor:vault:secret/app/db?prefix=db.";
        try (ConfigurableApplicationContext context = app.run(args)) {
            assertThat(context.getEnvironment().getProperty("db.password")).isEqualTo(DB_PASS);
            assertThat(context.getEnvironment().getProperty("db.username")).isEqualTo("orders");
            // the context publishes the import's client, which has the Vault source
            assertThat(context.getBean(Secrets.class).get("vault:secret/app/db").version())
                    .isEqualTo("3");
        }
    }

    // ---- rotor.vault.call-timeout, allow-paths, requests-per-second ----

    @Test
    void vault_callTimeout_endsACallVaultDragsOutAtThatDeadline() throws Exception {
        // one byte every 300 ms would answer in minutes, each well inside the 5 s read timeout
        vault.stubFor(get(urlPathEqualTo("/v1/secret/data/app/slow"))
                .willReturn(json("{\"data\":{\"data\":{\"k\":\"v\"},\"metadata\":{\"version\":1}}}")
                        .withFixedDelay(3_000)));
        runner().withPropertyValues(vaultProperties(tokenFile()))
                .withPropertyValues("rotor.vault.call-timeout=500ms")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThatThrownBy(() -> context.getBean(Secrets.class).get("vault:secret/app/slow"))
                            .isInstanceOf(SourceUnavailableException.class)
                            .hasMessageContaining("call deadline of 500 ms (callTimeout)");
                });
    }

    @Test
    void vault_nonPositiveCallTimeout_failsNamingTheProperty() throws Exception {
        runner().withPropertyValues(vaultProperties(tokenFile()))
                .withPropertyValues("rotor.vault.call-timeout=0s")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("rotor.vault.call-timeout"));
    }

    @Test
    void vault_allowPaths_refusesAnyOtherRefBeforeCallingVault() throws Exception {
        runner().withPropertyValues(vaultProperties(tokenFile()))
                .withPropertyValues("rotor.vault.allow-paths=secret/app,secret/shared")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    assertThat(secrets.value("vault:secret/app/db#password")).isEqualTo(DB_PASS);
                    int calls = vault.getAllServeEvents().size();
                    assertThatThrownBy(() -> secrets.get("vault:secret/payments/db"))
                            .isInstanceOf(SecretAccessDeniedException.class)
                            .hasMessageContaining("vault:secret/payments/db");
                    assertThat(vault.getAllServeEvents()).hasSize(calls);
                });
    }

    @Test
    void vault_allowPathsWithADotDotSegment_failsNamingTheProperty() throws Exception {
        runner().withPropertyValues(vaultProperties(tokenFile()))
                .withPropertyValues("rotor.vault.allow-paths[0]=secret/../sys")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("rotor.vault.allow-paths"));
    }

    @Test
    void vault_requestsPerSecond_isTheVaultSourcesBudgetOnly() throws Exception {
        runner().withPropertyValues(vaultProperties(tokenFile()))
                .withPropertyValues("rotor.vault.requests-per-second=5")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    assertThat(secrets.refreshPolicy("vault:secret/app/db").requestsPerSecond())
                            .isEqualTo(5.0);
                    assertThat(secrets.refreshPolicy("mem:app/key").requestsPerSecond())
                            .isEqualTo(RefreshPolicy.UNLIMITED);
                });
    }

    @Test
    void vault_requestsPerSecondNotPositive_failsNamingTheProperty() throws Exception {
        runner().withPropertyValues(vaultProperties(tokenFile()))
                .withPropertyValues("rotor.vault.requests-per-second=0")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("rotor.vault.requests-per-second"));
    }

    @Test
    void vault_newSettingsWithoutAddress_failNamingTheAddress() {
        for (String setting : new String[] {
            "rotor.vault.call-timeout=5s", "rotor.vault.allow-paths=secret/app", "rotor.vault.requests-per-second=5"
        }) {
            runner().withPropertyValues(setting).run(context -> assertThat(context)
                    .getFailure()
                    .rootCause()
                    .as(setting)
                    .hasMessageContaining("rotor.vault.address"));
        }
    }
}
