package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.consumer.HandOverListener;
import dev.rotor.secrets.jdbc.HikariSecretBinding;
import dev.rotor.secrets.spring.internal.DataSourceBinder;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code rotor.datasource.ref} binds Spring Boot's HikariCP pool to a credentials secret: an in-memory H2 database
 * whose user's password really changes ({@code ALTER USER ... SET PASSWORD}), the test kit's in-memory source, and a
 * manual scheduler for the engine's polls.
 */
class RotorDataSourceTest {
    private static final String ADMIN_PASS = "admin-pass-not-a-secret-under-test";
    private static final String PASS_1 = "PLANTED-ds-pass-1-a71c";
    private static final String PASS_2 = "PLANTED-ds-pass-2-5e0b";
    private static final String REF = "mem:db/app";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final String url = "jdbc:h2:mem:rotor-ds-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";

    @BeforeEach
    void database() throws SQLException {
        admin("CREATE USER APP PASSWORD '" + PASS_1 + "' ADMIN");
        source.putFields("db/app", Map.of("username", "APP", "password", PASS_1));
    }

    private void admin(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "SA", ADMIN_PASS);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private ApplicationContextRunner runner() {
        return starterOnly()
                .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
                .withPropertyValues(
                        "spring.datasource.url=" + url,
                        // what the application.properties of an application moving to Rotor may still say
                        "spring.datasource.username=someone-else",
                        "spring.datasource.password=stale-password",
                        "spring.datasource.hikari.maximum-pool-size=2");
    }

    /** The starter without Spring Boot's pool. */
    private ApplicationContextRunner starterOnly() {
        return new ApplicationContextRunner()
                .withConfiguration(
                        AutoConfigurations.of(RotorAutoConfiguration.class, RotorDataSourceAutoConfiguration.class))
                .withBean(InMemorySource.class, () -> source)
                .withBean(
                        RotorSecretsCustomizer.class,
                        () -> b -> b.scheduler(scheduler).executor(ManualScheduler.directExecutor()))
                .withPropertyValues(
                        "rotor.audit.enabled=false",
                        "rotor.discover-sources=false",
                        "rotor.refresh.poll-interval=1m",
                        "rotor.datasource.ref=" + REF,
                        "rotor.datasource.drain-timeout=0s");
    }

