package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spring.internal.ImportedSecrets;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.MountedSecretDirectory;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Plants known values, drives the starter's paths (config import and rotation, a throwing rotation listener, a
 * malformed import, failing refreshes, a vetoing validator, health, endpoint, meters) and scans everything it let out
 * for them with a {@link LeakCheck}: every log line at TRACE, standard output and error, exception messages and stack
 * traces, events (also registered as a listener), health, endpoint and meter ids.
 */
class LeakTest {
    private static final String USER = "PLANTED-leak-user-5e1a";
    private static final String PASS = "PLANTED-leak-pass-93bd";
    private static final String PASS_2 = "PLANTED-leak-pass-v2-0c77";
    private static final String JSON_VALUE = "PLANTED-leak-json-6a2f";
    private static final String VAULT_TOKEN = "hvs.PLANTED-leak-token-41d8";
    private static final String SECRET_ID = "PLANTED-leak-secret-id-e20c";
    private static final String DB_PASS_1 = "PLANTED-leak-db-pass-1-7f3a";
    private static final String DB_PASS_2 = "PLANTED-leak-db-pass-2-b95e";
    private static final List<String> PLANTED = List.of(
            USER,
            PASS,
            PASS_2,
            JSON_VALUE,
            Fixture.STATIC_VALUE,
            Fixture.DYN_PASS,
            VAULT_TOKEN,
            SECRET_ID,
            DB_PASS_1,
            DB_PASS_2);

    @TempDir
    Path tmp;

    private String loggingSystem;
    private LeakCheck leaks;

    @BeforeEach
    void captureEverything() {
        // keep Spring Boot from re-initialising logback (which would drop the capturing appender)
        loggingSystem = System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        leaks = LeakCheck.builder().plant(PLANTED.toArray(String[]::new)).start();
    }

    @AfterEach
    void scan() {
        try {
            assertThat(leaks.capturesLogs()).as("log lines are captured").isTrue();
            assertThat(leaks.logLines())
                    .as("the capture saw the starter's logs")
                    .isNotEmpty();
        } finally {
            try {
                leaks.close(); // fails on any planted value found in what the starter let out
            } finally {
                if (loggingSystem == null) {
                    System.clearProperty("org.springframework.boot.logging.LoggingSystem");
                } else {
                    System.setProperty("org.springframework.boot.logging.LoggingSystem", loggingSystem);
                }
            }
        }
    }

