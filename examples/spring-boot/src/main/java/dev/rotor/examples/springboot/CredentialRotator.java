package dev.rotor.examples.springboot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Plays the rotation service and the kubelet. The credentials live in {@code demo.secret-dir}, laid out the way
 * Kubernetes mounts a Secret: each generation's files ({@code username}, {@code password}) in a hidden directory,
 * {@code ..data} pointing at the current one, and {@code username -> ..data/username} at the top; a new generation is
 * written completely and then swapped in with one atomic rename of {@code ..data}.
 *
 * <p>Each rotation follows the alternating-users scheme: a fresh password on the idle user, the secret switched to
 * that user, and after {@code demo.grace} the previous user's password changed to one nobody knows, so it no longer
 * logs in. By then the pool must be on the new user; {@link #missed()} counts the rotations where it was not.
 * Passwords are random and never logged.
 *
 * <pre>{@code
 * demo.rotate-every=2s     # demo.grace defaults to half of it
 * }</pre>
 *
 * <p>Started after the context is up ({@link SmartLifecycle}); the first generation is written at construction, so
 * the pool's first connection already has credentials. Rotations run on one thread of its own.
 */
@Component
class CredentialRotator implements SmartLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(CredentialRotator.class);

    private final DemoDatabase database;
    private final HandOverLog handOvers;
    private final Path dir;
    private final Duration every;
    private final Duration grace;
    private final SecureRandom random = new SecureRandom();
    private final List<String> issued = new ArrayList<>();
    private final AtomicInteger rotations = new AtomicInteger();
    private final AtomicInteger missed = new AtomicInteger();
    private volatile ScheduledExecutorService executor;
    private int current; // index into DemoDatabase.USERS; touched on the rotation thread only after start
    private int generation;

    CredentialRotator(DemoDatabase database, HandOverLog handOvers, DemoProperties properties)
            throws IOException, SQLException {
        this.database = database;
        this.handOvers = handOvers;
        this.dir = properties.getSecretDir();
        this.every = properties.getRotateEvery();
        this.grace = properties.getGrace();
        if (dir == null) {
            throw new IllegalStateException("demo.secret-dir must be set");
        }
        if (!every.isZero() && grace.compareTo(every) >= 0) {
            throw new IllegalStateException("demo.grace must be shorter than demo.rotate-every");
        }
        Files.createDirectories(dir);
        clearOldGenerations();
        String password = fresh();
        database.setPassword(DemoDatabase.USERS[current], password);
        publish(DemoDatabase.USERS[current], password);
    }

    /** One rotation: the idle user gets a fresh password and goes into the secret; the old one is retired later. */
    private void rotate() {
        int previous = current;
        int next = 1 - current;
        try {
            String password = fresh();
            database.setPassword(DemoDatabase.USERS[next], password);
            publish(DemoDatabase.USERS[next], password);
            current = next;
            int n = rotations.incrementAndGet();
            LOG.info(
                    "rotation {}: the secret now holds user {}; user {} stops logging in {} ms from now",
                    n,
                    DemoDatabase.USERS[next],
                    DemoDatabase.USERS[previous],
                    grace.toMillis());
            executor.schedule(() -> retire(n, previous), grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException | SQLException | RuntimeException e) {
            LOG.warn("rotation failed: {}", e.getClass().getName());
        }
    }

    /** The grace period is over: the pool must have the new user by now; the old one is disabled. */
    private void retire(int rotation, int user) {
        if (handOvers.succeeded() < rotation) {
            missed.incrementAndGet();
            LOG.warn("rotation {}: the pool was not on the new user when the old one was disabled", rotation);
        }
        try {
            database.setPassword(DemoDatabase.USERS[user], fresh());
        } catch (SQLException e) {
            LOG.warn(
                    "could not disable user {}: {}",
                    DemoDatabase.USERS[user],
                    e.getClass().getName());
        }
    }

    private void publish(String user, String password) throws IOException {
        generation++;
        Path next = Files.createDirectory(dir.resolve("..gen_" + generation));
        Files.writeString(next.resolve("username"), user, StandardCharsets.UTF_8);
        Files.writeString(next.resolve("password"), password, StandardCharsets.UTF_8);
        Path link = dir.resolve("..data_tmp");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, next.getFileName());
        Files.move(link, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        for (String key : new String[] {"username", "password"}) {
            if (!Files.isSymbolicLink(dir.resolve(key))) {
                Files.createSymbolicLink(dir.resolve(key), Path.of("..data", key));
            }
        }
        if (generation > 2) {
            delete(dir.resolve("..gen_" + (generation - 2)));
        }
    }

    /** Removes what an earlier run left in the directory (only the entries this class writes). */
    private void clearOldGenerations() throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith("..gen_")
                        || name.startsWith("..data")
                        || name.equals("username")
                        || name.equals("password")) {
                    delete(p);
                }
            }
        }
    }

    private static void delete(Path root) throws IOException {
        if (Files.isSymbolicLink(root) || !Files.isDirectory(root)) {
            Files.deleteIfExists(root);
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    private synchronized String fresh() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        String password = "pw-" + HexFormat.of().formatHex(bytes);
        issued.add(password);
        return password;
    }

    /** Every password handed out so far: what a leak check looks for. */
    synchronized List<String> issuedPasswords() {
        return List.copyOf(issued);
    }

    /** How many rotations were published. */
    int rotations() {
        return rotations.get();
    }

    /** Rotations whose new user had not reached the pool when the previous user was disabled. */
    int missed() {
        return missed.get();
    }

    @Override
    public void start() {
        if (every.isZero()) {
            return;
        }
        ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demo-rotator");
            t.setDaemon(true);
            return t;
        });
        executor = ex;
        ex.scheduleAtFixedRate(this::rotate, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("rotating the credentials in {} every {} ms", dir, every.toMillis());
    }

    /** Stops rotating; a retirement already scheduled still runs, so every published rotation is checked. */
    @Override
    public void stop() {
        ScheduledExecutorService ex = executor;
        if (ex == null) {
            return;
        }
        ex.shutdown(); // delayed retirements still run (the default shutdown policy of a scheduled executor)
        try {
            if (!ex.awaitTermination(grace.toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
                ex.shutdownNow();
            }
        } catch (InterruptedException e) {
            ex.shutdownNow();
            Thread.currentThread().interrupt();
        }
        executor = null;
    }

    @Override
    public boolean isRunning() {
        return executor != null;
    }
}
