package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.spring.internal.RotorFailureAnalyzer;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.support.SpringFactoriesLoader;

/**
 * Start-ups Rotor stops get a failure analysis that names the property to fix and says how, without a value: a
 * missing mounted directory, an unreachable store, a bad property value.
 */
class RotorFailureAnalyzerTest {
    private static final String TOKEN = "PLANTED-hvs-token-pasted-as-ref-61c2";

    @TempDir
    Path tmp;

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource store = new InMemorySource("mem", scheduler.clock());

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(RotorAutoConfiguration.class)
    static class App {}

    private Throwable startFailing(String... args) {
        SpringApplication app = new SpringApplication(App.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(Banner.Mode.OFF);
        app.setLogStartupInfo(false);
        app.addBootstrapRegistryInitializer(registry -> registry.register(
                RotorSecretsCustomizer.class,
                BootstrapRegistry.InstanceSupplier.of(
                        b -> b.source(store).scheduler(scheduler).executor(ManualScheduler.directExecutor()))));
        Throwable failure = catchThrowable(() -> app.run(args).close());
        assertThat(failure).as("the start-up fails").isNotNull();
        return failure;
    }

    private static Throwable contextFailure(ApplicationContextRunner runner) {
        Throwable[] failure = new Throwable[1];
        runner.run(context -> {
            assertThat(context).hasFailed();
            failure[0] = context.getStartupFailure();
        });
        return failure[0];
    }

    private static FailureAnalysis analyze(Throwable failure) {
        FailureAnalysis analysis = new RotorFailureAnalyzer().analyze(failure);
        assertThat(analysis).as("Rotor explains it").isNotNull();
        return analysis;
    }

    @Test
    void registered_inSpringFactories_asABootFailureAnalyzer() {
        // Spring Boot's own analyzers that need a bean factory cannot be made here: skipped
        List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation()
                .load(
                        FailureAnalyzer.class,
                        null,
                        SpringFactoriesLoader.FailureHandler.handleMessage((message, failure) -> {}));
        assertThat(analyzers).hasAtLeastOneElementOfType(RotorFailureAnalyzer.class);
        assertThat(analyzers.get(0))
                .as("ahead of Spring Boot's, which would explain a rotor: import as a missing file")
                .isInstanceOf(RotorFailureAnalyzer.class);
    }

    @Test
    void missingMountedDirectory_namesTheImportAndSuggestsOptional() {
        String location = "rotor:file:" + tmp.resolve("not-mounted");
        FailureAnalysis analysis = analyze(startFailing("--spring.config.import=" + location));

        assertThat(analysis.getDescription()).startsWith("spring.config.import names " + location);
        assertThat(analysis.getAction())
                .contains("mounted at that path")
                .contains("correct spring.config.import")
                .contains("optional:" + location);
    }

    @Test
    void unreachableStore_namesTheImportAndTheSourceAndSaysToCheckTheStore() {
        store.put("app/db", "unused");
        store.goDown();
        FailureAnalysis analysis = analyze(startFailing("--spring.config.import=rotor:mem:app/db"));

        assertThat(analysis.getDescription()).startsWith("spring.config.import names rotor:mem:app/db");
        assertThat(analysis.getAction()).contains("Check that source mem is reachable");
    }

    @Test
    void poolSecretMissing_namesRotorDatasourceRef() {
        Throwable failure = contextFailure(new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        RotorAutoConfiguration.class,
                        RotorDataSourceAutoConfiguration.class,
                        org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration.class))
                .withBean(InMemorySource.class, () -> store)
                .withPropertyValues(
                        "rotor.discover-sources=false",
                        "rotor.datasource.ref=mem:db/missing",
                        "spring.datasource.url=jdbc:h2:mem:rotor-analyzer-unused"));
        FailureAnalysis analysis = analyze(failure);

