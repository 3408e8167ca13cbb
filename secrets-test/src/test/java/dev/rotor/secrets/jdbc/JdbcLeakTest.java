package dev.rotor.secrets.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Plants known passwords, drives every fault path of the JDBC bindings (refused versions, vetoed versions, missing
 * fields, refused logins with and without recovery), and scans the logs, exceptions, events, hand-overs and
 * toStrings for them.
 */
class JdbcLeakTest {
    private static final String REF = "mem:db/app";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final RecordingListener events = new RecordingListener();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final List<HandOver> handOvers = new ArrayList<>();
    private final StringBuilder captured = new StringBuilder();
    private final String good = "PLANTEDgood" + H2Database.newPassword();
    private final String wrong = "PLANTEDwrong" + H2Database.newPassword();
    private final String next = "PLANTEDnext" + H2Database.newPassword();
    private Logger root;
    private Level rootLevel;
    private H2Database db;

    @BeforeEach
    void capture() throws SQLException {
        root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        rootLevel = root.getLevel();
        root.setLevel(Level.TRACE);
        logs.start();
        root.addAppender(logs);
        db = H2Database.start();
        db.createUser("app", good);
    }

    @AfterEach
    void scan() {
        try {
            for (ILoggingEvent e : logs.list) {
                captured.append(e.getFormattedMessage()).append('\n');
                for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                    captured.append(t.getClassName())
                            .append(": ")
                            .append(t.getMessage())
                            .append('\n');
                }
            }
            events.events().forEach(e -> captured.append(e)
                    .append('\n')
                    .append(e.errorMessage().orElse(""))
                    .append(e.detail().orElse(""))
                    .append('\n'));
            handOvers.forEach(h -> captured.append(h).append('\n'));
            assertThat(logs.list).as("the fault paths were logged").isNotEmpty();
            for (String planted : List.of(good, wrong, next)) {
                assertThat(captured.toString())
                        .as("planted value in logs, events or errors")
                        .doesNotContain(planted);
            }
        } finally {
            root.detachAppender(logs);
            root.setLevel(rootLevel);
            logs.stop();
            db.close();
        }
    }

    private void record(Throwable t) {
        if (t != null) {
            StringWriter w = new StringWriter();
            t.printStackTrace(new PrintWriter(w));
            captured.append(w).append('\n');
        }
    }

    private Secrets.Builder builder() {
        return Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .eventListener(events);
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

            captured.append(binding)
                    .append('\n')
                    .append(CredentialFields.defaults())
                    .append('\n');
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
            captured.append(ds).append('\n');
            assertThat(ds.forcedRefreshes()).isEqualTo(3);
        }
    }
}
