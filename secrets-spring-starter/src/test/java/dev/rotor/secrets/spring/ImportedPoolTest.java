package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.SecretState;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.MountedSecretDirectory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * {@code spring.config.import=rotor:...} and {@code rotor.datasource.ref} together, as the README shows them: a real
 * (non-web) SpringApplication, a mounted secret, Spring Boot's HikariCP pool on an H2 database whose user's password
 * really changes, and the client on a manual scheduler. A version the pool cannot log in with is reported as it is
 * without the import: vetoed by the client, the secret degraded, the health degraded, the failure counted.
 */
class ImportedPoolTest {
    private static final String PASS_1 = "PLANTED-imported-pool-pass-1-9b3e";
    private static final String PASS_2 = "PLANTED-imported-pool-pass-2-07da";

    @TempDir
    Path tmp;

    private final ManualScheduler scheduler = new ManualScheduler();
    private final String url = "jdbc:h2:mem:rotor-imported-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    private MountedSecretDirectory mount;
    private String ref;

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({
        RotorAutoConfiguration.class,
        RotorDataSourceAutoConfiguration.class,
        RotorHealthAutoConfiguration.class,
        RotorMetricsAutoConfiguration.class,
        DataSourceAutoConfiguration.class
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

    private ConfigurableApplicationContext start(String... extra) {
        SpringApplication app = new SpringApplication(App.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(Banner.Mode.OFF);
        app.setLogStartupInfo(false);
        app.addBootstrapRegistryInitializer(registry -> registry.register(
                RotorSecretsCustomizer.class, BootstrapRegistry.InstanceSupplier.of(b -> b.scheduler(scheduler)
                        .executor(ManualScheduler.directExecutor()))));
        List<String> args = new java.util.ArrayList<>(List.of(
                "--spring.config.import=rotor:" + ref + "?prefix=db.",
                "--rotor.datasource.ref=" + ref,
                "--rotor.datasource.drain-timeout=0s",
                "--rotor.refresh.initial-backoff=5m",
                "--rotor.refresh.max-backoff=10m",
                "--spring.datasource.url=" + url,
                "--spring.datasource.hikari.maximum-pool-size=2"));
        for (String e : extra) {
            args.add("--" + e);
        }
        return app.run(args.toArray(String[]::new));
    }

    private static int query(HikariDataSource pool) throws SQLException {
        if (pool.getHikariPoolMXBean() != null) { // null: not started, so no connection yet
            pool.getHikariPoolMXBean().softEvictConnections(); // a fresh login
        }
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT 1")) {
            r.next();
            return r.getInt(1);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> pools(Health health) {
        return (List<Map<String, Object>>) health.getDetails().get("pools");
    }

    @Test
    void importAndDatasource_versionThePoolCannotLogInWith_reportedAsWithoutTheImport() throws Exception {
        try (ConfigurableApplicationContext context = start()) {
            Secrets secrets = context.getBean(Secrets.class);
            HikariDataSource pool = context.getBean(HikariDataSource.class);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(RotorMetrics.class).bindTo(registry);
            assertThat(query(pool)).isEqualTo(1);
            String good = secrets.get(ref).version();

            // the mounted secret changes, the database does not: the new password cannot log in
            mount.write(Map.of("username", "APP", "password", PASS_2));
            assertThatThrownBy(() -> secrets.refresh(ref)).isInstanceOf(SecretRejectedException.class);

            InventoryEntry entry = secrets.inventory().stream()
                    .filter(e -> e.ref().toString().equals(ref))
                    .findFirst()
                    .orElseThrow();
            assertThat(entry.state()).isEqualTo(SecretState.DEGRADED);
            assertThat(entry.version()).hasValue(good);
            assertThat(entry.lastError().orElseThrow())
                    .contains("HikariCP pool dataSource vetoed version")
                    .contains("(login refused: SQLState 28000)")
                    .doesNotContain(PASS_2);

            Health health = context.getBean(RotorHealthIndicator.class).health();
            assertThat(health.getDetails()).containsEntry("rotor", "DEGRADED");
            assertThat(pools(health)).singleElement().satisfies(p -> {
                assertThat(p).containsEntry("pool", "dataSource").containsEntry("poolVersion", good);
                assertThat(p).containsEntry("state", "BEHIND");
                assertThat(p.get("newestVersion")).isNotEqualTo(good).isNotNull();
            });
            assertThat(registry.find(RotorMetrics.FAILURES)
                            .tag("event", "rejected")
                            .counter())
                    .isNotNull()
                    .satisfies(c -> assertThat(c.count()).isEqualTo(1));

            assertThat(query(pool)).as("the pool keeps its working credentials").isEqualTo(1);
            assertThat(context.getEnvironment().getProperty("db.password"))
                    .as("and so does the imported property")
                    .isEqualTo(PASS_1);
        }
    }

    @Test
    void importAndDatasource_passwordReallyRotated_poolFollowsAndHealthShowsItInSync() throws Exception {
        try (ConfigurableApplicationContext context = start()) {
            Secrets secrets = context.getBean(Secrets.class);
            HikariDataSource pool = context.getBean(HikariDataSource.class);
            assertThat(query(pool)).isEqualTo(1);

            admin("ALTER USER APP SET PASSWORD '" + PASS_2 + "'");
            mount.write(Map.of("username", "APP", "password", PASS_2));
            secrets.refresh(ref);

            assertThat(query(pool)).isEqualTo(1);
            Health health = context.getBean(RotorHealthIndicator.class).health();
            assertThat(health.getDetails()).containsEntry("rotor", "UP");
            assertThat(pools(health)).singleElement().satisfies(p -> {
                assertThat(p).containsEntry("state", "IN_SYNC");
                assertThat(p).containsEntry("poolVersion", secrets.get(ref).version());
                assertThat(p).containsEntry("newestVersion", secrets.get(ref).version());
            });
            assertThat(health.toString()).doesNotContain(PASS_1).doesNotContain(PASS_2);
        }
    }

    @Test
    void importAndDatasource_firstLoad_isALoadedRecordOnTheAuditLogger() {
        AuditCapture.clear();
        try (ConfigurableApplicationContext context = start("rotor.audit.enabled=true")) {
            assertThat(AuditCapture.lines())
                    .anySatisfy(line ->
                            assertThat(line).contains("\"event\":\"LOADED\"").contains("\"ref\":\"" + ref + "\""));
            assertThat(AuditCapture.lines()).noneMatch(line -> line.contains(PASS_1));
        }
    }
}
