package dev.rotor.examples.quickstart;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.h2.tools.Server;

/**
 * The example's database: an in-memory H2 database served over TCP on a free loopback port, so that the pool opens
 * real network connections. The embedded admin connection keeps the database alive ({@code DB_CLOSE_DELAY} is on its
 * URL only) and changes passwords with {@code ALTER USER}, as a rotation service would.
 */
final class DemoDatabase implements AutoCloseable {
    static {
        // H2 listens on the loopback interface only (and refuses other hosts anyway: no -tcpAllowOthers)
        System.setProperty("h2.bindAddress", "127.0.0.1");
    }

    private final String name;
    private final Connection admin;
    private final Server server;

    private DemoDatabase(String name, Connection admin, Server server) {
        this.name = name;
        this.admin = admin;
        this.server = server;
    }

    static DemoDatabase start() throws SQLException, IOException {
        String name = "quickstart" + ProcessHandle.current().pid();
        Connection admin = DriverManager.getConnection("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", "");
        try (Statement s = admin.createStatement()) {
            s.execute("CREATE TABLE ORDERS(ID INT PRIMARY KEY, AMOUNT INT)");
            s.execute("INSERT INTO ORDERS SELECT X, X * 10 FROM SYSTEM_RANGE(1, 100)");
        }
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Server server = Server.createTcpServer("-tcpPort", String.valueOf(port)).start();
        return new DemoDatabase(name, admin, server);
    }

    /** The URL the application uses: a network connection, no {@code DB_CLOSE_DELAY}. */
    String url() {
        return "jdbc:h2:tcp://127.0.0.1:" + server.getPort() + "/mem:" + name;
    }

    /** Creates a login user allowed to read the table. Names and passwords are generated, never user input. */
    synchronized void createUser(String user, String password) throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute("CREATE USER " + user + " PASSWORD '" + password + "'");
            s.execute("GRANT SELECT ON TABLE ORDERS TO " + user);
        }
    }

    synchronized void setPassword(String user, String password) throws SQLException {
        try (Statement s = admin.createStatement()) {
            s.execute("ALTER USER " + user + " SET PASSWORD '" + password + "'");
        }
    }

    @Override
    public void close() {
        server.stop();
        try (Statement s = admin.createStatement()) {
            s.execute("SHUTDOWN");
            admin.close();
        } catch (SQLException e) {
            // the process is ending anyway
        }
    }
}
