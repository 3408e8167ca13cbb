package dev.rotor.secrets.test.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.test.ManualClock;
import dev.rotor.secrets.test.vault.FakeClient.Reply;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The database hook mirrors the fake's users in a real H2 database: created when issued, dropped when revoked. */
class VaultFakeDatabaseHookTest {
    // the admin connection keeps the in-memory database alive; users connect without settings (H2 lets only an admin
    // change them)
    private static final String URL = "jdbc:h2:mem:vaultfakehook";
    private final ManualClock clock = new ManualClock();
    private final VaultFake vault = VaultFake.builder().clock(clock).build();
    private final FakeClient http = new FakeClient(vault);
    private final Connection admin;

    VaultFakeDatabaseHookTest() throws SQLException {
        admin = DriverManager.getConnection(URL + ";DB_CLOSE_DELAY=-1", "sa", "");
    }

    @AfterEach
    void stop() throws SQLException {
        vault.close();
        admin.close();
    }

    private void sql(String statement) {
        try (Statement s = admin.createStatement()) {
            s.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void issuedUser_canLogInToH2_untilItsLeaseExpires() throws SQLException {
        vault.onDatabaseCredentials(new DatabaseCredentialsListener() {
            @Override
            public void issued(String role, String username, String password, String leaseId) {
                sql("CREATE USER \"" + username + "\" PASSWORD '" + password + "'");
            }

            @Override
            public void revoked(String role, String username, String leaseId) {
                sql("DROP USER \"" + username + "\"");
            }
        });
        vault.policy("db", "database/creds/app", "read");
        vault.databaseRole("app", Duration.ofMinutes(10), Duration.ofHours(1));
        String token = vault.createToken(TokenSpec.policies("db"));

        Reply creds = http.get("database/creds/app", token);
        String user = creds.body.path("data").path("username").asText();
        String password = creds.body.path("data").path("password").asText();

        try (Connection c = DriverManager.getConnection(URL, user, password)) {
            assertThat(c.isValid(1)).isTrue();
        }
        clock.advance(Duration.ofMinutes(10));
        vault.tick();
        assertThatThrownBy(
                        () -> DriverManager.getConnection(URL, user, password).close())
                .isInstanceOf(SQLException.class);
    }
}
