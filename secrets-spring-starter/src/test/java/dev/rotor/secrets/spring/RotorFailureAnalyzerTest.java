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
}
