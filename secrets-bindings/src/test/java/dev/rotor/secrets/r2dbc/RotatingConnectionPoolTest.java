package dev.rotor.secrets.r2dbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactoryOptions;
import java.security.SecureRandom;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The R2DBC pool binding on a real H2 database (r2dbc-h2, embedded): the application user's password is changed with
 * {@code ALTER USER} while the secret rotates in the source, new connections log in with the new password, the
 * connection in use finishes its work and closes when given back.
 */
class RotatingConnectionPoolTest {
    private static final String REF = "mem:db/app";
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final List<HandOver> handOvers = new ArrayList<>();
    private final String db =
            "r2rotor" + NAMES.incrementAndGet() + "x" + ProcessHandle.current().pid();
    private java.sql.Connection admin;
    private Secrets secrets;
    private RotatingConnectionPool pool;

    static String newPassword() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return "pw" + HexFormat.of().formatHex(b);
    }

    @BeforeEach
    void start() throws SQLException {
        admin = DriverManager.getConnection("jdbc:h2:mem:" + db + ";DB_CLOSE_DELAY=-1", "sa", "");
        sql("CREATE TABLE ITEMS(ID INT PRIMARY KEY, NAME VARCHAR(20))");
        sql("INSERT INTO ITEMS VALUES (1, 'one'), (2, 'two'), (3, 'three')");
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .build();
    }

    @AfterEach
    void stop() throws SQLException {
        try {
            if (pool != null) {
                pool.close().block(WAIT);
            }
            secrets.close();
        } finally {
            sql("SHUTDOWN");
            admin.close();
        }
    }

    private void sql(String statement) throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute(statement);
        }
    }

    private int sessionsOf(String user) throws SQLException {
        try (Statement s = admin.createStatement();
                ResultSet r = s.executeQuery(
                        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE USER_NAME = '" + user + "'")) {
            r.next();
            return r.getInt(1);
        }
    }

    private ConnectionFactoryOptions options() {
        return ConnectionFactoryOptions.builder()
                .option(ConnectionFactoryOptions.DRIVER, "h2")
                .option(ConnectionFactoryOptions.PROTOCOL, "mem")
                .option(ConnectionFactoryOptions.DATABASE, db)
                .build();
    }

    private static long count(Connection c) {
        return Mono.from(c.createStatement("SELECT COUNT(*) FROM ITEMS").execute())
                .flatMap(r -> Mono.from(r.map((row, meta) -> row.get(0, Long.class))))
                .block(WAIT);
    }

    private long countOnNewConnection() {
        Connection c = pool.create().block(WAIT);
        try {
            return count(c);
        } finally {
            Mono.from(c.close()).block(WAIT);
        }
    }

    @Test
    void rotation_newConnectionsUseTheNewPassword_theBorrowedOneFinishesAndCloses() throws Exception {
        String first = newPassword();
        String second = newPassword();
        sql("CREATE USER APP PASSWORD '" + first + "'");
        sql("GRANT SELECT ON TABLE ITEMS TO APP");
        source.putFields("db/app", Map.of("username", "APP", "password", first));
        pool = RotatingConnectionPool.builder(secrets, REF, options())
                .name("orders")
                .pool(p -> p.maxSize(4).initialSize(0))
                .onHandOver(handOvers::add)
                .bind();
        Connection borrowed = pool.create().block(WAIT);
        assertThat(count(borrowed)).isEqualTo(3);
        assertThat(sessionsOf("APP")).isEqualTo(1);

        sql("ALTER USER APP SET PASSWORD '" + second + "'");
        source.putFields("db/app", Map.of("username", "APP", "password", second));
        secrets.refresh(REF);

        assertThat(pool.handOvers()).isEqualTo(2);
        assertThat(handOvers.get(1).target()).isEqualTo("orders");
        assertThat(handOvers.get(1).succeeded()).isTrue();
        // a new connection logs in with the new password; the old password no longer opens one
        assertThat(countOnNewConnection()).isEqualTo(3);
        Throwable refused = catchThrowable(() -> Mono.from(ConnectionFactories.get(options()
                                .mutate()
                                .option(ConnectionFactoryOptions.USER, "APP")
                                .option(ConnectionFactoryOptions.PASSWORD, first)
                                .build())
                        .create())
                .block(WAIT));
        assertThat(refused).isNotNull();
        // the borrowed connection finishes its work on the old login, then closes when given back
        assertThat(count(borrowed)).isEqualTo(3);
        assertThat(sessionsOf("APP")).isEqualTo(2);
        Mono.from(borrowed.close()).block(WAIT);
        awaitTrue(() -> sessionsOf("APP") == 1); // the new pool's idle connection only
        assertThat(pool.metrics().orElseThrow().acquiredSize()).isZero();
    }

    @Test
    void leasedCredentials_oldLeaseIsRevokedOnlyOnceTheOldPoolIsDrained() throws Exception {
        sql("CREATE USER APP PASSWORD 'unset'");
        sql("GRANT SELECT ON TABLE ITEMS TO APP");
        // a dynamic secret: each fetch issues a new password (set on the database as the store would) and a lease
        source.dynamic(
                "db/app",
                n -> {
                    String password = "pw" + n + newPassword();
                    try {
                        sql("ALTER USER APP SET PASSWORD '" + password + "'");
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                    return Map.of("username", "APP", "password", password);
                },
                Duration.ofHours(1),
                Duration.ofHours(3),
                true);
        pool = RotatingConnectionPool.builder(secrets, REF, options())
                .drainTimeout(Duration.ofSeconds(30))
                .bind();
        Connection borrowed = pool.create().block(WAIT);
        assertThat(count(borrowed)).isEqualTo(3);

        secrets.refresh(REF);

        assertThat(pool.handOvers()).isEqualTo(2);
        assertThat(countOnNewConnection()).isEqualTo(3);
        assertThat(source.revokedLeases()).isEmpty(); // held: a connection of the old pool is still borrowed
        Mono.from(borrowed.close()).block(WAIT);
        awaitTrue(() -> source.revokedLeases().size() == 1);
    }

    @Test
    void versionThatCannotLogIn_isRefusedBeforeTheSwap_andThePoolKeepsItsCredentials() throws Exception {
        String first = newPassword();
        sql("CREATE USER APP PASSWORD '" + first + "'");
        sql("GRANT SELECT ON TABLE ITEMS TO APP");
        source.putFields("db/app", Map.of("username", "APP", "password", first));
        pool = RotatingConnectionPool.builder(secrets, REF, options())
                .validateBeforeSwap(true)
                .onHandOver(handOvers::add)
                .bind();
        String version = pool.poolVersion().orElseThrow();

        source.putFields("db/app", Map.of("username", "APP", "password", newPassword())); // not set on the database
        secrets.refresh(REF);
        source.putFields("db/app", Map.of("username", "APP")); // no password at all
        secrets.refresh(REF);

        assertThat(pool.refused()).isEqualTo(2);
        assertThat(pool.poolVersion()).contains(version);
        assertThat(handOvers.get(handOvers.size() - 2).failure().orElseThrow()).startsWith("login ");
        assertThat(handOvers.get(handOvers.size() - 1).failure()).contains("field 'password' missing");
        assertThat(countOnNewConnection()).isEqualTo(3);
    }

    /** Waits (at most 10 s) for a condition another thread makes true. */
    static void awaitTrue(Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("condition not met within " + WAIT);
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }
}
