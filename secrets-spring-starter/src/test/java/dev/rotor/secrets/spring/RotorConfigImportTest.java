package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spring.internal.ImportedSecrets;
import dev.rotor.secrets.spring.internal.RotorConfigDataLocationResolver;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.MountedSecretDirectory;
import dev.rotor.secrets.test.RecordingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.context.config.ConfigDataResourceNotFoundException;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/** {@code spring.config.import=rotor:...} through a real (non-web) SpringApplication, on a manual scheduler. */
class RotorConfigImportTest {
    private static final String USER = "PLANTED-import-user-8d2a";
    private static final String PASS = "PLANTED-import-pass-1f6b";
    private static final String PASS_2 = "PLANTED-import-pass-v2-c4e0";

    @TempDir
    Path tmp;

    private final ManualScheduler scheduler = new ManualScheduler();
    private static final List<RotorSecretRotatedEvent> EVENTS = new CopyOnWriteArrayList<>();

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(RotorAutoConfiguration.class)
    static class App {
        @Bean
        ApplicationListener<RotorSecretRotatedEvent> rotations() {
            return EVENTS::add;
        }
    }

    private static final RecordingListener LISTENER = new RecordingListener();

    @Configuration(proxyBeanMethods = false)
    @Import(App.class)
    static class AppWithListener {
        @Bean
        SecretEventListener recording() {
            return LISTENER;
        }
    }

    private ConfigurableApplicationContext start(String... properties) {
        return start(App.class, properties);
    }

