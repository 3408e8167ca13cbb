package dev.rotor.secrets.jdbc.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * Finds out which HikariCP is on the class path, by class presence and method signatures, and applies credentials the
 * way that line supports. Classes that name types of HikariCP 6 or 7 only ({@link CredentialsSetter}, {@link
 * ProviderCheck}) are loaded only after detection found those types. Thread-safe.
 */
public final class HikariSupport {
    private static final HikariApi API = detect(HikariConfig.class);

    private HikariSupport() {}

    /** The API of the HikariCP that loaded {@link HikariConfig}. */
    public static HikariApi api() {
        return API;
    }

    static HikariApi detect(Class<?> config) {
        ClassLoader loader = config.getClassLoader();
        Class<?> credentials = load("com.zaxxer.hikari.util.Credentials", loader);
        if (credentials == null || !hasMethod(config, "setCredentials", credentials)) {
            return HikariApi.USERNAME_PASSWORD;
        }
        Class<?> provider = load("com.zaxxer.hikari.HikariCredentialsProvider", loader);
        if (provider != null && hasMethod(config, "setCredentialsProvider", provider)) {
            return HikariApi.CREDENTIALS_PROVIDER;
        }
        return HikariApi.CREDENTIALS;
    }

    /**
     * Gives the pool new credentials for the connections it opens from now on; open connections are untouched. When
     * the pool pulls its credentials from a Rotor provider (HikariCP 7), there is nothing to push.
     */
    public static void apply(HikariDataSource pool, String username, String password) {
        if (API == HikariApi.USERNAME_PASSWORD) {
            // Two separate writes: set the password first so that a connection opened in between fails to log in
            // (and HikariCP retries it) rather than logging in as a user with the other user's password.
            pool.setPassword(password);
            pool.setUsername(username);
            return;
        }
        if (API == HikariApi.CREDENTIALS_PROVIDER && ProviderCheck.pullsFromRotor(pool)) {
            return;
        }
        CredentialsSetter.set(pool, username, password);
    }

    /**
     * Whether the pool's current user name and password are these, or the pool pulls them from Rotor (no value leaves
     * this method).
     */
    public static boolean holds(HikariDataSource pool, String username, String password) {
        if (API == HikariApi.CREDENTIALS_PROVIDER && ProviderCheck.pullsFromRotor(pool)) {
            return true;
        }
        if (API == HikariApi.USERNAME_PASSWORD) {
            return username.equals(pool.getUsername()) && password.equals(pool.getPassword());
        }
        return CredentialsSetter.holds(pool, username, password);
    }

    /** Marks every connection evicted: idle ones close now, borrowed ones when they come back. */
    public static void softEvict(HikariDataSource pool) {
        if (pool.getHikariPoolMXBean() != null) {
            pool.getHikariPoolMXBean().softEvictConnections();
        }
    }

    /** How many connections are borrowed right now; zero when the pool has not started. */
    public static int activeConnections(HikariDataSource pool) {
        return pool.getHikariPoolMXBean() == null
                ? 0
                : pool.getHikariPoolMXBean().getActiveConnections();
    }

    /**
     * Opens one connection outside the pool with these credentials, configured as the pool is (its {@code
     * dataSource}, or its {@code jdbcUrl}, driver and data source properties).
     *
     * @throws SQLException as the driver reports it, or when the pool has neither a data source nor a JDBC URL
     */
    public static Connection open(HikariDataSource pool, String username, String password) throws SQLException {
        DataSource inner = pool.getDataSource();
        if (inner != null) {
            return inner.getConnection(username, password);
        }
        String url = pool.getJdbcUrl();
        if (url == null) {
            throw new SQLException("the pool has neither a dataSource nor a jdbcUrl to validate credentials with");
        }
        Properties props = new Properties();
        props.putAll(pool.getDataSourceProperties());
        props.setProperty("user", username);
        props.setProperty("password", password);
        Connection c = driver(pool.getDriverClassName(), url).connect(url, props);
        if (c == null) {
            throw new SQLException("the pool's driver does not accept its jdbcUrl");
        }
        return c;
    }

    private static Driver driver(String className, String url) throws SQLException {
        if (className != null) {
            try {
                ClassLoader loader = Thread.currentThread().getContextClassLoader();
                Class<?> type =
                        Class.forName(className, true, loader == null ? HikariSupport.class.getClassLoader() : loader);
                Driver d = (Driver) type.getDeclaredConstructor().newInstance();
                if (d.acceptsURL(url)) {
                    return d;
                }
            } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
                throw new SQLException("cannot load the pool's driver class " + className, e);
            }
        }
        return DriverManager.getDriver(url);
    }

    private static Class<?> load(String name, ClassLoader loader) {
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    private static boolean hasMethod(Class<?> type, String name, Class<?> parameter) {
        try {
            type.getMethod(name, parameter);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
