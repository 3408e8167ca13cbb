package dev.rotor.secrets.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.jdbc.internal.HikariApi;
import dev.rotor.secrets.jdbc.internal.HikariSupport;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HikariCP binding against a real H2 server: runs once per HikariCP major line (see the surefire executions), with
 * the engine on a manual clock and a direct executor unless a test needs a listener to block.
 */
class HikariSecretBindingTest {
    private static final String REF = "mem:db/app";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final RecordingListener events = new RecordingListener();
    private final List<HandOver> handOvers = new CopyOnWriteArrayList<>();
    private H2Database db;
    private HikariDataSource pool;
    private Secrets secrets;
    private String passwordA;
    private String passwordB;

    @BeforeEach
    void startDatabase() throws SQLException {
        db = H2Database.start();
        passwordA = H2Database.newPassword();
        passwordB = H2Database.newPassword();
        db.createUser("app_a", passwordA);
        db.createUser("app_b", passwordB);
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

    private Secrets.Builder builder() {
        return Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .auditLog(false)
                .eventListener(events);
    }

    private HikariDataSource pool(String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.url());
        config.setUsername(user);
        config.setPassword(password);
        config.setPoolName("binding-test");
        config.setMaximumPoolSize(3);
        // one connection opened at start, the others on demand: no background fill racing with a swap
        config.setMinimumIdle(1);
        config.setConnectionTimeout(2_000);
        pool = new HikariDataSource(config);
        return pool;
    }

