package dev.rotor.secrets.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.jdbc.internal.AuthFailures;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The DataSource wrapper against a real H2 server, with the engine on a manual clock: nothing polls by itself. */
class RotatingDataSourceTest {
    private static final String REF = "mem:db/app";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final RecordingListener events = new RecordingListener();
    private H2Database db;
    private Secrets secrets;
    private String password;

    @BeforeEach
    void start() throws SQLException {
        db = H2Database.start();
        password = H2Database.newPassword();
        db.createUser("app", password);
        source.putFields("db/app", Map.of("username", "app", "password", password));
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .auditLog(false)
                .eventListener(events)
                .build();
    }

    @AfterEach
    void stop() {
        secrets.close();
        db.close();
    }

    private RotatingDataSource.Builder builder() {
        return RotatingDataSource.builder(secrets, REF).jdbcUrl(db.url()).timeSource(scheduler.clock());
    }

    private static String currentUser(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT CURRENT_USER, (SELECT COUNT(*) FROM ITEMS)")) {
            rs.next();
            return rs.getString(1).toLowerCase(Locale.ROOT) + "/" + rs.getInt(2);
        }
    }

    @Test
    void getConnection_currentCredentials_logsInWithoutRefreshing() throws SQLException {
        RotatingDataSource ds = builder().build();

        assertThat(currentUser(ds)).isEqualTo("app/3");
        assertThat(ds.forcedRefreshes()).isZero();
        assertThat(source.count(InMemorySource.Operation.FETCH)).isEqualTo(1);
    }

    @Test
    void getConnection_passwordChangedBehindItsBack_refreshesOnceAndRetries() throws SQLException {
        RotatingDataSource ds = builder().build();
        assertThat(currentUser(ds)).isEqualTo("app/3");

        String next = H2Database.newPassword();
        db.setPassword("app", next);
        source.putFields("db/app", Map.of("username", "app", "password", next));

        assertThat(currentUser(ds)).isEqualTo("app/3");
        assertThat(ds.forcedRefreshes()).isEqualTo(1);
        assertThat(ds.recoveredLogins()).isEqualTo(1);
        assertThat(events.ofType(SecretEventType.ROTATED)).hasSize(1);
        assertThat(currentUser(ds))
                .as("the next login uses the refreshed version at once")
                .isEqualTo("app/3");
        assertThat(ds.forcedRefreshes()).isEqualTo(1);
    }

    @Test
    void getConnection_rotationWindow_logsInWithThePendingVersion() throws SQLException {
        RotatingDataSource ds = builder().build();
        String next = H2Database.newPassword();
        source.stagePending("db/app", Map.of("username", "app", "password", next));
        db.setPassword("app", next); // the database already moved on; the store still serves the old version

        assertThat(currentUser(ds)).isEqualTo("app/3");
        assertThat(ds.recoveredLogins()).isEqualTo(1);
        assertThat(source.count(InMemorySource.Operation.ALTERNATES)).isEqualTo(1);
    }

    @Test
    void getConnection_alternatesOff_doesNotAskForThem() throws SQLException {
        RotatingDataSource ds = builder().tryAlternates(false).build();
        String next = H2Database.newPassword();
        source.stagePending("db/app", Map.of("username", "app", "password", next));
        db.setPassword("app", next);

        assertThatThrownBy(() -> currentUser(ds)).isInstanceOf(SQLException.class);
        assertThat(source.count(InMemorySource.Operation.ALTERNATES)).isZero();
    }

    @Test
    void getConnection_noVersionLogsIn_throwsTheAuthFailureAfterOneRefresh() throws SQLException {
        RotatingDataSource ds = builder().build();
        db.setPassword("app", H2Database.newPassword());
        source.resetCounts();

        assertThatThrownBy(ds::getConnection)
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(AuthFailures.isAuthFailure(e)).isTrue());
        assertThat(ds.forcedRefreshes()).isEqualTo(1);
        assertThat(source.count(InMemorySource.Operation.FETCH)).isEqualTo(1);

        // within the minimum interval a refused login does not reach the store again
        assertThatThrownBy(ds::getConnection).isInstanceOf(SQLException.class);
        assertThat(ds.forcedRefreshes()).isEqualTo(1);
        assertThat(source.count(InMemorySource.Operation.FETCH)).isEqualTo(1);

        scheduler.clock().advance(Duration.ofSeconds(1));
        assertThatThrownBy(ds::getConnection).isInstanceOf(SQLException.class);
        assertThat(ds.forcedRefreshes()).isEqualTo(2);
    }

    @Test
    void getConnection_otherFailure_isThrownWithoutRefreshing() throws SQLException {
        RotatingDataSource ds = RotatingDataSource.builder(secrets, REF)
                .jdbcUrl(db.url().replace("/mem:", "/mem:missing-"))
                .timeSource(scheduler.clock())
                .build();

        assertThatThrownBy(ds::getConnection)
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(AuthFailures.isAuthFailure(e)).isFalse());
        assertThat(ds.forcedRefreshes()).isZero();
    }

    @Test
    void getConnection_throughATargetDataSource_passesTheCredentials() throws SQLException {
        org.h2.jdbcx.JdbcDataSource target = new org.h2.jdbcx.JdbcDataSource();
        target.setURL(db.url());
        RotatingDataSource ds = RotatingDataSource.builder(secrets, REF)
                .dataSource(target)
                .timeSource(scheduler.clock())
                .build();

        assertThat(currentUser(ds)).isEqualTo("app/3");
        assertThat(ds.isWrapperFor(org.h2.jdbcx.JdbcDataSource.class)).isTrue();
        assertThat(ds.toString()).doesNotContain(password);
    }

    @Test
    void build_neitherOrBothTargets_isRejectedNamingTheOptions() {
        assertThatThrownBy(() -> RotatingDataSource.builder(secrets, REF).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dataSource")
                .hasMessageContaining("jdbcUrl");
        assertThatThrownBy(() -> RotatingDataSource.builder(secrets, REF)
                        .jdbcUrl(db.url())
                        .dataSource(new org.h2.jdbcx.JdbcDataSource())
                        .build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RotatingDataSource.builder(secrets, REF)
                        .jdbcUrl(db.url())
                        .minRefreshInterval(Duration.ofSeconds(-1))
                        .build())
                .hasMessageContaining("minRefreshInterval");
    }

    @Test
    void validator_versionTheDatabaseRefuses_vetoedNamingTheDataSourceAndTheSQLState() {
        org.h2.jdbcx.JdbcDataSource driver = new org.h2.jdbcx.JdbcDataSource();
        driver.setURL(db.url());
        try (Secrets checked = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .auditLog(false)
                .eventListener(events)
                .validator(REF, RotatingDataSource.validator(driver, CredentialFields.defaults(), "orders"))
                .build()) {
            String good = checked.get(REF).version();
            String refused = source.putFields("db/app", Map.of("username", "app", "password", "not-" + password));

            assertThatThrownBy(() -> checked.refresh(REF))
                    .isInstanceOf(dev.rotor.secrets.SecretRejectedException.class);

            assertThat(checked.get(REF).version()).isEqualTo(good);
            assertThat(events.ofType(SecretEventType.REJECTED)).singleElement().satisfies(e -> assertThat(
                            e.errorMessage().orElseThrow())
                    .contains("data source orders vetoed version " + refused + " (login refused: SQLState 28000)")
                    .doesNotContain(password));
        }
    }
}
