package dev.rotor.secrets.rabbitmq;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real RabbitMQ broker for the tests: Debian's {@code rabbitmq-server} started as the current user on free loopback
 * ports (AMQP, Erlang distribution, and a private epmd), with its data, logs, config and Erlang cookie in a temporary
 * directory, no plugins; stopped (bounded) on {@link #close()}. Users are managed with {@code rabbitmqctl}.
 */
public final class RabbitBroker implements AutoCloseable {
    private static final Path BIN = Path.of("/usr/lib/rabbitmq/bin");
    private static final long START_TIMEOUT_SECONDS = 60;

    private final Process process;
    private final Path dir;
    private final int port;
    private final Map<String, String> env;

    private RabbitBroker(Process process, Path dir, int port, Map<String, String> env) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.env = env;
    }

    public static void requireInstalled() {
        if (!Files.isExecutable(BIN.resolve("rabbitmq-server")) || !Files.isExecutable(BIN.resolve("rabbitmqctl"))) {
            throw new AssertionError("rabbitmq-server is not installed: the RabbitMQ binding tests run against a real"
                    + " broker; install Debian's rabbitmq-server package (apt-get install rabbitmq-server), as .ci/run"
                    + " does");
        }
    }

    public static RabbitBroker start() throws IOException, InterruptedException {
        requireInstalled();
        Path dir = Files.createTempDirectory("rotor-rabbitmq");
        int port = freePort();
        Files.writeString(dir.resolve("enabled_plugins"), "[].\n");
        Files.writeString(dir.resolve("rabbitmq.conf"), "loopback_users = none\n");
        Map<String, String> env = Map.ofEntries(
                Map.entry("HOME", dir.toString()),
                Map.entry("RABBITMQ_NODENAME", "rotor" + port + "@localhost"),
                Map.entry("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1"),
                Map.entry("RABBITMQ_NODE_PORT", String.valueOf(port)),
                Map.entry("RABBITMQ_DIST_PORT", String.valueOf(freePort())),
                Map.entry("ERL_EPMD_PORT", String.valueOf(freePort())),
                Map.entry("ERL_EPMD_ADDRESS", "127.0.0.1"),
                Map.entry("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString()),
                Map.entry("RABBITMQ_LOG_BASE", dir.resolve("log").toString()),
                Map.entry("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq").toString()),
                Map.entry(
                        "RABBITMQ_ENABLED_PLUGINS_FILE",
                        dir.resolve("enabled_plugins").toString()),
                Map.entry("RABBITMQ_PID_FILE", dir.resolve("pid").toString()));
        ProcessBuilder pb = new ProcessBuilder(BIN.resolve("rabbitmq-server").toString())
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.out").toFile());
        pb.environment().putAll(env);
        RabbitBroker broker = new RabbitBroker(pb.start(), dir, port, env);
        try {
            broker.ctl(
                    START_TIMEOUT_SECONDS + 5,
                    "wait",
                    "--timeout",
                    String.valueOf(START_TIMEOUT_SECONDS),
                    dir.resolve("pid").toString());
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    public int port() {
        return port;
    }

    public void addUser(String user, String password) {
        ctl(30, "add_user", user, password);
        ctl(30, "set_permissions", "-p", "/", user, ".*", ".*", ".*");
    }

    public void changePassword(String user, String password) {
        ctl(30, "change_password", user, password);
    }

    /** Runs {@code rabbitmqctl} (bounded) and returns its output; throws when it fails (without the arguments). */
    String ctl(long timeoutSeconds, String... args) {
        List<String> command = new ArrayList<>();
        command.add(BIN.resolve("rabbitmqctl").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException(
                        "rabbitmqctl " + args[0] + " did not finish in " + timeoutSeconds + " s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("rabbitmqctl " + args[0] + " failed with exit code " + p.exitValue());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                ctl(30, "stop");
            }
        } catch (RuntimeException e) {
            // stopped below
        } finally {
            try {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                killEpmd();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // a temporary directory: best effort
            }
        }
    }

    /** The broker started a private epmd on its own port: stop that one (and only that one). */
    private void killEpmd() throws InterruptedException {
        try {
            ProcessBuilder pb = new ProcessBuilder("epmd", "-kill").redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            // epmd is not on the PATH: the broker's own is gone with it
        }
    }
}
