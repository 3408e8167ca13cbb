package dev.rotor.secrets.jdbc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.tools.Server;

/**
 * A real database for the binding tests: an in-memory H2 database served by an H2 TCP server on a free loopback port.
 * The admin connection is embedded and keeps the database alive ({@code DB_CLOSE_DELAY} is on its URL only);
 * application users log in over the network and have their passwords changed with {@code ALTER USER}.
 */
final class H2Database implements AutoCloseable {
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final SecureRandom RANDOM = new SecureRandom();

    static {
        System.setProperty("h2.bindAddress", "127.0.0.1");
        // H2 slows every refused login down (250 ms, doubling); the tests refuse logins on purpose
        System.setProperty("h2.delayWrongPasswordMin", "10");
        System.setProperty("h2.delayWrongPasswordMax", "50");
    }

    private final String name;
    private final Connection admin;
    private final Server server;

    private H2Database(String name, Connection admin, Server server) {
        this.name = name;
        this.admin = admin;
        this.server = server;
    }

    static H2Database start() throws SQLException {
        String name = "rotor" + NAMES.incrementAndGet() + "x"
                + ProcessHandle.current().pid();
        Connection admin = DriverManager.getConnection("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", "");
        try (Statement s = admin.createStatement()) {
            s.execute("CREATE TABLE ITEMS(ID INT PRIMARY KEY, NAME VARCHAR(20))");
            s.execute("INSERT INTO ITEMS VALUES (1, 'one'), (2, 'two'), (3, 'three')");
        }
        Server server =
                Server.createTcpServer("-tcpPort", String.valueOf(freePort())).start();
        return new H2Database(name, admin, server);
    }

    private static int freePort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String newPassword() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return "pw" + HexFormat.of().formatHex(b);
    }

    /** The network URL (no {@code DB_CLOSE_DELAY}: only the admin connection keeps the database alive). */
    String url() {
        return "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/mem:" + name;
    }

    void createUser(String user, String password) throws SQLException {
        execute("CREATE USER " + identifier(user) + " PASSWORD '" + literal(password) + "'");
        execute("GRANT SELECT ON TABLE ITEMS TO " + identifier(user));
    }

    void setPassword(String user, String password) throws SQLException {
        execute("ALTER USER " + identifier(user) + " SET PASSWORD '" + literal(password) + "'");
    }

    private synchronized void execute(String sql) throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute(sql);
        }
    }

    private static String identifier(String user) {
        if (!user.matches("[A-Za-z][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("not a plain identifier: " + user);
        }
        return user;
    }

    private static String literal(String password) {
        if (password.indexOf('\'') >= 0) {
            throw new IllegalArgumentException("no quotes in test passwords");
        }
        return password;
    }

    @Override
    public void close() {
        server.stop();
        try (Statement s = admin.createStatement()) {
            s.execute("SHUTDOWN");
        } catch (SQLException e) {
            // already gone
        }
        try {
            admin.close();
        } catch (SQLException e) {
            // the database is going away with the admin connection anyway
        }
    }
}
