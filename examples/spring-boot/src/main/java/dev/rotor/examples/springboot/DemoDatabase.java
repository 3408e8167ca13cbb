package dev.rotor.examples.springboot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.h2.tools.Server;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The demo's database server: an in-memory H2 database behind H2's TCP server on a free loopback port, so that the
 * pool opens real network connections and logs in with real passwords. It holds an {@code ACCOUNTS} table and two
 * application users that take turns ({@link CredentialRotator}); an embedded admin connection keeps the database
 * alive and changes passwords with {@code ALTER USER ... SET PASSWORD}, as a rotation service would.
 *
 * <pre>{@code
 * database.setPassword("APP_BLUE", fresh);   // the rotator's only way in
 * }</pre>
 */
@Component
class DemoDatabase implements DisposableBean {
    static final String[] USERS = {"APP_BLUE", "APP_GREEN"};

    static {
        // H2 listens on loopback only (and, without -tcpAllowOthers, refuses other hosts anyway)
        System.setProperty("h2.bindAddress", "127.0.0.1");
    }

    private final String name = "accounts" + UUID.randomUUID().toString().replace("-", "");
    private final Connection admin;
    private final Server server;

    DemoDatabase(DemoProperties properties) throws SQLException {
        admin = DriverManager.getConnection("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "SA", "");
        try (Statement s = admin.createStatement()) {
            s.execute("CREATE TABLE ACCOUNTS(ID INT PRIMARY KEY, OWNER VARCHAR(40))");
            s.execute("INSERT INTO ACCOUNTS SELECT X, 'owner-' || X FROM SYSTEM_RANGE(1, " + properties.getAccounts()
                    + ")");
            for (String user : USERS) {
                // each user starts with a random password nobody knows; the rotator sets the real one
                s.execute("CREATE USER " + user + " PASSWORD '" + UUID.randomUUID() + "'");
                s.execute("GRANT SELECT ON TABLE ACCOUNTS TO " + user);
            }
        }
        server = Server.createTcpServer("-tcpPort", String.valueOf(freeLoopbackPort()))
                .start();
    }

    private static int freeLoopbackPort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The URL the pool uses: over TCP, on loopback. */
    String url() {
        return "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/mem:" + name;
    }

    /** Sets a user's password. The user is one of {@link #USERS}; the password is generated, never user input. */
    synchronized void setPassword(String user, String password) throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute("ALTER USER " + user + " SET PASSWORD '" + password + "'");
        }
    }

    @Override
    public void destroy() {
        server.stop();
        try (Statement s = admin.createStatement()) {
            s.execute("SHUTDOWN");
        } catch (SQLException e) {
            // closing down anyway
        }
        try {
            admin.close();
        } catch (SQLException e) {
            // closing down anyway
        }
    }
}
