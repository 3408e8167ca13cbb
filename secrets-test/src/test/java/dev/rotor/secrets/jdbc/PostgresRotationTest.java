package dev.rotor.secrets.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The same hand-over against a real PostgreSQL, when one is given: {@code -Drotor.test.postgres.url=jdbc:postgresql://
 * localhost:5432/postgres} (or {@code ROTOR_TEST_POSTGRES_URL}) with an admin user allowed to create roles in {@code
 * rotor.test.postgres.user}/{@code rotor.test.postgres.password} (or {@code ROTOR_TEST_POSTGRES_USER}/{@code
 * ROTOR_TEST_POSTGRES_PASSWORD}). Skipped otherwise. Creates two login roles and drops them afterwards.
 */
class PostgresRotationTest {
    private static final String REF = "mem:db/app";
    private static final String[] ROLES = {"rotor_test_blue", "rotor_test_green"};

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private Connection admin;
    private String url;
    private Secrets secrets;
    private HikariDataSource pool;

    private static Optional<String> setting(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(property.toUpperCase(Locale.ROOT).replace('.', '_'));
        }
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }

    @BeforeEach
    void connect() throws SQLException {
        Optional<String> given = setting("rotor.test.postgres.url");
        assumeTrue(given.isPresent(), "no PostgreSQL given (rotor.test.postgres.url)");
        url = given.get();
        admin = DriverManager.getConnection(
                url,
                setting("rotor.test.postgres.user").orElse("postgres"),
                setting("rotor.test.postgres.password").orElse(""));
        dropRoles();
        for (String role : ROLES) {
            execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + H2Database.newPassword() + "'");
        }
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .auditLog(false)
                .build();
    }

    @AfterEach
    void cleanUp() throws SQLException {
        if (secrets != null) {
            secrets.close();
        }
        if (pool != null) {
            pool.close();
        }
        if (admin != null) {
            dropRoles();
            admin.close();
        }
    }

    private void dropRoles() throws SQLException {
        for (String role : ROLES) {
            execute("DROP ROLE IF EXISTS " + role);
        }
    }

    private void execute(String sql) throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute(sql);
        }
    }

    private Map<String, String> setPassword(String role) throws SQLException {
        String password = H2Database.newPassword();
        execute("ALTER ROLE " + role + " PASSWORD '" + password + "'");
        return Map.of("username", role, "password", password);
    }

    private static String currentUser(javax.sql.DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void binding_alternatingRoles_poolFollowsEveryRotationAndRefusedVersionsAreVetoed() throws SQLException {
        Map<String, String> first = setPassword(ROLES[0]);
        source.putFields("db/app", first);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(first.get("username"));
        config.setPassword(first.get("password"));
        config.setMaximumPoolSize(3);
        config.setMinimumIdle(1);
        pool = new HikariDataSource(config);
        HikariSecretBinding binding = HikariSecretBinding.builder(secrets, pool, REF)
                .validateBeforeSwap(true)
                .drainTimeout(Duration.ZERO)
                .bind();

        for (int n = 1; n <= 4; n++) {
            String role = ROLES[n % 2];
            String old = ROLES[(n + 1) % 2];
            source.putFields("db/app", setPassword(role));
            secrets.refresh(REF);
            setPassword(old); // the end of the grace period: the old role no longer logs in
            assertThat(currentUser(pool)).isEqualTo(role);
        }
        assertThat(binding.handOvers()).isEqualTo(4);

        source.putFields("db/app", Map.of("username", ROLES[1], "password", "wrong"));
        secrets.refresh(REF);
        assertThat(binding.refused()).isEqualTo(1);
        assertThat(currentUser(pool)).isEqualTo(ROLES[0]);
    }

    @Test
    void rotatingDataSource_passwordChangedBehindItsBack_recovers() throws SQLException {
        source.putFields("db/app", setPassword(ROLES[0]));
        RotatingDataSource ds = RotatingDataSource.builder(secrets, REF)
                .jdbcUrl(url)
                .timeSource(scheduler.clock())
                .build();
        assertThat(currentUser(ds)).isEqualTo(ROLES[0]);

        source.putFields("db/app", setPassword(ROLES[0]));

        assertThat(currentUser(ds)).isEqualTo(ROLES[0]);
        assertThat(ds.recoveredLogins()).isEqualTo(1);
    }
}