        assertThat(analysis.getDescription()).startsWith("rotor.datasource.ref names mem:db/missing");
        assertThat(analysis.getAction())
                .contains("Check that the secret mem:db/missing exists")
                .endsWith("correct rotor.datasource.ref.");
    }

    @Test
    void badPropertyValue_namesThePropertyAndSaysToCorrectIt() {
        Throwable failure = contextFailure(new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RotorAutoConfiguration.class))
                .withBean(InMemorySource.class, () -> store)
                .withPropertyValues("rotor.stale.max-staleness=5m"));
        FailureAnalysis analysis = analyze(failure);

        assertThat(analysis.getDescription()).contains("property rotor.stale.max-staleness");
        assertThat(analysis.getAction()).startsWith("Correct rotor.stale.max-staleness in the application's");
    }

    @Test
    void valueOutOfRange_namesThePropertyNotTheBuilderOption() {
        Throwable failure = contextFailure(new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RotorAutoConfiguration.class))
                .withBean(InMemorySource.class, () -> store)
                .withPropertyValues("rotor.maximum-entries=0"));
        FailureAnalysis analysis = analyze(failure);

        assertThat(analysis.getDescription()).contains("property rotor.maximum-entries");
        assertThat(analysis.getAction()).startsWith("Correct rotor.maximum-entries");
    }

    @Test
    void credentialPastedWhereARefBelongs_neitherTheFailureNorTheAnalysisEchoesIt() {
        Throwable failure = contextFailure(new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RotorAutoConfiguration.class))
                .withPropertyValues("rotor.vault.address=http://127.0.0.1:1", "rotor.vault.auth.token-ref=" + TOKEN));
        FailureAnalysis analysis = analyze(failure);

        assertThat(analysis.getDescription())
                .contains("rotor.vault.auth.token-ref")
                .doesNotContain(TOKEN);
        assertThat(analysis.getAction()).doesNotContain(TOKEN);
        for (Throwable t = failure; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain(TOKEN);
        }
    }

    /** Every message, cause and suppressed exception of the failure, as a start-up log would print it. */
    private static String printed(Throwable failure) {
        java.io.StringWriter out = new java.io.StringWriter();
        failure.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }

    /** Raw credentials pasted where a ref belongs: a 64-character token, an AppRole secret id, one with a colon. */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> pastedCredentials() {
        String token64 = "a3f9c2e17b5d4086f1e2d3c4b5a69788a3f9c2e17b5d4086f1e2d3c4b5a69788";
        String secretId = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        String colon = "hvs:CAESIJ7xq2LmPLANTEDw9Zt4Kc0RfYbVnUe3Hs1GjQaXoD5yTiMp";
        String[] token = {"rotor.vault.auth.method=token"};
        String[] approle = {"rotor.vault.auth.method=approle", "rotor.vault.auth.role-id=app"};
        String[] userpass = {"rotor.vault.auth.method=userpass", "rotor.vault.auth.username=app"};
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("rotor.vault.auth.token-ref", token64, token),
                org.junit.jupiter.params.provider.Arguments.of("rotor.vault.auth.token-ref", colon, token),
                org.junit.jupiter.params.provider.Arguments.of("rotor.vault.auth.secret-id-ref", secretId, approle),
                org.junit.jupiter.params.provider.Arguments.of("rotor.vault.auth.secret-id-ref", token64, approle),
                org.junit.jupiter.params.provider.Arguments.of("rotor.vault.auth.secret-id-ref", colon, approle),
                org.junit.jupiter.params.provider.Arguments.of("rotor.vault.auth.password-ref", colon, userpass),
                org.junit.jupiter.params.provider.Arguments.of("rotor.vault.auth.password-ref", secretId, userpass));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} = <credential {index}>")
    @org.junit.jupiter.params.provider.MethodSource("pastedCredentials")
    void rawCredentialInARefProperty_theStartupErrorAndTheAnalysisNameOnlyTheProperty(
            String property, String credential, String[] method) {
        List<String> properties = new java.util.ArrayList<>(List.of(method));
        properties.add("rotor.vault.address=http://127.0.0.1:1");
        properties.add(property + "=" + credential);
        Throwable failure = contextFailure(new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RotorAutoConfiguration.class))
                .withPropertyValues(properties.toArray(new String[0])));
        FailureAnalysis analysis = analyze(failure);

        assertThat(analysis.getDescription()).contains(property).doesNotContain(credential);
        assertThat(analysis.getAction()).doesNotContain(credential);
        assertThat(printed(failure)).doesNotContain(credential);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} = <credential {index}>")
    @org.junit.jupiter.params.provider.MethodSource("pastedCredentials")
    void rawCredentialInARefProperty_throughTheConfigImport_isNotEchoed(
            String property, String credential, String[] method) {
        store.put("app/config", "x");
        List<String> args = new java.util.ArrayList<>();
        for (String m : method) {
            args.add("--" + m);
        }
        args.add("--rotor.audit.enabled=false");
        args.add("--rotor.vault.address=http://127.0.0.1:1");
        args.add("--" + property + "=" + credential);
        args.add("--spring.config.import=rotor:mem:app/config");
        Throwable failure = startFailing(args.toArray(new String[0]));
        FailureAnalysis analysis = analyze(failure);

        assertThat(analysis.getDescription()).contains(property).doesNotContain(credential);
        assertThat(analysis.getAction()).doesNotContain(credential);
        assertThat(printed(failure)).doesNotContain(credential);
    }
}