    private void capture(Object o) {
        leaks.check(o);
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({
        RotorAutoConfiguration.class,
        RotorHealthAutoConfiguration.class,
        RotorEndpointAutoConfiguration.class,
        RotorMetricsAutoConfiguration.class
    })
    static class App {
        @Bean
        ApplicationListener<RotorSecretRotatedEvent> throwingListener() {
            return e -> {
                throw new IllegalStateException("listener broke on " + e.ref());
            };
        }
    }

    private ConfigurableApplicationContext start(ManualScheduler scheduler, String... args) {
        SpringApplication app = new SpringApplication(App.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(Banner.Mode.OFF);
        app.addBootstrapRegistryInitializer(registry -> registry.register(
                RotorSecretsCustomizer.class, BootstrapRegistry.InstanceSupplier.of(b -> b.scheduler(scheduler)
                        .executor(ManualScheduler.directExecutor())
                        .eventListener(leaks))));
        return app.run(args);
    }

    @Test
    void configImport_rotationThrowingListenerAndMalformedImport_leakNothing() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        String ref = "file:" + db.dir();
        try (ConfigurableApplicationContext context = start(
                scheduler,
                "--spring.config.import=rotor:" + ref + "?prefix=db.",
                "--management.endpoints.web.exposure.include=rotor")) {
            db.write(Map.of("username", USER, "password", PASS_2));
            Secrets secrets = context.getBean(Secrets.class);
            capture(secrets.refresh(ref));
            assertThat(context.getEnvironment().getProperty("db.password")).isEqualTo(PASS_2);
            capture(context.getEnvironment().getPropertySources());
            capture(context.getBean(RotorHealthIndicator.class).health());
            capture(new RotorEndpoint(
                            secrets, org.springframework.boot.actuate.endpoint.Show.ALWAYS, java.util.Set.of())
                    .inventory(org.springframework.boot.actuate.endpoint.SecurityContext.NONE));
            capture(secrets.inventory());
        }
        assertThat(leaks.logLines())
                .as("the throwing rotation listener was reported")
                .anyMatch(line -> line.split(" ", 3)[1].equals(ImportedSecrets.class.getName() + ":"));

        Path json = Files.writeString(tmp.resolve("bad.json"), "{\"password\": {\"nested\": \"" + JSON_VALUE + "\"}}");
        Throwable failure = null;
        try (ConfigurableApplicationContext ignored =
                start(new ManualScheduler(), "--spring.config.import=rotor:file:" + json)) {
            // not reached
        } catch (RuntimeException e) {
            failure = e;
        }
        assertThat(failure).isNotNull();
        assertThat(failure).isInstanceOf(SecretFormatException.class);
        capture(failure);
    }

    @Test
    void failingRefreshesAndVetoedVersions_healthEndpointAndMetersLeakNothing() {
        Fixture fx = new Fixture();
        List<Object> seenEvents = new ArrayList<>();
        fx.runner()
                .withConfiguration(AutoConfigurations.of(
                        RotorHealthAutoConfiguration.class,
                        RotorEndpointAutoConfiguration.class,
                        RotorMetricsAutoConfiguration.class))
                .withPropertyValues("rotor.audit.enabled=true", "management.endpoints.web.exposure.include=rotor")
                .withBean("seenEvents", SecretEventListener.class, () -> seenEvents::add)
                .withBean("leakCheck", SecretEventListener.class, () -> leaks)
                .withBean(SecretValidator.class, () -> (candidate, current) -> {
                    if (current.isPresent()) {
                        throw new IllegalArgumentException(
                                "rejected " + candidate.field("password").orElse(""));
                    }
                })
                .run(context -> {
                    SimpleMeterRegistry registry = new SimpleMeterRegistry();
                    context.getBean(RotorMetrics.class).bindTo(registry);
                    Secrets secrets = context.getBean(Secrets.class);
                    secrets.get("mem:db/creds");
                    secrets.get("mem:app/key");
                    fx.scheduler.advance(Duration.ofHours(4)); // rotations vetoed by the validator
                    fx.source.failAlways(() -> new SourceUnavailableException("store down", null, "mem"));
                    fx.scheduler.advance(Duration.ofHours(1));
                    try {
                        capture(secrets.get("mem:db/creds"));
                    } catch (RuntimeException e) {
                        capture(e);
                    }
                    capture(context.getBean(RotorHealthIndicator.class).health());
                    capture(new RotorEndpoint(
                                    secrets, org.springframework.boot.actuate.endpoint.Show.ALWAYS, java.util.Set.of())
                            .inventory(org.springframework.boot.actuate.endpoint.SecurityContext.NONE));
                    for (Meter m : registry.getMeters()) {
                        capture(m.getId());
                    }
                    capture(secrets.inventory());
                });
        assertThat(seenEvents).isNotEmpty();
        seenEvents.forEach(this::capture);
    }

    /** Start-up failures of the source groups: the messages name properties and refs, never what the refs hold. */
    @Test
    void sourceGroupFailures_leakNothing() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), VAULT_TOKEN);
        Path secretId = Files.writeString(tmp.resolve("secret-id"), SECRET_ID);
        List<String[]> broken = List.of(
                // a secret id read, then the address refused
                new String[] {
                    "rotor.vault.address=http://vault.example.invalid:8200",
                    "rotor.vault.auth.method=approle",
                    "rotor.vault.auth.role-id=orders",
                    "rotor.vault.auth.secret-id-ref=file:" + secretId
                },
                // a token file, and a conflicting setting
                new String[] {
                    "rotor.vault.address=http://127.0.0.1:1",
                    "rotor.vault.auth.token-ref=file:" + token,
                    "rotor.vault.auth.role=orders"
                },
                // a token read through a ref that is not a file, then a client certificate without its key
                new String[] {
                    "rotor.vault.address=http://127.0.0.1:1",
                    "rotor.vault.auth.token-ref=file:" + token + "?format=raw",
                    "rotor.vault.tls.client-certificate=" + token
                });
        for (String[] properties : broken) {
            new Fixture().runner().withPropertyValues(properties).run(context -> {
                assertThat(context).hasFailed();
                capture(context.getStartupFailure());
            });
        }
    }

    /** The pool binding: start, a rotation, a vetoed version, a refused one; logs, hand-overs and errors are clean. */
    @Test
    void datasourceBinding_rotationsVetoesAndRefusals_leakNothing() throws Exception {
        String url = "jdbc:h2:mem:rotor-leak-" + java.util.UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        try (java.sql.Connection admin = java.sql.DriverManager.getConnection(url, "SA", "admin");
                java.sql.Statement sql = admin.createStatement()) {
            sql.execute("CREATE USER APP PASSWORD '" + DB_PASS_1 + "' ADMIN");
            Fixture fx = new Fixture();
            fx.source.putFields("db/app", Map.of("username", "APP", "password", DB_PASS_1));
            List<Object> handOvers = new ArrayList<>();
            fx.runner()
                    .withConfiguration(AutoConfigurations.of(
                            RotorDataSourceAutoConfiguration.class,
                            org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration.class))
                    .withBean(dev.rotor.secrets.consumer.HandOverListener.class, () -> handOvers::add)
                    .withBean("leakCheck", SecretEventListener.class, () -> leaks)
                    .withPropertyValues(
                            "rotor.audit.enabled=true",
                            "rotor.refresh.poll-interval=1m",
                            "rotor.refresh.initial-backoff=30m",
                            "rotor.refresh.max-backoff=1h",
                            "rotor.datasource.ref=mem:db/app",
                            "spring.datasource.url=" + url)
                    .run(context -> {
                        javax.sql.DataSource pool = context.getBean(javax.sql.DataSource.class);
                        pool.getConnection().close();
                        sql.execute("ALTER USER APP SET PASSWORD '" + DB_PASS_2 + "'");
                        fx.source.putFields("db/app", Map.of("username", "APP", "password", DB_PASS_2));
                        fx.scheduler.advance(Duration.ofMinutes(2)); // handed over
                        fx.source.putFields("db/app", Map.of("username", "APP", "password", DB_PASS_1));
                        fx.scheduler.advance(Duration.ofMinutes(2)); // vetoed: cannot log in
                        capture(context.getBean(dev.rotor.secrets.spring.internal.DataSourceBinder.class));
                        capture(context.getBean(Secrets.class).inventory());
                    });
            assertThat(handOvers).isNotEmpty();
            handOvers.forEach(this::capture);
            // a client without the validator: the binding refuses the version itself
            fx.source.putFields("db/app", Map.of("username", "APP", "password", DB_PASS_2));
            fx.runner()
                    .withConfiguration(AutoConfigurations.of(
                            RotorDataSourceAutoConfiguration.class,
                            org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration.class))
                    .withUserConfiguration(RotorDataSourceTest.OwnClient.class)
                    .withBean(ManualScheduler.class, () -> fx.scheduler)
                    .withBean(dev.rotor.secrets.consumer.HandOverListener.class, () -> handOvers::add)
                    .withPropertyValues("rotor.datasource.ref=mem:db/app", "spring.datasource.url=" + url)
                    .run(context -> {
                        int before = handOvers.size();
                        fx.source.putFields("db/app", Map.of("username", "APP", "password", DB_PASS_1));
                        fx.scheduler.advance(Duration.ofMinutes(2)); // refused by the binding: cannot log in
                        assertThat(handOvers.subList(before, handOvers.size()))
                                .anyMatch(h -> !((dev.rotor.secrets.consumer.HandOver) h).succeeded());
                    });
            handOvers.forEach(this::capture);
        }
    }
}
