package dev.rotor.examples.quickstart;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.jdbc.CredentialFields;
import dev.rotor.secrets.jdbc.HikariSecretBinding;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Rotor's promise on embedded parts only: the database password changes on a schedule and a HikariCP pool of query
 * workers carries on without a single failed query.
 *
 * <ol>
 *   <li>Starts an H2 database server on a free loopback port with two application users that take turns (the
 *       alternating-users rotation AWS and Vault use for databases with one password per user).
 *   <li>Keeps the application's credentials as a file secret in a temporary directory laid out like a mounted
 *       Kubernetes Secret ({@code username}, {@code password}, swapped atomically through {@code ..data}).
 *   <li>Builds {@link Secrets} (the {@code file:} source is found automatically) with a validator that opens one
 *       connection with each new version, and binds the pool to the secret with {@link HikariSecretBinding}.
 *   <li>Rotates like a real rotation service: a fresh password on the idle user, the new version published, the old
 *       user's password changed once a grace period has passed. Meanwhile workers query through the pool nonstop.
 *   <li>Prints a live view and then exactly one summary line {@code rotations=<n> queries=<n> failed=<n>}; exits 0
 *       when no query failed and every rotation reached the pool before its old user was disabled.
 * </ol>
 *
 * <p>Options: {@code --seconds N} (default 20), {@code --rotate-every N} (seconds, default 4), {@code --workers N}
 * (default 4). Passwords are random and never printed.
 */
public final class Quickstart {
    private static final String[] USERS = {"app_blue", "app_green"};

    private final int seconds;
    private final int rotateEvery;
    private final int workers;
    private final PrintStream out;
    private final SecureRandom random = new SecureRandom();
    private final LongAdder queries = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final AtomicInteger rotations = new AtomicInteger();
    private final AtomicInteger handedOver = new AtomicInteger();
    private final AtomicReference<HandOver> lastHandOver = new AtomicReference<>();
    private final AtomicReference<String> lastFailure = new AtomicReference<>();
    private final AtomicLong publishedAt = new AtomicLong();