    private ConfigurableApplicationContext start(Class<?> config, String... properties) {
        EVENTS.clear();
        SpringApplication app = new SpringApplication(config);
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
    void import_mountedDirectory_fieldsBecomePrefixedProperties() {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        try (ConfigurableApplicationContext context =
                start("spring.config.import=rotor:file:" + db.dir() + "?prefix=db.")) {
            Environment env = context.getEnvironment();
            assertThat(env.getProperty("db.username")).isEqualTo(USER);
            assertThat(env.getProperty("db.password")).isEqualTo(PASS);
            assertThat(env.getProperty("username")).isNull();
        }
    }

    @Test
    void import_withoutPrefix_propertiesNamedAfterFields() {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        try (ConfigurableApplicationContext context = start("spring.config.import=rotor:file:" + db.dir())) {
            assertThat(context.getEnvironment().getProperty("password")).isEqualTo(PASS);
        }
    }

    @Test
    void import_refWithField_onlyThatFieldBecomesAProperty() {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        try (ConfigurableApplicationContext context =
                start("spring.config.import=rotor:file:" + db.dir() + "#password?prefix=app.db.")) {
            assertThat(context.getEnvironment().getProperty("app.db.password")).isEqualTo(PASS);
            assertThat(context.getEnvironment().getProperty("app.db.username")).isNull();
        }
    }

    @Test
    void import_rawFile_propertyNamedAfterFileOrPrefix() throws Exception {
        Path token = Files.writeString(tmp.resolve("api_token"), PASS);
        try (ConfigurableApplicationContext context = start("spring.config.import=rotor:file:" + token)) {
            assertThat(context.getEnvironment().getProperty("api_token")).isEqualTo(PASS);
        }
        try (ConfigurableApplicationContext context =
                start("spring.config.import=rotor:file:" + token + "?prefix=client.token.")) {
            assertThat(context.getEnvironment().getProperty("client.token")).isEqualTo(PASS);
        }
    }

    @Test
    void rotation_mountSwappedAndRefreshed_environmentUpdatedInPlaceAndEventPublished() {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        String ref = "file:" + db.dir();
        try (ConfigurableApplicationContext context = start("spring.config.import=rotor:" + ref + "?prefix=db.")) {
            Environment env = context.getEnvironment();
            assertThat(env.getProperty("db.password")).isEqualTo(PASS);

            db.write(Map.of("username", USER, "password", PASS_2));
            context.getBean(Secrets.class).refresh(ref);

            assertThat(env.getProperty("db.password")).isEqualTo(PASS_2);
            assertThat(env.getProperty("db.username")).isEqualTo(USER);
            assertThat(EVENTS).singleElement().satisfies(e -> {
                assertThat(e.ref()).isEqualTo(ref);
                assertThat(e.version()).isEqualTo("2");
                assertThat(e.previousVersion()).contains("1");
                assertThat(e.propertyNames()).containsExactly("db.password", "db.username");
                assertThat(e.toString())
                        .doesNotContain(PASS)
                        .doesNotContain(PASS_2)
                        .doesNotContain(USER);
            });
            assertThat(context.getEnvironment().getPropertySources().toString())
                    .doesNotContain(PASS)
                    .doesNotContain(PASS_2);
        }
    }

    @Test
    void rotation_sameContentRefreshed_noEvent() {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        String ref = "file:" + db.dir();
        try (ConfigurableApplicationContext context = start("spring.config.import=rotor:" + ref)) {
            context.getBean(Secrets.class).refresh(ref);
            assertThat(EVENTS).isEmpty();
        }
    }

    @Test
    void import_bootstrapClient_isTheContextsOnlyClient() {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        String ref = "file:" + db.dir();
        try (ConfigurableApplicationContext context = start("spring.config.import=rotor:" + ref)) {
            Secrets secrets = context.getBean(Secrets.class);
            assertThat(context.getBeansOfType(Secrets.class)).hasSize(1);
            assertThat(context.getBean(RotorConfigDataLocationResolver.BEAN_NAME, ImportedSecrets.class)
                            .secrets())
                    .isSameAs(secrets);
            assertThat(secrets.inventory()).extracting(e -> e.ref().toString()).containsExactly(ref);
        }
    }

    @Test
    void import_twoRefs_shareOneClient() throws Exception {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        Path token = Files.writeString(tmp.resolve("api_token"), PASS_2);
        try (ConfigurableApplicationContext context =
                start("spring.config.import=rotor:file:" + db.dir() + "?prefix=db.,rotor:file:" + token)) {
            assertThat(context.getEnvironment().getProperty("db.password")).isEqualTo(PASS);
            assertThat(context.getEnvironment().getProperty("api_token")).isEqualTo(PASS_2);
            assertThat(context.getBean(Secrets.class).inventory()).hasSize(2);
        }
    }

    @Test
    void import_eventListenerBean_isAddedToTheBootstrapClient() {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        String ref = "file:" + db.dir();
        LISTENER.clear();
        try (ConfigurableApplicationContext context =
                start(AppWithListener.class, "spring.config.import=rotor:" + ref)) {
            assertThat(LISTENER.events()).isEmpty(); // the import's first load happened before the context
            db.write(Map.of("username", USER, "password", PASS_2));
            context.getBean(Secrets.class).refresh(ref);
            assertThat(LISTENER.types()).contains(SecretEventType.ROTATED);
        }
    }

    @Test
    void close_contextClosed_bootstrapClientClosed() {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        String ref = "file:" + db.dir();
        Secrets secrets;
        try (ConfigurableApplicationContext context = start("spring.config.import=rotor:" + ref)) {
            secrets = context.getBean(Secrets.class);
        }
        assertThatThrownBy(() -> secrets.get(ref)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void import_optionalAndMissing_startsWithoutTheProperties() {
        try (ConfigurableApplicationContext context =
                start("spring.config.import=optional:rotor:file:" + tmp.resolve("missing"))) {
            assertThat(context.getEnvironment().getProperty("password")).isNull();
        }
    }

    @Test
    void import_requiredAndMissing_failsAsNotFound() {
        assertThatThrownBy(() -> start("spring.config.import=rotor:file:" + tmp.resolve("missing")))
                .isInstanceOf(ConfigDataResourceNotFoundException.class)
                .hasMessageContaining("missing");
    }

    @Test
    void import_rotorPropertiesInSameFile_applyToTheBootstrapClient() {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        try (ConfigurableApplicationContext context = start(
                "spring.config.import=rotor:file:" + db.dir(),
                "rotor.secrets[0].ref=file:" + tmp.resolve("other"),
                "rotor.secrets[0].owner=platform")) {
            assertThat(context.getBean(Secrets.class).inventory())
                    .anySatisfy(e -> assertThat(e.owner()).contains("platform"));
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {
                "spring.datasource.url",
                "management.server.port",
                "server.port",
                "logging.level.root",
                "rotor.enabled",
                "Spring.Datasource.Password"
            })
    void import_withoutPrefix_fieldInSpringsOrRotorsNamespace_stopsTheStartUpNamingFieldAndRef(String field) {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of(field, PASS, "password", PASS_2));
        String ref = "file:" + db.dir();

        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(
                () -> start("spring.config.import=rotor:" + ref).close());

        assertThat(failure)
                .isInstanceOf(dev.rotor.secrets.SecretConfigurationException.class)
                .hasMessageContaining("field '" + field + "'")
                .hasMessageContaining("rotor:" + ref)
                .hasMessageContaining("prefix");
        assertThat(failure.getMessage()).doesNotContain(PASS).doesNotContain(PASS_2);
        org.springframework.boot.diagnostics.FailureAnalysis analysis =
                new dev.rotor.secrets.spring.internal.RotorFailureAnalyzer().analyze(failure);
        assertThat(analysis.getDescription()).startsWith("spring.config.import names rotor:" + ref);
    }

    @Test
    void import_withPrefix_fieldNamedLikeASpringProperty_isImportedUnderThePrefix() {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("spring.datasource.url", PASS));
        try (ConfigurableApplicationContext context =
                start("spring.config.import=rotor:file:" + db.dir() + "?prefix=app.")) {
            assertThat(context.getEnvironment().getProperty("app.spring.datasource.url"))
                    .isEqualTo(PASS);
            assertThat(context.getEnvironment().getProperty("spring.datasource.url"))
                    .isNull();
        }
    }

    @Test
    void rotation_withoutPrefix_newVersionWithAReservedField_propertiesKeepTheVersionTheyHave() {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        String ref = "file:" + db.dir();
        try (ConfigurableApplicationContext context = start("spring.config.import=rotor:" + ref)) {
            db.write(Map.of("username", USER, "password", PASS_2, "server.port", "1"));
            context.getBean(Secrets.class).refresh(ref);

            assertThat(context.getEnvironment().getProperty("password")).isEqualTo(PASS);
            assertThat(context.getEnvironment().getProperty("server.port")).isNull();
            assertThat(EVENTS).isEmpty();
        }
    }
}
