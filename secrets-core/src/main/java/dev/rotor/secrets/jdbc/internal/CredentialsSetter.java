package dev.rotor.secrets.jdbc.internal;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.Credentials;

/** HikariCP 6 and 7: one atomic {@code Credentials} pair. Loaded only when that class exists. */
final class CredentialsSetter {
    private CredentialsSetter() {}

    static void set(HikariDataSource pool, String username, String password) {
        pool.setCredentials(Credentials.of(username, password));
    }

    static boolean holds(HikariDataSource pool, String username, String password) {
        Credentials c = pool.getCredentials();
        return c != null && username.equals(c.getUsername()) && password.equals(c.getPassword());
    }
}
