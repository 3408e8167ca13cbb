package dev.rotor.secrets.redis;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Redis server for the tests: {@code redis-server} (Debian's {@code redis-server} package) started on a free
 * loopback port in a temporary directory, without persistence, and stopped (bounded) on {@link #close()}. Admin
 * commands go over a plain socket as the {@code default} user, so that nothing but the binding under test uses
 * Lettuce.
 */
public final class RedisServer implements AutoCloseable {
    private static final long START_TIMEOUT_MILLIS = 10_000;

    private final Process process;
    private final Path dir;
    private final int port;

    private RedisServer(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** The {@code redis-server} executable on the PATH (or in /usr/bin, /usr/sbin); fails clearly when missing. */
    static String executable() {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin" + File.pathSeparator
                + "/usr/sbin";
        for (String d : path.split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "redis-server"))) {
                return Path.of(d, "redis-server").toString();
            }
        }
        throw new AssertionError("redis-server is not installed: the Redis binding tests run against a real server;"
                + " install Debian's redis-server package (apt-get install redis-server), as .ci/run does");
    }

    public static RedisServer start() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("rotor-redis");
        int port = freePort();
        Process p = new ProcessBuilder(
                        executable(),
                        "--port",
                        String.valueOf(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        dir.toString(),
                        "--daemonize",
                        "no")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        RedisServer server = new RedisServer(p, dir, port);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (true) {
            try {
                if ("PONG".equals(server.command("PING"))) {
                    return server;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!p.isAlive() || System.nanoTime() - deadline > 0) {
                server.close();
                throw new IllegalStateException("redis-server did not start on port " + port);
            }
            Thread.sleep(20); // polling a child process's start-up, not a timing rule
        }
    }

    public int port() {
        return port;
    }

    /** Runs one command as the {@code default} user on a new connection and returns its reply (an error as "-..."). */
    public String command(String... args) throws IOException {
        return commandAs(null, null, args);
    }

    /**
     * Runs {@code AUTH user password} then {@code args} on a new connection and returns the reply to {@code args}; the
     * reply to {@code AUTH} when it was refused.
     */
    public String commandAs(String user, String password, String... args) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            if (user != null) {
                write(out, List.of("AUTH", user, password));
                String auth = read(in);
                if (auth.startsWith("-")) {
                    return auth;
                }
            }
            write(out, List.of(args));
            return read(in);
        }
    }

    private static void write(OutputStream out, List<String> args) throws IOException {
        StringBuilder b = new StringBuilder().append('*').append(args.size()).append("\r\n");
        for (String a : args) {
            byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
            b.append('$').append(bytes.length).append("\r\n").append(a).append("\r\n");
        }
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads one reply: a simple string, an error ("-..."), an integer, a bulk string (null as ""). */
    private static String read(InputStream in) throws IOException {
        String line = line(in);
        switch (line.charAt(0)) {
            case '+':
            case ':':
                return line.substring(1);
            case '-':
                return line;
            case '$':
                int n = Integer.parseInt(line.substring(1));
                if (n < 0) {
                    return "";
                }
                byte[] b = in.readNBytes(n + 2);
                return new String(b, 0, n, StandardCharsets.UTF_8);
            default:
                throw new IOException("unexpected reply type " + line.charAt(0));
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 1_000_000; i++) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c == '\r') {
                in.read();
                return b.toString();
            }
            b.append((char) c);
        }
        throw new IOException("reply line too long");
    }

    /** The number of {@code AUTH} commands the server has run (from {@code INFO commandstats}). */
    long authCalls() throws IOException {
        String info = command("INFO", "commandstats");
        for (String l : info.split("\r\n")) {
            if (l.startsWith("cmdstat_auth:")) {
                String calls = l.substring(l.indexOf("calls=") + 6);
                return Long.parseLong(calls.substring(0, calls.indexOf(',')));
            }
        }
        return 0;
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