    private static String currentUser(javax.sql.DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return currentUser(c);
        }
    }

    private static String currentUser(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT CURRENT_USER, (SELECT COUNT(*) FROM ITEMS)")) {
            rs.next();
            assertThat(rs.getInt(2)).isEqualTo(3);
            return rs.getString(1).toLowerCase(java.util.Locale.ROOT);
        }
    }

    private HikariSecretBinding bind(HikariSecretBinding.Builder b) {
        return b.onHandOver(handOvers::add).bind();
    }

    @Test
    void api_detectedAtRunTime_matchesTheHikariOnTheClassPath() {
        String expected = System.getProperty("rotor.test.hikari.api");
        assumeTrue(expected != null, "run by the surefire executions, which name the expected API");
        assertThat(HikariSupport.api()).isEqualTo(HikariApi.valueOf(expected));
    }

    @Test
    void bind_newVersion_newConnectionsLogInWithTheNewCredentials() throws SQLException {
        source.putFields("db/app", Map.of("username", "app_a", "password", passwordA));
        secrets = builder().build();
        pool("app_a", passwordA);
        HikariSecretBinding binding =
                bind(HikariSecretBinding.builder(secrets, pool, REF).drainTimeout(Duration.ZERO));
        assertThat(binding.handOvers()).as("the pool already had version 1").isZero();

        source.putFields("db/app", Map.of("username", "app_b", "password", passwordB));
        secrets.refresh(REF);
        db.setPassword("app_a", H2Database.newPassword()); // the old user is disabled after the hand-over

        assertThat(binding.handOvers()).isEqualTo(1);
        for (int i = 0; i < 5; i++) {
            assertThat(currentUser(pool)).isEqualTo("app_b");
        }
        HandOver h = handOvers.get(0);
        assertThat(h.succeeded()).isTrue();
        assertThat(h.version()).isEqualTo(secrets.get(REF).version());
        assertThat(h.previousVersion()).isPresent();
        assertThat(h.target()).isEqualTo("binding-test");
        assertThat(h.duration().isNegative()).isFalse();
        assertThat(HikariSupport.holds(pool, "app_b", passwordB)).isTrue();
        assertThat(events.ofType(SecretEventType.HANDED_OVER)).singleElement().satisfies(e -> {
            assertThat(e.source()).hasValue("binding-test");
            assertThat(e.consumer()).hasValue("binding-test");
            assertThat(dev.rotor.secrets.JsonAuditLogger.toJson(e)).contains("\"consumer\":\"binding-test\"");
            assertThat(e.version()).hasValue(h.version());
            assertThat(e.previousVersion()).isEqualTo(h.previousVersion());
            assertThat(e.outcome()).isEqualTo(SecretEvent.Outcome.SUCCESS);
        });
    }

    @Test
    void bind_connectionBorrowedBeforeTheSwap_finishesOnTheOldCredentials() throws SQLException {
        source.putFields("db/app", Map.of("username", "app_a", "password", passwordA));
        secrets = builder().build();
        pool("app_a", passwordA);
        bind(HikariSecretBinding.builder(secrets, pool, REF).drainTimeout(Duration.ZERO));

        try (Connection inFlight = pool.getConnection()) {
            source.putFields("db/app", Map.of("username", "app_b", "password", passwordB));
            secrets.refresh(REF);
            db.setPassword("app_a", H2Database.newPassword());
            assertThat(currentUser(inFlight))
                    .as("work in flight keeps its connection")
                    .isEqualTo("app_a");
            assertThat(currentUser(pool)).isEqualTo("app_b");
        }
        assertThat(currentUser(pool))
                .as("the evicted connection is not handed out again")
                .isEqualTo("app_b");
    }

    @Test
    void validator_wrongNewCredentials_vetoesTheVersionAndThePoolKeepsWorking() throws SQLException {
        source.putFields("db/app", Map.of("username", "app_a", "password", passwordA));
        pool("app_a", passwordA);
        secrets = builder()
                .validator(REF, HikariSecretBinding.validator(pool, CredentialFields.defaults()))
                .build();
        HikariSecretBinding binding =
                bind(HikariSecretBinding.builder(secrets, pool, REF).drainTimeout(Duration.ZERO));
        String good = secrets.get(REF).version();

        source.putFields("db/app", Map.of("username", "app_b", "password", "wrong" + passwordB));
        assertThatThrownBy(() -> secrets.refresh(REF)).isInstanceOf(SecretException.class);

        assertThat(events.ofType(SecretEventType.REJECTED)).hasSize(1);
        assertThat(secrets.get(REF).version()).isEqualTo(good);
        assertThat(binding.handOvers()).isZero();
        assertThat(HikariSupport.holds(pool, "app_a", passwordA)).isTrue();
        for (int i = 0; i < 5; i++) {
            assertThat(currentUser(pool)).isEqualTo("app_a");
        }
    }

    @Test
    void validator_wrongNewCredentials_refusalNamesThePoolAndTheSQLStateButNoDriverText() throws SQLException {
        source.putFields("db/app", Map.of("username", "app_a", "password", passwordA));
        pool("app_a", passwordA);
        secrets = builder()
                .validator(REF, HikariSecretBinding.validator(pool, CredentialFields.defaults()))
                .build();
        String good = secrets.get(REF).version();

        String refused = source.putFields("db/app", Map.of("username", "app_b", "password", "wrong" + passwordB));
        assertThatThrownBy(() -> secrets.refresh(REF)).isInstanceOf(SecretException.class);

        String expected = "HikariCP pool binding-test vetoed version " + refused + " (login refused: SQLState 28000)";
        assertThat(refused).isNotEqualTo(good);
        assertThat(events.ofType(SecretEventType.REJECTED)).singleElement().satisfies(e -> assertThat(
                        e.errorMessage().orElseThrow())
                .contains(expected)
                .doesNotContainIgnoringCase("app_b")
                .doesNotContainIgnoringCase("wrong user name"));
        assertThat(secrets.inventory())
                .singleElement()
                .satisfies(e -> assertThat(e.lastError().orElseThrow()).contains(expected));
    }

    @Test
    void validator_versionWithoutThePasswordField_refusalNamesTheField() {
        source.putFields("db/app", Map.of("username", "app_a", "password", passwordA));
        pool("app_a", passwordA);
        secrets = builder()
                .validator(REF, HikariSecretBinding.validator(pool, CredentialFields.defaults(), "orders"))
                .build();
        secrets.get(REF);

        source.putFields("db/app", Map.of("username", "app_b"));
        assertThatThrownBy(() -> secrets.refresh(REF)).isInstanceOf(SecretException.class);

        assertThat(events.ofType(SecretEventType.REJECTED)).singleElement().satisfies(e -> assertThat(
                        e.errorMessage().orElseThrow())
                .contains("HikariCP pool orders vetoed version")
                .contains("(field 'password' missing)"));
    }

    @Test
    void validator_unnamedPool_isNamedAfterThePoolOnceHikariNamedIt() {
        HikariDataSource unnamed = new HikariDataSource();
        try {
            unnamed.setJdbcUrl(db.url());
            dev.rotor.secrets.SecretValidator validator =
                    HikariSecretBinding.validator(unnamed, CredentialFields.defaults());
            assertThat(validator.name()).isEqualTo("HikariCP pool (unnamed)");
            unnamed.setPoolName("reporting");
            assertThat(validator.name()).isEqualTo("HikariCP pool reporting");
        } finally {
            unnamed.close();
        }
    }

    @Test
    void validateBeforeSwap_refusal_reasonIsTheSQLStateAndThePoolIsReportedBehind() throws SQLException {
        source.putFields("db/app", Map.of("username", "app_a", "password", passwordA));
        secrets = builder().build();
        pool("app_a", passwordA);
        HikariSecretBinding binding = bind(HikariSecretBinding.builder(secrets, pool, REF)
                .validateBeforeSwap(true)
                .drainTimeout(Duration.ZERO));
        String good = secrets.get(REF).version();
        assertThat(binding.poolVersion()).hasValue(good);
        assertThat(binding.behind()).isFalse();

        source.putFields("db/app", Map.of("username", "app_b", "password", "wrong" + passwordB));
        secrets.refresh(REF);

        String refused = secrets.get(REF).version();
        assertThat(handOvers).singleElement().satisfies(h -> assertThat(h.failure())
                .hasValue("login refused: SQLState 28000"));
        assertThat(events.ofType(SecretEventType.HANDED_OVER)).singleElement().satisfies(e -> assertThat(
                        e.errorMessage().orElseThrow())
                .contains(
                        "HikariCP pool binding-test refused version " + refused + " (login refused: SQLState 28000)"));
        assertThat(binding.poolVersion()).hasValue(good);
        assertThat(binding.latestVersion()).hasValue(refused);
        assertThat(binding.behind()).isTrue();

        source.putFields("db/app", Map.of("username", "app_b", "password", passwordB));
        secrets.refresh(REF);
        assertThat(binding.behind()).isFalse();
        assertThat(binding.poolVersion()).hasValue(secrets.get(REF).version());
    }

    @Test
    void name_poolWithoutAName_eventsUseTheGivenName() {
        source.putFields("db/app", Map.of("username", "app_a", "password", passwordA));
        secrets = builder().build();
        HikariDataSource unnamed = new HikariDataSource();
        unnamed.setJdbcUrl(db.url());
        unnamed.setUsername("app_b");
        unnamed.setPassword(passwordB);
        pool = unnamed;
        HikariSecretBinding binding = bind(HikariSecretBinding.builder(secrets, unnamed, REF)
                .name("dataSource")
                .drainTimeout(Duration.ZERO));

        assertThat(binding.poolName()).isEqualTo("dataSource");
        assertThat(handOvers).singleElement().satisfies(h -> assertThat(h.target())
                .isEqualTo("dataSource"));
    }

    @Test
    void validateBeforeSwap_wrongNewCredentials_keepsThePoolOnItsCredentialsAndReportsTheRefusal() throws SQLException {
        source.putFields("db/app", Map.of("username", "app_a", "password", passwordA));
        secrets = builder().build();
        pool("app_a", passwordA);
        HikariSecretBinding binding = bind(HikariSecretBinding.builder(secrets, pool, REF)
                .validateBeforeSwap(true)
                .drainTimeout(Duration.ZERO));

        source.putFields("db/app", Map.of("username", "app_b", "password", "wrong" + passwordB));
        secrets.refresh(REF);

        assertThat(binding.handOvers()).isZero();
        assertThat(binding.refused()).isEqualTo(1);
        assertThat(events.ofType(SecretEventType.HANDED_OVER)).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo(SecretEvent.Outcome.FAILURE);
            assertThat(e.errorClass()).hasValue(dev.rotor.secrets.SecretRejectedException.class.getName());
        });
        assertThat(handOvers).singleElement().satisfies(h -> {
            assertThat(h.succeeded()).isFalse();
            assertThat(h.failure()).isPresent();
        });
        assertThat(HikariSupport.holds(pool, "app_a", passwordA)).isTrue();
        assertThat(currentUser(pool)).isEqualTo("app_a");

        source.putFields("db/app", Map.of("username", "app_b", "password", passwordB));
        secrets.refresh(REF);
        assertThat(binding.handOvers()).isEqualTo(1);
        assertThat(currentUser(pool)).isEqualTo("app_b");
        assertThat(handOvers.get(1).previousVersion())
                .as("the pool's version, not the refused one")
                .isEqualTo(handOvers.get(0).previousVersion())
                .isPresent();
    }

    @Test
    void bind_poolStartedWithOtherCredentials_handsTheCurrentVersionOverAtOnce() throws SQLException {
        source.putFields("db/app", Map.of("username", "app_b", "password", passwordB));
        secrets = builder().build();
        pool("app_a", passwordA);

        HikariSecretBinding binding =
                bind(HikariSecretBinding.builder(secrets, pool, REF).drainTimeout(Duration.ZERO));

        assertThat(binding.handOvers()).isEqualTo(1);
        assertThat(handOvers.get(0).previousVersion()).isEmpty();
        assertThat(currentUser(pool)).isEqualTo("app_b");
    }

    @Test
    void close_laterVersions_doNotReachThePool() throws SQLException {
        source.putFields("db/app", Map.of("username", "app_a", "password", passwordA));
        secrets = builder().build();
        pool("app_a", passwordA);
        HikariSecretBinding binding =
                bind(HikariSecretBinding.builder(secrets, pool, REF).drainTimeout(Duration.ZERO));

        binding.close();
        binding.close();
        source.putFields("db/app", Map.of("username", "app_b", "password", passwordB));
        secrets.refresh(REF);

        assertThat(binding.handOvers()).isZero();
        assertThat(currentUser(pool)).isEqualTo("app_a");
    }

    @Test
    void bind_missingField_refusesTheVersionNamingTheField() throws SQLException {
        source.putFields("db/app", Map.of("username", "app_a", "password", passwordA));
        secrets = builder().build();
        pool("app_a", passwordA);
        HikariSecretBinding binding = bind(HikariSecretBinding.builder(secrets, pool, REF)
                .fields(CredentialFields.of("user", "pass"))
                .drainTimeout(Duration.ZERO));

        assertThat(binding.refused()).isEqualTo(1);
        assertThat(handOvers.get(0).failure()).hasValue("field 'user' missing");
        assertThat(currentUser(pool)).isEqualTo("app_a");
    }

    @Test
    void bind_negativeDrainTimeout_isRejectedNamingTheOption() {
        source.putFields("db/app", Map.of("username", "app_a", "password", passwordA));
        secrets = builder().build();
        pool("app_a", passwordA);
        assertThatThrownBy(() -> HikariSecretBinding.builder(secrets, pool, REF)
                        .drainTimeout(Duration.ofSeconds(-1))
                        .bind())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("drainTimeout");
    }

    /** Dynamic credentials: user-n is created in the database as the source issues it. */
    private void dynamicUsers(int count) throws SQLException {
        for (int n = 1; n <= count; n++) {
            db.createUser("dyn_" + n, "pw" + n);
        }
        source.dynamic(
                "db/app",
                n -> Map.of("username", "dyn_" + n, "password", "pw" + n),
                Duration.ofHours(1),
                Duration.ofHours(3),
                true);
    }

    @Test
    void leasedVersion_oldLeaseIsRevokedOnlyAfterThePoolReturnedItsBorrowedConnections() throws Exception {
        dynamicUsers(2);
        ExecutorService engineThreads = Executors.newCachedThreadPool();
        try {
            CountDownLatch revoked = new CountDownLatch(1);
            secrets = builder()
                    .executor(engineThreads)
                    .eventListener(e -> {
                        if (e.type() == SecretEventType.REVOKED) {
                            revoked.countDown();
                        }
                    })
                    .build();
            pool("dyn_1", "pw1");
            CountDownLatch handedOver = new CountDownLatch(1); // the first version is the pool's: no hand-over
            HikariSecretBinding.builder(secrets, pool, REF)
                    .drainTimeout(Duration.ofMinutes(5))
                    .onHandOver(h -> handedOver.countDown())
                    .bind();
            Connection borrowed = pool.getConnection();

            Thread refresher = new Thread(() -> secrets.refresh(REF));
            refresher.start();
            assertThat(handedOver.await(30, TimeUnit.SECONDS)).isTrue();
            refresher.join(TimeUnit.SECONDS.toMillis(30));

            assertThat(source.revokedLeases())
                    .as("a query is still running on the old credentials")
                    .isEmpty();
            assertThat(currentUser(borrowed)).isEqualTo("dyn_1");
            borrowed.close();

            assertThat(revoked.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(source.revokedLeases()).hasSize(1);
            assertThat(currentUser(pool)).isEqualTo("dyn_2");
        } finally {
            secrets.close();
            secrets = null;
            engineThreads.shutdownNow();
        }
    }

    @Test
    void leasedVersion_connectionHeldPastTheDrainTimeout_revokesTheOldLeaseAfterTheTimeout() throws Exception {
        dynamicUsers(2);
        ExecutorService engineThreads = Executors.newCachedThreadPool();
        try {
            CountDownLatch revoked = new CountDownLatch(1);
            secrets = builder()
                    .executor(engineThreads)
                    .eventListener(e -> {
                        if (e.type() == SecretEventType.REVOKED) {
                            revoked.countDown();
                        }
                    })
                    .build();
            pool("dyn_1", "pw1");
            bind(HikariSecretBinding.builder(secrets, pool, REF).drainTimeout(Duration.ofMillis(200)));
            try (Connection stuck = pool.getConnection()) {
                secrets.refresh(REF);

                assertThat(revoked.await(30, TimeUnit.SECONDS))
                        .as("the grace ran out while a connection was still borrowed")
                        .isTrue();
                assertThat(source.revokedLeases()).hasSize(1);
                assertThat(handOvers).hasSize(1);
            }
        } finally {
            secrets.close();
            secrets = null;
            engineThreads.shutdownNow();
        }
    }

    @Test
    void leasedVersion_drainTimeoutZero_revokesTheOldLeaseAtOnce() throws SQLException {
        dynamicUsers(2);
        secrets = builder().build();
        pool("dyn_1", "pw1");
        bind(HikariSecretBinding.builder(secrets, pool, REF).drainTimeout(Duration.ZERO));
        try (Connection borrowed = pool.getConnection()) {
            secrets.refresh(REF);
            assertThat(source.revokedLeases()).hasSize(1);
            assertThat(currentUser(borrowed)).isEqualTo("dyn_1");
        }
    }

    @Test
    void credentialsProvider_pullModel_newConnectionsAskTheSecretForCredentials() throws Exception {
        assumeTrue(HikariSupport.api() == HikariApi.CREDENTIALS_PROVIDER, "HikariCP 7 only");
        source.putFields("db/app", Map.of("username", "app_a", "password", passwordA));
        secrets = builder().build();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.url());
        config.setPoolName("provider-test");
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(1);
        Object provider = SecretCredentialsProvider.of(secrets, REF, CredentialFields.defaults());
        // through reflection, so that this class still loads where HikariCP 7's types are missing
        HikariConfig.class
                .getMethod("setCredentialsProvider", Class.forName("com.zaxxer.hikari.HikariCredentialsProvider"))
                .invoke(config, provider);
        pool = new HikariDataSource(config);
        HikariSecretBinding binding =
                bind(HikariSecretBinding.builder(secrets, pool, REF).drainTimeout(Duration.ZERO));
        assertThat(currentUser(pool)).isEqualTo("app_a");

        source.putFields("db/app", Map.of("username", "app_b", "password", passwordB));
        secrets.refresh(REF);
        db.setPassword("app_a", H2Database.newPassword());

        assertThat(binding.handOvers()).as("%s", handOvers).isEqualTo(1);
        assertThat(currentUser(pool)).isEqualTo("app_b");
        assertThat(provider.toString()).doesNotContain(passwordA, passwordB);
    }
}