    Quickstart(int seconds, int rotateEvery, int workers, PrintStream out) {
        this.seconds = seconds;
        this.rotateEvery = rotateEvery;
        this.workers = workers;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    /** Parses the options, runs the program and answers its exit code (2 for bad options). */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        int seconds = 20;
        int rotateEvery = 4;
        int workers = 4;
        try {
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                int value = Integer.parseInt(args[++i]);
                switch (option) {
                    case "--seconds":
                        seconds = value;
                        break;
                    case "--rotate-every":
                        rotateEvery = value;
                        break;
                    case "--workers":
                        workers = value;
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option " + option);
                }
            }
            if (rotateEvery < 1 || workers < 1 || seconds <= rotateEvery) {
                throw new IllegalArgumentException(
                        "need --rotate-every >= 1, --workers >= 1 and --seconds greater than --rotate-every");
            }
        } catch (IllegalArgumentException e) {
            err.println("quickstart: " + e.getMessage());
            err.println("usage: Quickstart [--seconds 20] [--rotate-every 4] [--workers 4]");
            return 2;
        }
        return new Quickstart(seconds, rotateEvery, workers, out).run();
    }

    int run() throws Exception {
        int planned = (seconds - 1) / rotateEvery;
        long graceMillis = rotateEvery * 1000L / 2;
        // well inside the grace period, so that every version reaches the pool before its old user is disabled
        Duration pollInterval = Duration.ofMillis(Math.min(500, graceMillis / 3));
        Path dir = Files.createTempDirectory("rotor-quickstart-");
        MountedSecretDirectory mount = new MountedSecretDirectory(dir);
        ScheduledExecutorService rotator = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rotator");
            t.setDaemon(true);
            return t;
        });
        List<Thread> threads = new ArrayList<>();
        CountDownLatch stop = new CountDownLatch(1);
        AtomicInteger missed = new AtomicInteger();
        try (DemoDatabase db = DemoDatabase.start()) {
            String[] passwords = {newPassword(), newPassword()};
            db.createUser(USERS[0], passwords[0]);
            db.createUser(USERS[1], passwords[1]);
            mount.rotate(credentials(USERS[0], passwords[0]));
            String ref = "file:" + dir;
            out.printf(
                    "Rotor quickstart: H2 server %s, credentials in %s (polled every %d ms), %d rotations (one every"
                            + " %d s, old user disabled %d ms later), %d workers%n",
                    db.url(), ref, pollInterval.toMillis(), planned, rotateEvery, graceMillis, workers);

            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(db.url());
            config.setUsername(USERS[0]);
            config.setPassword(passwords[0]);
            config.setPoolName("orders");
            config.setMaximumPoolSize(workers + 1);
            try (HikariDataSource pool = new HikariDataSource(config);
                    Secrets secrets = Secrets.builder()
                            .refreshPolicy(RefreshPolicy.builder()
                                    .pollInterval(pollInterval)
                                    .build())
                            // a version that cannot log in is vetoed: the pool keeps the credentials it has
                            .validator(ref, HikariSecretBinding.validator(pool, CredentialFields.defaults()))
                            .build();
                    HikariSecretBinding binding = HikariSecretBinding.builder(secrets, pool, ref)
                            .onHandOver(this::onHandOver)
                            .bind()) {
                for (int i = 0; i < workers; i++) {
                    Thread t = new Thread(() -> work(pool, stop), "worker-" + i);
                    t.start();
                    threads.add(t);
                }
                long start = System.nanoTime();
                int[] active = {0};
                for (int g = 1; g <= planned; g++) {
                    int rotation = g;
                    rotator.schedule(
                            () -> {
                                try {
                                    rotate(db, mount, active, rotation, graceMillis, rotator, missed);
                                } catch (Exception e) {
                                    missed.incrementAndGet();
                                    lastFailure.set(e.getClass().getName());
                                }
                            },
                            (long) g * rotateEvery,
                            TimeUnit.SECONDS);
                }
                for (int s = 1; s <= seconds; s++) {
                    stop.await(start + TimeUnit.SECONDS.toNanos(s) - System.nanoTime(), TimeUnit.NANOSECONDS);
                    status(s);
                }
                stop.countDown();
                for (Thread t : threads) {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                }
                rotator.shutdown();
                rotator.awaitTermination(graceMillis + 5_000, TimeUnit.MILLISECONDS);
                missed.addAndGet(binding.refused()); // every version this program publishes should log in
            }
        } finally {
            stop.countDown();
            rotator.shutdownNow();
            mount.delete();
        }
        long failures = failed.sum() + missed.get() + Math.max(0, rotations.get() - handedOver.get());
        if (lastFailure.get() != null) {
            out.println("last failure: " + lastFailure.get());
        }
        out.printf("rotations=%d queries=%d failed=%d%n", handedOver.get(), queries.sum(), failures);
        return failures == 0 && handedOver.get() >= 1 ? 0 : 1;
    }

    /**
     * One rotation, as a rotation service performs it: a fresh password on the idle user, then the new version
     * published; after the grace period the previous user's password changes, so it no longer logs in.
     */
    private void rotate(
            DemoDatabase db,
            MountedSecretDirectory mount,
            int[] active,
            int rotation,
            long graceMillis,
            ScheduledExecutorService rotator,
            AtomicInteger missed)
            throws Exception {
        int idle = 1 - active[0];
        String old = USERS[active[0]];
        String password = newPassword();
        db.setPassword(USERS[idle], password);
        publishedAt.set(mount.rotate(credentials(USERS[idle], password)));
        active[0] = idle;
        rotations.incrementAndGet();
        rotator.schedule(
                () -> {
                    try {
                        if (handedOver.get() < rotation) {
                            missed.incrementAndGet(); // the pool did not take the new version within the grace
                        }
                        db.setPassword(old, newPassword());
                    } catch (Exception e) {
                        missed.incrementAndGet();
                        lastFailure.set(e.getClass().getName());
                    }
                },
                graceMillis,
                TimeUnit.MILLISECONDS);
    }

    /** Runs on a Rotor thread each time the pool takes a new version. */
    private void onHandOver(HandOver h) {
        if (!h.succeeded()) {
            out.printf(
                    "  version %s refused by validation (%s): the pool keeps its credentials%n",
                    h.version(), h.failure().orElse("?"));
            return;
        }
        long sincePublished = System.nanoTime() - publishedAt.get();
        lastHandOver.set(h);
        int n = handedOver.incrementAndGet();
        out.printf(
                Locale.ROOT,
                "  rotation %d: pool %s now on version %s (was %s), %d ms after it was published; swap took %.1f ms%n",
                n,
                h.target(),
                h.version(),
                h.previousVersion().orElse("-"),
                TimeUnit.NANOSECONDS.toMillis(sincePublished),
                h.duration().toNanos() / 1e6);
    }

    private void status(int second) {
        HandOver h = lastHandOver.get();
        out.printf(
                Locale.ROOT,
                "[%3d s] rotation %d  version %s  queries %,d  failed %d  last hand-over %s%n",
                second,
                rotations.get(),
                h == null ? "1" : h.version(),
                queries.sum(),
                failed.sum(),
                h == null
                        ? "-"
                        : String.format(Locale.ROOT, "%.1f ms", h.duration().toNanos() / 1e6));
    }

    /** A worker: borrows a connection, runs a query, gives it back, as fast as it can. */
    private void work(HikariDataSource pool, CountDownLatch stop) {
        while (stop.getCount() > 0) {
            try (Connection c = pool.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COUNT(*), SUM(AMOUNT) FROM ORDERS")) {
                if (!rs.next() || rs.getInt(1) != 100) {
                    throw new IllegalStateException("unexpected result");
                }
            } catch (Exception e) {
                failed.increment();
                lastFailure.set(e.getClass().getName());
            }
            queries.increment();
        }
    }

    private static Map<String, String> credentials(String user, String password) {
        return Map.of("username", user, "password", password);
    }

    private String newPassword() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return "pw" + HexFormat.of().formatHex(bytes);
    }
}
