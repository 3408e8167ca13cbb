package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.file.FileSecretSource;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.MountedSecretDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/** The file: source the starter registers reads only inside its allowed directories. */
class RotorFileConfinementTest {
    private static final String TOKEN = "PLANTED-file-token-5c1d";

    @TempDir
    Path tmp;

    private final Fixture fx = new Fixture();

    private ApplicationContextRunner runner() {
        return fx.runner();
    }

    private Path write(String relative, String value) throws IOException {
        Path file = tmp.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, value);
        return file;
    }

    @Test
    void file_etcPasswdByDefault_isRefusedAsAccessDenied() {
        runner().run(context -> assertThatThrownBy(
                        () -> context.getBean(Secrets.class).value("file:/etc/passwd"))
                .isInstanceOf(SecretAccessDeniedException.class));
    }

    @Test
    void file_underAnAllowedDirectory_reads() throws IOException {
        Path token = write("allowed/api-token", TOKEN);
        runner().withPropertyValues("rotor.file.allowed-directories=" + tmp.resolve("allowed"))
                .run(context -> assertThat(context.getBean(Secrets.class).value("file:" + token))
                        .isEqualTo(TOKEN));
    }

    @Test
    void file_outsideTheAllowedDirectories_isRefused() throws IOException {
        Path outside = write("outside/api-token", TOKEN);
        Files.createDirectories(tmp.resolve("allowed"));
        runner().withPropertyValues("rotor.file.allowed-directories=" + tmp.resolve("allowed"))
                .run(context -> assertThatThrownBy(
                                () -> context.getBean(Secrets.class).value("file:" + outside))
                        .isInstanceOf(SecretAccessDeniedException.class)
                        .hasMessageNotContaining(TOKEN));
    }

    @Test
    void file_linkFromAnAllowedDirectoryToElsewhere_isRefused() throws IOException {
        Path outside = write("outside/api-token", TOKEN);
        Files.createDirectories(tmp.resolve("allowed"));
        Path link = Files.createSymbolicLink(tmp.resolve("allowed/api-token"), outside);
        runner().withPropertyValues("rotor.file.allowed-directories=" + tmp.resolve("allowed"))
                .run(context -> assertThatThrownBy(
                                () -> context.getBean(Secrets.class).value("file:" + link))
                        .isInstanceOf(SecretAccessDeniedException.class));
    }

    @Test
    void file_inTheDirectoryOfADeclaredRef_readsWithoutBeingListed() throws IOException {
        Path declared = write("app/db-password", TOKEN);
        Path sibling = write("app/api-token", TOKEN + "-2");
        Path elsewhere = write("other/api-token", TOKEN);
        runner().withPropertyValues("rotor.secrets[0].ref=file:" + declared).run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            assertThat(secrets.value("file:" + declared)).isEqualTo(TOKEN);
            assertThat(secrets.value("file:" + sibling)).isEqualTo(TOKEN + "-2");
            assertThatThrownBy(() -> secrets.value("file:" + elsewhere))
                    .isInstanceOf(SecretAccessDeniedException.class);
        });
    }

    @Test
    void file_confineFalse_readsAnyFile() throws IOException {
        Path outside = write("outside/api-token", TOKEN);
        runner().withPropertyValues("rotor.file.confine=false")
                .run(context -> assertThat(context.getBean(Secrets.class).value("file:" + outside))
                        .isEqualTo(TOKEN));
    }

    @Test
    void file_sourceBeanClaimsTheScheme_isUsedAsItIs() throws IOException {
        Path outside = write("outside/api-token", TOKEN);
        runner().withBean(SecretSource.class, FileSecretSource::create)
                .run(context -> assertThat(context.getBean(Secrets.class).value("file:" + outside))
                        .isEqualTo(TOKEN));
    }

    @Test
    void allowedDirectories_blankEntry_failsNamingTheProperty() {
        runner().withPropertyValues("rotor.file.allowed-directories[0]= ").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("rotor.file.allowed-directories[0]"));
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(RotorAutoConfiguration.class)
    static class App {}

    private ConfigurableApplicationContext start(ManualScheduler scheduler, String... properties) {
        SpringApplication app = new SpringApplication(App.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(org.springframework.boot.Banner.Mode.OFF);
        app.setLogStartupInfo(false);
        app.addBootstrapRegistryInitializer(registry -> registry.register(
                RotorSecretsCustomizer.class, BootstrapRegistry.InstanceSupplier.of(b -> b.scheduler(scheduler)
                        .executor(ManualScheduler.directExecutor()))));
        String[] args = new String[properties.length + 1];
        args[0] = "--rotor.audit.enabled=false";
        for (int i = 0; i < properties.length; i++) {
            args[i + 1] = "--" + properties[i];
        }
        return app.run(args);
    }

    @Test
    void configImport_bootstrapClient_readsTheImportedDirectoryAndRefusesOthers() throws IOException {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", "app", "password", TOKEN));
        Path elsewhere = write("other/api-token", TOKEN);
        try (ConfigurableApplicationContext context =
                start(new ManualScheduler(), "spring.config.import=rotor:file:" + db.dir() + "?prefix=db.")) {
            assertThat(context.getEnvironment().getProperty("db.password")).isEqualTo(TOKEN);
            Secrets secrets = context.getBean(Secrets.class);
            assertThatThrownBy(() -> secrets.value("file:/etc/passwd")).isInstanceOf(SecretAccessDeniedException.class);
            assertThatThrownBy(() -> secrets.value("file:" + elsewhere))
                    .isInstanceOf(SecretAccessDeniedException.class);
        }
    }
}
