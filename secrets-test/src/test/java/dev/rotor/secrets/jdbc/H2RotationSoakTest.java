package dev.rotor.secrets.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.jdbc.internal.HikariSupport;
import dev.rotor.secrets.test.MountedSecretDirectory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise, in real time on a real database: 8 threads query through a HikariCP pool without pause for 30 s while
 * a rotator changes the credentials every 2 s (new password applied to the idle user, new version published as a
 * mounted secret, the old user disabled 1.5 s later). Asserts counts only: no failed query, every rotation in the pool
 * before its old user was disabled, one hand-over per rotation. The hand-over times go to the test output.
 */
class H2RotationSoakTest {
    private static final Duration RUN = Duration.ofSeconds(30);
    private static final Duration ROTATE_EVERY = Duration.ofSeconds(2);
    private static final Duration GRACE = Duration.ofMillis(1500);
    private static final int THREADS = 8;

    @TempDir
    Path tmp;

    @Test
    void pool_credentialsRotatingEveryTwoSecondsUnderLoad_noQueryFailsAndEveryRotationIsHandedOver() throws Exception {
        MountedSecretDirectory mount = MountedSecretDirectory.in(tmp.resolve("db"));
        String ref = "file:" + mount.dir();
        LongAdder queries = new LongAdder();
        LongAdder failed = new LongAdder();
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        Map<Integer, Long> publishedAt = new ConcurrentHashMap<>();
        Map<Integer, Long> handedOverAfter = new ConcurrentHashMap<>();
        Map<Integer, Duration> swapTook = new ConcurrentHashMap<>();
        AtomicInteger missed = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        ScheduledExecutorService rotations = Executors.newSingleThreadScheduledExecutor();

        try (H2Database db = H2Database.start()) {
            AlternatingUserRotator rotator = new AlternatingUserRotator(db, mount::write, "app_blue", "app_green");
            Map<String, String> first = rotator.start();
            RefreshPolicy policy =
                    RefreshPolicy.builder().pollInterval(Duration.ofMillis(200)).build();
            try (Secrets secrets = Secrets.builder()
                            .refreshPolicy(policy)
                            .auditLog(false)
                            .build();
                    HikariDataSource pool = pool(db, first)) {
                HikariSecretBinding binding = HikariSecretBinding.builder(secrets, pool, ref)
                        .onHandOver(h -> {
                            long now = System.nanoTime();
                            Secret s = secrets.get(ref);
                            if (h.succeeded() && s.version().equals(h.version())) {
                                int n = Integer.parseInt(s.field("rotation").orElseThrow());
                                Long at = publishedAt.get(n);
                                if (at != null) {
                                    handedOverAfter.put(n, now - at);
                                    swapTook.put(n, h.duration());
                                }
                            }
                        })
                        .bind();

                CountDownLatch stop = new CountDownLatch(1);
                for (int i = 0; i < THREADS; i++) {
                    Thread t = new Thread(() -> query(pool, stop, queries, failed, failures), "soak-worker-" + i);
                    t.start();
                    workers.add(t);
                }
                long periods = RUN.toMillis() / ROTATE_EVERY.toMillis();
                for (int n = 1; n < periods; n++) {
                    int rotation = n;
                    rotations.schedule(
                            () -> {
                                publishedAt.put(rotation, System.nanoTime());
                                Map<String, String> next = rotator.rotate();
                                rotations.schedule(
                                        () -> {
                                            if (!HikariSupport.holds(
                                                    pool, next.get("username"), next.get("password"))) {
                                                missed.incrementAndGet();
                                            }
                                            rotator.disablePrevious();
                                            return null;
                                        },
                                        GRACE.toMillis(),
                                        TimeUnit.MILLISECONDS);
                                return null;
                            },
                            n * ROTATE_EVERY.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
                rotations.schedule(stop::countDown, RUN.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(stop.await(RUN.toSeconds() * 3, TimeUnit.SECONDS)).isTrue();
                for (Thread t : workers) {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                }
                rotations.shutdown();
                assertThat(rotations.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

                System.out.printf(
                        "soak: %d rotations, %d queries, %d failed, %d hand-overs, pool api %s%n",
                        rotator.rotations(), queries.sum(), failed.sum(), binding.handOvers(), HikariSupport.api());
                handedOverAfter.entrySet().stream()
                        .sorted(Map.Entry.comparingByKey())
                        .forEach(e -> System.out.printf(
                                "soak: rotation %2d in the pool %4d ms after it was published (swap and eviction %d"
                                        + " us)%n",
                                e.getKey(),
                                TimeUnit.NANOSECONDS.toMillis(e.getValue()),
                                swapTook.get(e.getKey()).toNanos() / 1_000));

                assertThat(failures).as("failed queries by exception").isEmpty();
                assertThat(failed.sum()).isZero();
                assertThat(rotator.rotations()).isEqualTo((int) periods - 1);
                assertThat(missed.get())
                        .as("rotations not in the pool when the old user was disabled")
                        .isZero();
                assertThat(binding.handOvers()).isEqualTo(rotator.rotations());
                assertThat(handedOverAfter).hasSize(rotator.rotations());
                assertThat(queries.sum()).isGreaterThan(THREADS * 100L);
            }
        } finally {
            rotations.shutdownNow();
        }
    }

    private static HikariDataSource pool(H2Database db, Map<String, String> first) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.url());
        config.setUsername(first.get("username"));
        config.setPassword(first.get("password"));
        config.setPoolName("soak");
        config.setMaximumPoolSize(THREADS + 2);
        config.setConnectionTimeout(10_000);
        return new HikariDataSource(config);
    }

    private static void query(
            HikariDataSource pool,
            CountDownLatch stop,
            LongAdder queries,
            LongAdder failed,
            Map<String, AtomicInteger> failures) {
        while (stop.getCount() > 0) {
            try (Connection c = pool.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ITEMS")) {
                if (!rs.next() || rs.getInt(1) != 3) {
                    throw new IllegalStateException("unexpected result");
                }
            } catch (Exception e) {
                failed.increment();
                failures.computeIfAbsent(e.getClass().getName(), k -> new AtomicInteger())
                        .incrementAndGet();
            }
            queries.increment();
        }
    }
}
