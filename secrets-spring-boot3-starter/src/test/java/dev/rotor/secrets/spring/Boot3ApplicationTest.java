package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.MountedSecretDirectory;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.Banner;
import org.springframework.boot.BootstrapRegistry;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.HealthEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.health.CompositeHealth;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * One real Spring Boot 3.5 application, written against Boot 3's own types (the shared tests reach them only through
 * the build's import mapping): {@code spring.config.import=rotor:file:...}, Boot's HikariCP pool on an H2 database
 * whose user's password really changes, the Actuator health endpoint, the {@code rotor} endpoint and a Rotor meter
 * on Boot's meter registry.
 */
class Boot3ApplicationTest {
    private static final String PASS_1 = "PLANTED-boot3-app-pass-1-5c1e";
    private static final String PASS_2 = "PLANTED-boot3-app-pass-2-a7f0";
    private static final String PASS_3 = "PLANTED-boot3-app-pass-3-31bd";

    @TempDir
    Path tmp;

    private final ManualScheduler scheduler = new ManualScheduler();
    private final String url = "jdbc:h2:mem:rotor-boot3-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    private MountedSecretDirectory mount;
    private String ref;

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({
        RotorAutoConfiguration.class,
        RotorDataSourceAutoConfiguration.class,
        RotorHealthAutoConfiguration.class,
        RotorEndpointAutoConfiguration.class,
        RotorMetricsAutoConfiguration.class,
        DataSourceAutoConfiguration.class,
        EndpointAutoConfiguration.class,
        HealthContributorAutoConfiguration.class,
        HealthEndpointAutoConfiguration.class,
        MetricsAutoConfiguration.class,
        CompositeMeterRegistryAutoConfiguration.class,
        SimpleMetricsExportAutoConfiguration.class
    })
    static class App {}

    @BeforeEach
    void databaseAndMount() throws SQLException {
        admin("CREATE USER APP PASSWORD '" + PASS_1 + "' ADMIN");
        mount = MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", "APP", "password", PASS_1));
        ref = "file:" + mount.dir();
    }

    private void admin(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "SA", "admin-not-under-test");
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private ConfigurableApplicationContext start() {
        SpringApplication app = new SpringApplication(App.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(Banner.Mode.OFF);
        app.setLogStartupInfo(false);
        app.addBootstrapRegistryInitializer(registry -> registry.register(
                RotorSecretsCustomizer.class, BootstrapRegistry.InstanceSupplier.of(b -> b.scheduler(scheduler)
                        .executor(ManualScheduler.directExecutor()))));
        return app.run(
                "--spring.config.import=rotor:" + ref + "?prefix=db.",
                "--rotor.datasource.ref=" + ref,
                "--rotor.datasource.drain-timeout=0s",
                "--rotor.refresh.initial-backoff=5m",
                "--rotor.refresh.max-backoff=10m",
                "--spring.datasource.url=" + url,
                "--spring.datasource.hikari.maximum-pool-size=2",
                "--management.endpoints.web.exposure.include=health,rotor",
                "--management.endpoint.health.show-details=always");
    }

    private static int query(HikariDataSource pool) throws SQLException {
        if (pool.getHikariPoolMXBean() != null) {
            pool.getHikariPoolMXBean().softEvictConnections(); // a fresh login
        }
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT 1")) {
            r.next();
            return r.getInt(1);
        }
    }

    private static Health rotorHealth(ConfigurableApplicationContext context) {
        CompositeHealth all =
                (CompositeHealth) context.getBean(HealthEndpoint.class).health();
        return (Health) all.getComponents().get("rotor");
    }

    @Test
    void boot3App_importPoolHealthEndpointMeters_followARealPasswordChange() throws Exception {
        try (ConfigurableApplicationContext context = start()) {
            Secrets secrets = context.getBean(Secrets.class);
            HikariDataSource pool = context.getBean(HikariDataSource.class);
            assertThat(context.getEnvironment().getProperty("db.username")).isEqualTo("APP");
            assertThat(query(pool)).isEqualTo(1);
            assertThat(rotorHealth(context).getStatus()).isEqualTo(Status.UP);

            // a real rotation: the database first, then the mounted secret
            admin("ALTER USER APP SET PASSWORD '" + PASS_2 + "'");
            mount.write(Map.of("username", "APP", "password", PASS_2));
            secrets.refresh(ref);
            assertThat(query(pool)).as("the pool logs in with the new password").isEqualTo(1);
            assertThat(context.getEnvironment().getProperty("db.password")).isEqualTo(PASS_2);
            Health health = rotorHealth(context);
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("rotor", "UP");

            // a version the database refuses: vetoed, the pool keeps working, health and meters say so
            mount.write(Map.of("username", "APP", "password", PASS_3));
            assertThatThrownBy(() -> secrets.refresh(ref)).isInstanceOf(SecretRejectedException.class);
            assertThat(query(pool)).isEqualTo(1);
            assertThat(rotorHealth(context).getDetails()).containsEntry("rotor", "DEGRADED");
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry.find(RotorMetrics.FAILURES)
                            .tag("event", "rejected")
                            .counter())
                    .isNotNull()
                    .satisfies(c -> assertThat(c.count()).isEqualTo(1));

            Map<String, Object> inventory = context.getBean(RotorEndpoint.class).inventory(SecurityContext.NONE);
            assertThat(inventory.toString()).contains(ref);

            String everything = rotorHealth(context).toString() + inventory + registry.getMeters();
            assertThat(everything).doesNotContain(PASS_1).doesNotContain(PASS_2).doesNotContain(PASS_3);
        }
    }

    @Test
    void boot3App_healthIndicatorOff_noRotorContributor() {
        try (ConfigurableApplicationContext context = startWith("--management.health.rotor.enabled=false")) {
            CompositeHealth all =
                    (CompositeHealth) context.getBean(HealthEndpoint.class).health();
            assertThat(all.getComponents()).doesNotContainKey("rotor");
        }
    }

    private ConfigurableApplicationContext startWith(String extra) {
        System.setProperty("management.health.rotor.enabled", "false");
        try {
            return start();
        } finally {
            System.clearProperty("management.health.rotor.enabled");
        }
    }
}
