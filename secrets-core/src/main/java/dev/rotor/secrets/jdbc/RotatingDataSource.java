package dev.rotor.secrets.jdbc;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.jdbc.internal.AuthFailures;
import dev.rotor.secrets.jdbc.internal.DataSourceConsumer;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * A {@link DataSource} that opens every connection with the current version of a credentials secret. When the
 * database refuses the login (SQLState 28000 or 28P01, MySQL 1045, SQL Server 18456, ORA-01017), it forces one
 * refresh of the secret and, when that brings another version, retries once with it; during a rotation window it then
 * tries the versions the source still or already accepts ({@link Secrets#alternates(String)}: the pending one first,
 * then the previous one). Other failures are thrown as they are.
 *
 * <pre>{@code
 * DataSource ds = RotatingDataSource.builder(secrets, "aws-sm:prod/db")
 *         .jdbcUrl("jdbc:postgresql://db:5432/app")
 *         .build();
 * try (Connection c = ds.getConnection()) { ... }
 * }</pre>
 *
 * <p>It opens a new physical connection per call: put a pool in front of it, or give the pool's own data source to
 * {@link Builder#dataSource(DataSource)}. Forced refreshes are spaced at least {@link
 * Builder#minRefreshInterval(Duration)} apart (default 1 s) so that a database refusing every login does not turn into
 * a storm of calls to the store; in between, a refused login is retried with whatever version is in service by then.
 *
 * <p><b>A consumer.</b> The data source is a {@link dev.rotor.secrets.consumer.SecretConsumer} whose hand-over is
 * immediate: every connection logs in with the version in service when it opens, so a new version is in use at once
 * and the previous one is let go at once (connections already open stay logged in). Its {@link #validator validator}
 * is the consumer's validation, registered on the client through {@link ConsumerBinding#validator}.
 *
 * <p>Thread-safe; {@link #getConnection()} blocks at most the refresh policy's load timeout on the store, plus the
 * driver's own connect time.
 */
public final class RotatingDataSource implements DataSource {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(RotatingDataSource.class);

    private final Secrets secrets;
    private final SecretHandle handle;
    private final SecretRef ref;
    private final CredentialFields fields;
    private final DataSource target;
    private final String jdbcUrl;
    private final Properties properties;
    private final boolean tryAlternates;
    private final long minRefreshNanos;
    private final TimeSource time;
    private final AtomicLong lastRefresh;
    private final AtomicLong refreshes = new AtomicLong();
    private final AtomicLong recovered = new AtomicLong();
    private volatile int loginTimeout;
    private volatile PrintWriter logWriter;

    private RotatingDataSource(Builder b) {
        this.secrets = b.secrets;
        this.ref = b.ref;
        this.handle = b.secrets.handle(b.ref.toString());
        this.fields = b.fields;
        this.target = b.target;
        this.jdbcUrl = b.jdbcUrl;
        this.properties = b.properties;
        this.tryAlternates = b.tryAlternates;
        this.minRefreshNanos = b.minRefreshInterval.toNanos();
        this.time = b.time;
        this.lastRefresh = new AtomicLong(time.nanoTime() - minRefreshNanos);
    }

    /**
     * A validator to register on the {@link Secrets.Builder} for the secret this data source logs in with: it opens
     * (and closes) one connection with each candidate version through {@code target}, and vetoes the version when that
     * fails, so that a version the database refuses never goes into service. It is named {@code "data source
     * <name>"}, and its refusals say why without the driver's message: {@code "field 'password' missing"}, {@code
     * "login refused: SQLState 28000"}.
     *
     * <pre>{@code
     * Secrets.builder().validator("aws-sm:prod/db", RotatingDataSource.validator(driverDataSource, fields, "orders"))
     * }</pre>
     */
    public static SecretValidator validator(DataSource target, CredentialFields fields, String name) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(fields, "fields");
        Objects.requireNonNull(name, "name");
        return ConsumerBinding.validator(new DataSourceConsumer(name, fields, target::getConnection));
    }

    /** Options for a data source on the credentials in {@code ref}. */
    public static Builder builder(Secrets secrets, String ref) {
        return new Builder(secrets, ref);
    }

    /**
     * A connection logged in with the current credentials; after a refused login, with the refreshed or an alternate
     * version.
     *
     * @throws SQLException the driver's failure for the current version (with the later attempts' failures
     *     suppressed) when no version logs in, or any other failure as the driver reports it
     * @throws SecretException when the secret cannot be served
     */
    @Override
    public Connection getConnection() throws SQLException {
        Secret first = handle.current();
        SQLException refused;
        try {
            return open(first);
        } catch (SQLException e) {
            if (!AuthFailures.isAuthFailure(e)) {
                throw e;
            }
            refused = e;
        }
        Set<String> tried = new HashSet<>();
        tried.add(first.version());
        Secret next = refreshOnce();
        if (next != null && tried.add(next.version())) {
            Connection c = attempt(next, refused, "refreshed");
            if (c != null) {
                return c;
            }
        }
        if (tryAlternates) {
            List<Secret> alternates;
            try {
                alternates = secrets.alternates(ref.toString());
            } catch (SecretException e) {
                refused.addSuppressed(e);
                alternates = List.of();
            }
            for (Secret alternate : alternates) {
                if (tried.add(alternate.version())) {
                    Connection c = attempt(alternate, refused, "alternate");
                    if (c != null) {
                        return c;
                    }
                }
            }
        }
        throw refused;
    }

    /** One login with {@code version}; null when it was refused too (the failure is kept as suppressed). */
    private Connection attempt(Secret version, SQLException refused, String how) throws SQLException {
        try {
            Connection c = open(version);
            recovered.incrementAndGet();
            LOG.info("Rotor logged in with the {} version {} of {} after a refused login", how, version.version(), ref);
            return c;
        } catch (SQLException e) {
            if (!AuthFailures.isAuthFailure(e)) {
                throw e;
            }
            refused.addSuppressed(e);
            return null;
        }
    }

    /** Forces a refresh unless one was forced less than the minimum interval ago; answers the version in service. */
    private Secret refreshOnce() {
        long now = time.nanoTime();
        long prev = lastRefresh.get();
        if (now - prev >= minRefreshNanos && lastRefresh.compareAndSet(prev, now)) {
            refreshes.incrementAndGet();
            try {
                return secrets.refresh(ref.toString());
            } catch (SecretException e) {
                // Rotor's own messages name the ref, the source and a validator's reason, never a value
                LOG.warn("Rotor could not refresh {} after a refused login: {}", ref, e.getMessage());
            }
        }
        try {
            return handle.current();
        } catch (SecretException e) {
            return null;
        }
    }

    private Connection open(Secret version) throws SQLException {
        String user = fields.username(version);
        String password = fields.password(version);
        if (target != null) {
            return target.getConnection(user, password);
        }
        Properties p = new Properties();
        p.putAll(properties);
        p.setProperty("user", user);
        p.setProperty("password", password);
        return DriverManager.getConnection(jdbcUrl, p);
    }

    /** The ref this data source logs in with. */
    public SecretRef ref() {
        return ref;
    }

    /** How many refreshes refused logins forced. */
    public long forcedRefreshes() {
        return refreshes.get();
    }

    /** How many connections opened only after a refused login (with a refreshed or an alternate version). */
    public long recoveredLogins() {
        return recovered.get();
    }

    /** Opens a connection with explicit credentials, bypassing the secret. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        if (target != null) {
            return target.getConnection(username, password);
        }
        Properties p = new Properties();
        p.putAll(properties);
        p.setProperty("user", username);
        p.setProperty("password", password);
        return DriverManager.getConnection(jdbcUrl, p);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return target != null ? target.getLogWriter() : logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        if (target != null) {
            target.setLogWriter(out);
        } else {
            logWriter = out;
        }
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        if (target != null) {
            target.setLoginTimeout(seconds);
        } else {
            loginTimeout = seconds;
        }
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return target != null ? target.getLoginTimeout() : loginTimeout;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        if (target != null) {
            return target.getParentLogger();
        }
        throw new SQLFeatureNotSupportedException("no parent logger");
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        if (target != null) {
            return target.unwrap(type);
        }
        throw new SQLException("not a wrapper for " + type.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || (target != null && target.isWrapperFor(type));
    }

    @Override
    public String toString() {
        return "RotatingDataSource{ref=" + ref + ", " + (target != null ? "dataSource" : "jdbcUrl") + ", " + fields
                + "}";
    }

    /** Options of a {@link RotatingDataSource}; {@link #build()} checks them. Not thread-safe. */
    public static final class Builder {
        private final Secrets secrets;
        private final SecretRef ref;
        private CredentialFields fields = CredentialFields.defaults();
        private DataSource target;
        private String jdbcUrl;
        private Properties properties = new Properties();
        private boolean tryAlternates = true;
        private Duration minRefreshInterval = Duration.ofSeconds(1);
        private TimeSource time = TimeSource.system();

        private Builder(Secrets secrets, String ref) {
            this.secrets = Objects.requireNonNull(secrets, "secrets");
            this.ref = SecretRef.parse(Objects.requireNonNull(ref, "ref")).withoutField();
        }

        /** The user name and password fields (default {@link CredentialFields#defaults()}). */
        public Builder fields(CredentialFields fields) {
            this.fields = Objects.requireNonNull(fields, "fields");
            return this;
        }

        /** Opens connections through {@code target.getConnection(user, password)}. */
        public Builder dataSource(DataSource target) {
            this.target = Objects.requireNonNull(target, "dataSource");
            return this;
        }

        /** Opens connections through {@link DriverManager} with this URL. */
        public Builder jdbcUrl(String url) {
            this.jdbcUrl = Objects.requireNonNull(url, "jdbcUrl");
            return this;
        }

        /** Driver properties for {@link #jdbcUrl} ({@code user} and {@code password} are always the secret's). */
        public Builder properties(Properties properties) {
            this.properties = (Properties)
                    Objects.requireNonNull(properties, "properties").clone();
            return this;
        }

        /** Whether to try the source's pending and previous versions after a refused login (default true). */
        public Builder tryAlternates(boolean tryAlternates) {
            this.tryAlternates = tryAlternates;
            return this;
        }

        /** The least time between two refreshes forced by refused logins (default 1 s). */
        public Builder minRefreshInterval(Duration interval) {
            this.minRefreshInterval = Objects.requireNonNull(interval, "minRefreshInterval");
            return this;
        }

        /** The clock that spaces forced refreshes (default the system clock). */
        public Builder timeSource(TimeSource time) {
            this.time = Objects.requireNonNull(time, "timeSource");
            return this;
        }

        /**
         * Checks the options and loads the secret (a live handle on it is kept for every {@link #getConnection()}).
         *
         * @throws IllegalArgumentException naming the option when neither or both of {@code dataSource} and {@code
         *     jdbcUrl} are set, or {@code minRefreshInterval} is negative
         * @throws SecretException when the secret cannot be loaded
         */
        public RotatingDataSource build() {
            if ((target == null) == (jdbcUrl == null)) {
                throw new IllegalArgumentException("set exactly one of dataSource and jdbcUrl");
            }
            if (minRefreshInterval.isNegative()) {
                throw new IllegalArgumentException(
                        "minRefreshInterval must not be negative, was " + minRefreshInterval);
            }
            return new RotatingDataSource(this);
        }
    }
}
