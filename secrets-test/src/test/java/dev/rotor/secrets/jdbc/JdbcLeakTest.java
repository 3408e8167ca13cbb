package dev.rotor.secrets.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Plants known passwords, drives every fault path of the JDBC bindings (refused versions, vetoed versions, missing
 * fields, refused logins with and without recovery), and scans the logs, exceptions, events, hand-overs and
 * toStrings for them.
 */
class JdbcLeakTest {
    private static final String REF = "mem:db/app";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final List<HandOver> handOvers = new ArrayList<>();
    private final String good = "PLANTEDgood" + H2Database.newPassword();
    private final String wrong = "PLANTEDwrong" + H2Database.newPassword();
    private final String next = "PLANTEDnext" + H2Database.newPassword();
    private LeakCheck leaks;
    private H2Database db;

    @BeforeEach
    void capture() throws SQLException {
        leaks = LeakCheck.builder().plant(good, wrong, next).start();
        db = H2Database.start();
        db.createUser("app", good);
    }

    @AfterEach
    void scan() {
        try {
            leaks.check(handOvers);
            assertThat(leaks.logLines()).as("the fault paths were logged").isNotEmpty();
        } finally {
            try {
                leaks.close();
            } finally {
                db.close();
            }
        }
    }

    private void record(Throwable t) {
        leaks.check(t);
    }

    private Secrets.Builder builder() {
        return Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .eventListener(leaks);
    }

    @Test
    void faultPaths_ofTheHikariBinding_neverShowAPassword() {
        source.putFields("db/app", Map.of("username", "app", "password", good));
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.url());
        config.setUsername("app");
        config.setPassword(good);
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(1);
        config.setPoolName("leak");
        try (HikariDataSource pool = new HikariDataSource(config);
                Secrets secrets = builder()
                        .validator(REF, (candidate, current) -> {
                            if (candidate.field("veto").isPresent()) {
                                HikariSecretBinding.validator(pool, CredentialFields.defaults())
                                        .validate(candidate, current);
                            }
                        })
                        .build()) {
            HikariSecretBinding binding = HikariSecretBinding.builder(secrets, pool, REF)
                    .validateBeforeSwap(true)
                    .drainTimeout(Duration.ZERO)
                    .onHandOver(handOvers::add)
                    .bind();

            // refused in the listener: wrong password
            source.putFields("db/app", Map.of("username", "app", "password", wrong));
            secrets.refresh(REF);
            // refused in the listener: no password field
            source.putFields("db/app", Map.of("username", "app", "pass", next));
            secrets.refresh(REF);
            // vetoed by the registered validator
            source.putFields("db/app", Map.of("username", "app", "password", next, "veto", "yes"));
            record(catchThrowable(() -> secrets.refresh(REF)));

            leaks.check(binding, CredentialFields.defaults());
            assertThat(binding.refused()).isEqualTo(2);
            assertThat(handOvers).hasSize(2);
        }
    }

    @Test
    void faultPaths_ofTheRotatingDataSource_neverShowAPassword() throws SQLException {
        source.putFields("db/app", Map.of("username", "app", "password", good));
        try (Secrets secrets = builder().build()) {
            RotatingDataSource ds = RotatingDataSource.builder(secrets, REF)
                    .jdbcUrl(db.url())
                    .timeSource(scheduler.clock())
                    .build();
            // recovered through a refresh
            db.setPassword("app", next);
            source.putFields("db/app", Map.of("username", "app", "password", next));
            try (Connection c = ds.getConnection()) {
                assertThat(c.isValid(1)).isTrue();
            }
            // refused everywhere: the current, the refreshed and the alternate versions
            db.setPassword("app", H2Database.newPassword());
            source.stagePending("db/app", Map.of("username", "app", "password", wrong));
            scheduler.clock().advance(Duration.ofSeconds(5));
            Throwable refused = catchThrowable(ds::getConnection);
            assertThat(refused).isInstanceOf(SQLException.class);
            record(refused);
            // a secret without the fields
            source.putFields("db/app", Map.of("user", "app", "pass", good));
            scheduler.clock().advance(Duration.ofSeconds(5));
            record(catchThrowable(ds::getConnection));
            leaks.check(ds);
            assertThat(ds.forcedRefreshes()).isEqualTo(3);
        }
    }
}
