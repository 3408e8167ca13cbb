package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spring.internal.ImportedSecrets;
import dev.rotor.secrets.test.ManualScheduler;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import org.slf4j.LoggerFactory;
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
 * for them: every log line at TRACE, exception messages and stack traces, events, health, endpoint and meter ids.
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

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final StringBuilder captured = new StringBuilder();
    private Logger root;
    private Level rootLevel;
    private String loggingSystem;

    @BeforeEach
    void captureEverything() {
        // keep Spring Boot from re-initialising logback (which would drop the capturing appender)
        loggingSystem = System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        rootLevel = root.getLevel();
        root.setLevel(Level.TRACE);
        logs.start();
        root.addAppender(logs);
    }

    @AfterEach
    void scan() {
        try {
            List<String> found = new ArrayList<>();
            scan("captured objects", captured.toString(), found);
            for (ILoggingEvent e : logs.list) {
                StringBuilder all = new StringBuilder(e.getFormattedMessage());
                IThrowableProxy t = e.getThrowableProxy();
                if (t != null) {
                    all.append('\n').append(ThrowableProxyUtil.asString(t));
                }
                scan("log " + e.getLoggerName(), all.toString(), found);
            }
            assertThat(logs.list).as("the capture saw the starter's logs").isNotEmpty();
            assertThat(found)
                    .as("planted values found in what the starter let out")
                    .isEmpty();
        } finally {
            root.detachAppender(logs);
            root.setLevel(rootLevel);
            logs.stop();
            if (loggingSystem == null) {
                System.clearProperty("org.springframework.boot.logging.LoggingSystem");
            } else {
                System.setProperty("org.springframework.boot.logging.LoggingSystem", loggingSystem);
            }
        }
    }

    private static void scan(String channel, String text, List<String> found) {
        for (String planted : PLANTED) {
            int i = text.indexOf(planted);
            if (i >= 0) {
                found.add(channel + ": ..." + text.substring(Math.max(0, i - 80), Math.min(text.length(), i + 40)));
            }
        }
    }

    private void capture(Object o) {
        captured.append(o).append('\n');
        if (o instanceof Throwable) {
            StringWriter w = new StringWriter();
            ((Throwable) o).printStackTrace(new PrintWriter(w));
            captured.append(w).append('\n');
        }
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
                        .executor(ManualScheduler.directExecutor()))));
        return app.run(args);
    }

    @Test
    void configImport_rotationThrowingListenerAndMalformedImport_leakNothing() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        MountedDir db = new MountedDir(tmp.resolve("db"), Map.of("username", USER, "password", PASS));
        String ref = "file:" + db.dir();
        try (ConfigurableApplicationContext context = start(
                scheduler,
                "--spring.config.import=rotor:" + ref + "?prefix=db.",
                "--management.endpoints.web.exposure.include=rotor")) {
            db.update(Map.of("username", USER, "password", PASS_2));
            Secrets secrets = context.getBean(Secrets.class);
            capture(secrets.refresh(ref));
            assertThat(context.getEnvironment().getProperty("db.password")).isEqualTo(PASS_2);
            capture(context.getEnvironment().getPropertySources());
            capture(context.getBean(RotorHealthIndicator.class).health());
            capture(context.getBean(RotorEndpoint.class).inventory());
            capture(secrets.inventory());
        }
        assertThat(logs.list).as("the throwing rotation listener was reported").anyMatch(e -> e.getLoggerName()
                .equals(ImportedSecrets.class.getName()));

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
                .withBean(SecretEventListener.class, () -> seenEvents::add)
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
                    capture(context.getBean(RotorEndpoint.class).inventory());
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
                    .withBean(dev.rotor.secrets.jdbc.HandOverListener.class, () -> handOvers::add)
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
                    .withBean(dev.rotor.secrets.jdbc.HandOverListener.class, () -> handOvers::add)
                    .withPropertyValues("rotor.datasource.ref=mem:db/app", "spring.datasource.url=" + url)
                    .run(context -> {
                        int before = handOvers.size();
                        fx.source.putFields("db/app", Map.of("username", "APP", "password", DB_PASS_1));
                        fx.scheduler.advance(Duration.ofMinutes(2)); // refused by the binding: cannot log in
                        assertThat(handOvers.subList(before, handOvers.size()))
                                .anyMatch(h -> !((dev.rotor.secrets.jdbc.HandOver) h).succeeded());
                    });
            handOvers.forEach(this::capture);
        }
    }
}