    private static int query(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT 1")) {
            r.next();
            return r.getInt(1);
        }
    }

    /** Every connection the pool holds now was opened after this call. */
    private static int queryOnFreshConnection(HikariDataSource pool) throws SQLException {
        if (pool.getHikariPoolMXBean() != null) { // null: not started, so no connection yet
            pool.getHikariPoolMXBean().softEvictConnections();
        }
        return query(pool);
    }

    private static HikariSecretBinding binding(org.springframework.context.ApplicationContext context) {
        return context.getBean(DataSourceBinder.class).binding().orElseThrow();
    }

    @Test
    void datasource_refSet_poolStartsWithTheSecretsCredentials() {
        runner().run(context -> {
            assertThat(context).hasNotFailed();
            HikariDataSource pool = context.getBean(HikariDataSource.class);
            assertThat(query(pool)).isEqualTo(1);
            assertThat(pool.getUsername()).isEqualTo("APP");
        });
    }

    @Test
    void datasource_passwordRotated_poolFollowsTheNewVersionAndTellsTheListenerBeans() {
        List<HandOver> heard = new CopyOnWriteArrayList<>();
        runner().withBean(HandOverListener.class, () -> heard::add).run(context -> {
            HikariDataSource pool = context.getBean(HikariDataSource.class);
            assertThat(query(pool)).isEqualTo(1);

            admin("ALTER USER APP SET PASSWORD '" + PASS_2 + "'");
            source.putFields("db/app", Map.of("username", "APP", "password", PASS_2));
            scheduler.advance(Duration.ofMinutes(2));

            assertThat(binding(context).handOvers()).isEqualTo(1);
            assertThat(heard).hasSize(1);
            assertThat(heard.get(0).succeeded()).isTrue();
            assertThat(heard.get(0).version())
                    .isEqualTo(context.getBean(Secrets.class).get(REF).version());
            // the old password no longer logs in: a fresh connection works only with the new one
            assertThat(queryOnFreshConnection(pool)).isEqualTo(1);
        });
    }

    @Test
    void datasource_versionThatCannotLogIn_vetoedByTheClientAndPoolKeepsWorking() {
        // one attempt within the test's minute: H2 slows every failed login down on purpose
        runner().withPropertyValues("rotor.refresh.initial-backoff=5m", "rotor.refresh.max-backoff=10m")
                .run(context -> {
                    HikariDataSource pool = context.getBean(HikariDataSource.class);
                    Secrets secrets = context.getBean(Secrets.class);
                    String before = secrets.get(REF).version();

                    // the secret changes but the database does not: the new password cannot log in
                    source.putFields("db/app", Map.of("username", "APP", "password", PASS_2));
                    scheduler.advance(Duration.ofMinutes(2));

                    assertThat(secrets.get(REF).version()).isEqualTo(before);
                    assertThat(binding(context).handOvers()).isZero();
                    assertThat(queryOnFreshConnection(pool)).isEqualTo(1);
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnClient {
        @Bean(destroyMethod = "close")
        Secrets mySecrets(InMemorySource source, ManualScheduler scheduler) {
            return Secrets.builder()
                    .source(source)
                    .discoverSources(false)
                    .auditLog(false)
                    .scheduler(scheduler)
                    .executor(ManualScheduler.directExecutor())
                    .refreshPolicy(dev.rotor.secrets.RefreshPolicy.builder()
                            .pollInterval(Duration.ofMinutes(1))
                            .build())
                    .build();
        }
    }

    @Test
    void datasource_clientWithoutTheValidator_bindingRefusesAVersionThatCannotLogIn() {
        runner().withUserConfiguration(OwnClient.class)
                .withBean(ManualScheduler.class, () -> scheduler)
                .run(context -> {
                    HikariDataSource pool = context.getBean(HikariDataSource.class);
                    source.putFields("db/app", Map.of("username", "APP", "password", PASS_2));
                    scheduler.advance(Duration.ofMinutes(2));

                    assertThat(binding(context).refused()).isEqualTo(1);
                    assertThat(binding(context).handOvers()).isZero();
                    assertThat(queryOnFreshConnection(pool)).isEqualTo(1);
                });
    }

    @Test
    void datasource_validationOff_versionHandedOverUnchecked() {
        runner().withPropertyValues("rotor.datasource.validate=false").run(context -> {
            source.putFields("db/app", Map.of("username", "APP", "password", PASS_2));
            scheduler.advance(Duration.ofMinutes(2));
            assertThat(binding(context).handOvers()).isEqualTo(1);
            assertThat(context.getBean(HikariDataSource.class).getPassword()).isEqualTo(PASS_2);
        });
    }

    @Test
    void datasource_otherFieldNames_readFromTheProperties() {
        source.putFields("db/app", Map.of("user", "APP", "pass", PASS_1));
        runner().withPropertyValues("rotor.datasource.username-field=user", "rotor.datasource.password-field=pass")
                .run(context -> assertThat(query(context.getBean(HikariDataSource.class)))
                        .isEqualTo(1));
    }

    @Test
    void datasource_noHikariDataSourceBean_failsNamingTheProperty() {
        starterOnly().run(context -> assertThat(context)
                .getFailure()
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("rotor.datasource.ref")
                .hasMessageContaining("no HikariDataSource"));
    }

    @Configuration(proxyBeanMethods = false)
    static class SecondPool {
        @Bean(destroyMethod = "close")
        HikariDataSource reportingPool() {
            HikariDataSource ds = new HikariDataSource();
            ds.setJdbcUrl("jdbc:h2:mem:unused");
            return ds;
        }
    }

    @Test
    void datasource_twoHikariDataSources_failsNamingBoth() {
        starterOnly().withUserConfiguration(SecondPool.class, ThirdPool.class).run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("rotor.datasource.ref binds one HikariDataSource")
                .hasMessageContaining("reportingPool")
                .hasMessageContaining("auditPool"));
    }

    @Configuration(proxyBeanMethods = false)
    static class ThirdPool {
        @Bean(destroyMethod = "close")
        HikariDataSource auditPool() {
            HikariDataSource ds = new HikariDataSource();
            ds.setJdbcUrl("jdbc:h2:mem:unused2");
            return ds;
        }
    }

    @Test
    void datasource_refWithField_failsNamingTheProperties() {
        runner().withPropertyValues("rotor.datasource.ref=" + REF + "#password").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("rotor.datasource.username-field"));
    }

    @Test
    void datasource_negativeDrainTimeout_failsNamingTheProperty() {
        runner().withPropertyValues("rotor.datasource.drain-timeout=-1s").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("rotor.datasource.drain-timeout"));
    }

    @Test
    void datasource_blankRef_failsNamingTheProperty() {
        runner().withPropertyValues("rotor.datasource.ref= ").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("rotor.datasource.ref must be set"));
    }

    @Test
    void datasource_refUnset_poolLeftAlone() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        RotorAutoConfiguration.class,
                        RotorDataSourceAutoConfiguration.class,
                        DataSourceAutoConfiguration.class))
                .withBean(InMemorySource.class, () -> source)
                .withPropertyValues("rotor.audit.enabled=false", "spring.datasource.url=" + url)
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(DataSourceBinder.class);
                    assertThat(context.getBean(HikariDataSource.class).getUsername())
                            .isNotEqualTo("APP");
                });
    }

    private static List<Map<String, Object>> pools(org.springframework.context.ApplicationContext context) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> pools = (List<Map<String, Object>>) context.getBean(RotorHealthIndicator.class)
                .health()
                .getDetails()
                .get("pools");
        return pools;
    }

    private ApplicationContextRunner withHealth(ApplicationContextRunner runner) {
        return runner.withConfiguration(AutoConfigurations.of(RotorHealthAutoConfiguration.class));
    }

    @Test
    void datasource_unnamedPool_namedAfterItsBeanInTheStartUpLineAndTheHandOvers() {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(DataSourceBinder.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            runner().run(context -> {
                assertThat(binding(context).poolName()).isEqualTo("dataSource");
                source.putFields("db/app", Map.of("username", "APP", "password", PASS_2));
                admin("ALTER USER APP SET PASSWORD '" + PASS_2 + "'");
                scheduler.advance(Duration.ofMinutes(2));
                assertThat(binding(context).lastHandOver().orElseThrow().target())
                        .isEqualTo("dataSource");
            });
        } finally {
            logger.detachAppender(lines);
        }
        assertThat(lines.list)
                .extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).startsWith("Rotor binds pool dataSource (bean dataSource) to "))
                .noneMatch(line -> line.contains("pool null"));
    }

    @Test
    void datasource_poolNamedInTheProperties_thatNameIsUsed() {
        runner().withPropertyValues("spring.datasource.hikari.pool-name=orders")
                .run(context -> assertThat(binding(context).poolName()).isEqualTo("orders"));
    }

    @Test
    void health_versionVetoedForThePool_poolShownBehindAndRotorDegraded() {
        withHealth(runner())
                .withPropertyValues("rotor.refresh.initial-backoff=5m", "rotor.refresh.max-backoff=10m")
                .run(context -> {
                    String good = context.getBean(Secrets.class).get(REF).version();
                    assertThat(pools(context)).singleElement().satisfies(p -> assertThat(p)
                            .containsEntry("state", "IN_SYNC")
                            .containsEntry("poolVersion", good));

                    String refused = source.putFields("db/app", Map.of("username", "APP", "password", PASS_2));
                    scheduler.advance(Duration.ofMinutes(2));

                    assertThat(context.getBean(RotorHealthIndicator.class)
                                    .health()
                                    .getDetails())
                            .containsEntry("rotor", "DEGRADED");
                    assertThat(pools(context)).singleElement().satisfies(p -> assertThat(p)
                            .containsEntry("pool", "dataSource")
                            .containsEntry("state", "BEHIND")
                            .containsEntry("poolVersion", good)
                            .containsEntry("newestVersion", refused));
                });
    }

    @Test
    void health_clientWithoutTheValidator_poolThatRefusedAVersionShownBehindAndCounted() {
        withHealth(runner())
                .withConfiguration(AutoConfigurations.of(RotorMetricsAutoConfiguration.class))
                .withUserConfiguration(OwnClient.class)
                .withBean(ManualScheduler.class, () -> scheduler)
                .run(context -> {
                    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
                    context.getBean(RotorMetrics.class).bindTo(registry);
                    String good = context.getBean(Secrets.class).get(REF).version();

                    String refused = source.putFields("db/app", Map.of("username", "APP", "password", PASS_2));
                    scheduler.advance(Duration.ofMinutes(2));

                    assertThat(context.getBean(Secrets.class).get(REF).version())
                            .as("the client took the version; only the pool refused it")
                            .isEqualTo(refused);
                    assertThat(context.getBean(RotorHealthIndicator.class)
                                    .health()
                                    .getDetails())
                            .containsEntry("rotor", "DEGRADED");
                    assertThat(pools(context)).singleElement().satisfies(p -> assertThat(p)
                            .containsEntry("state", "BEHIND")
                            .containsEntry("poolVersion", good)
                            .containsEntry("newestVersion", refused));
                    assertThat(binding(context).lastHandOver().orElseThrow().failure())
                            .hasValue("login refused: SQLState 28000");
                    assertThat(registry.find(RotorMetrics.FAILURES)
                                    .tag("event", "handed_over")
                                    .counter()
                                    .count())
                            .isEqualTo(1);
                });
    }
}
