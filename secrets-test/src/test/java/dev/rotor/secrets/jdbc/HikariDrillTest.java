package dev.rotor.secrets.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.DrillReport;
import dev.rotor.secrets.DrillReport.ConsumerResult;
import dev.rotor.secrets.DrillReport.Outcome;
import dev.rotor.secrets.DrillReport.SecretResult;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A rotation drill end to end: a leased database credential whose every issue changes the H2 user's password (as a
 * store's database engine does), a HikariCP pool bound to it, and the drill's report of the pool's hand-over.
 */
class HikariDrillTest {
    private static final String REF = "mem:db/creds";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final RecordingListener events = new RecordingListener();
    private final List<String> issued = new CopyOnWriteArrayList<>();
    private H2Database db;
    private HikariDataSource pool;
    private Secrets secrets;
    /** Whether the store changes the database password when it issues one (false: a broken store). */
    private volatile boolean storeChangesPassword = true;

    @BeforeEach
    void start() throws SQLException {
        db = H2Database.start();
        db.createUser("app", H2Database.newPassword());
        source.dynamic(
                "db/creds",
                n -> {
                    String password = H2Database.newPassword();
                    if (storeChangesPassword) {
                        try {
                            db.setPassword("app", password);
                        } catch (SQLException e) {
                            throw new IllegalStateException("could not change the password", e);
                        }
                    }
                    issued.add(password);
                    return Map.of("username", "app", "password", password);
                },
                Duration.ofHours(1),
                Duration.ofHours(24),
                true);
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .auditLog(false)
                .eventListener(events)
                .build();
        Secret first = secrets.get(REF);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.url());
        config.setUsername(first.field("username").orElseThrow());
        config.setPassword(first.field("password").orElseThrow());
        config.setPoolName("drill-pool");
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(2_000);
        pool = new HikariDataSource(config);
    }

    @AfterEach
    void stop() {
        if (secrets != null) {
            secrets.close();
        }
        if (pool != null) {
            pool.close();
        }
        db.close();
    }

    private static int items(javax.sql.DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ITEMS")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void drill_reissuesTheCredential_andThePoolLogsInWithTheNewPassword() throws SQLException {
        HikariSecretBinding binding = HikariSecretBinding.builder(secrets, pool, REF)
                .drainTimeout(Duration.ZERO)
                .bind();
        assertThat(items(pool)).isEqualTo(3);
        String oldPassword = issued.get(0);

        DrillReport report = secrets.drill(List.of(REF));

        assertThat(report.succeeded()).isTrue();
        SecretResult r = report.secrets().get(0);
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(r.action()).contains("reissue");
        assertThat(r.version()).isEqualTo(binding.poolVersion());
        ConsumerResult c = r.consumers().get(0);
        assertThat(c.name()).isEqualTo("drill-pool");
        assertThat(c.kind()).isEqualTo("pool");
        assertThat(c.succeeded()).isTrue();
        assertThat(c.duration()).isPresent();
        assertThat(issued).hasSize(2);

        // the old password no longer logs in; the pool's new connections use the new one
        assertThatThrownBy(() -> DriverManager.getConnection(db.url(), "app", oldPassword)
                        .close())
                .isInstanceOf(SQLException.class);
        pool.getHikariPoolMXBean().softEvictConnections();
        for (int i = 0; i < 3; i++) {
            assertThat(items(pool)).isEqualTo(3);
        }
        assertThat(events.ofType(SecretEventType.DRILL_RESULT))
                .singleElement()
                .satisfies(e -> assertThat(e.detail()).get().asString().contains("1 of 1 consumers"));
    }

    @Test
    void drill_whoseNewCredentialCannotLogIn_isReportedFailed_andThePoolKeepsWorking() throws SQLException {
        HikariSecretBinding binding = HikariSecretBinding.builder(secrets, pool, REF)
                .validateBeforeSwap(true)
                .drainTimeout(Duration.ZERO)
                .bind();
        String before = binding.poolVersion().orElseThrow();
        storeChangesPassword = false; // the store hands out a password the database never got

        DrillReport report = secrets.drill(List.of(REF));

        assertThat(report.succeeded()).isFalse();
        SecretResult r = report.secrets().get(0);
        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        ConsumerResult c = r.consumers().get(0);
        assertThat(c.succeeded()).isFalse();
        assertThat(c.reason()).get().asString().contains("login refused");
        assertThat(binding.poolVersion()).contains(before);
        pool.getHikariPoolMXBean().softEvictConnections();
        assertThat(items(pool)).isEqualTo(3);
    }

    @Test
    void drillReport_andEvents_neverCarryThePasswords() throws SQLException {
        try (LeakCheck leaks = LeakCheck.builder().plant(issued.get(0)).start()) {
            secrets.addEventListener(leaks);
            HikariSecretBinding.builder(secrets, pool, REF)
                    .drainTimeout(Duration.ZERO)
                    .bind();
            DrillReport report = secrets.drill(List.of(REF));
            storeChangesPassword = false;
            DrillReport failed = secrets.drill(List.of(REF));
            leaks.check(report, failed, report.secrets(), failed.secrets(), events.events());
            leaks.assertNoLeaks();
        }
        // the passwords issued during the check were not planted yet: scan them too
        try (LeakCheck again = LeakCheck.builder()
                .plant(issued.toArray(String[]::new))
                .captureLogs(false)
                .start()) {
            again.check(events.events());
            again.assertNoLeaks();
        }
    }
}
