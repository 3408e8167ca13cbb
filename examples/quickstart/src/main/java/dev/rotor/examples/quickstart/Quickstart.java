package dev.rotor.examples.quickstart;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.Secrets;
import java.io.IOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Rotor on embedded parts only: a secret mounted the way Kubernetes mounts one, rotated while worker threads read
 * it, with no server anywhere.
 *
 * <ol>
 *   <li>Creates a temporary directory laid out like a mounted Kubernetes Secret ({@code username}, {@code password},
 *       swapped atomically through the {@code ..data} symlink).
 *   <li>Builds {@link Secrets} (the {@code file:} source is found automatically) polling every second, takes a
 *       {@link SecretHandle} and registers a watch listener.
 *   <li>Rotates the secret on a schedule while worker threads call {@code handle.current()} in a loop and check that
 *       the username and password they see always belong to the same rotation, never going back.
 *   <li>Prints one line per rotation and the summary {@code rotations=<n> queries=<n> failed=<n>}; exits 0 when
 *       nothing failed and at least one rotation was handed over.
 * </ol>
 *
 * <p>Options: {@code --seconds N} (default 15), {@code --rotate-every N} (seconds, default 3), {@code --readers N}
 * (default up to 4). The password values are random and never printed.
 */
public final class Quickstart {
    private static final Duration POLL_INTERVAL = Duration.ofSeconds(1);
    private static final String USER_PREFIX = "app-user-";
    private static final String PASSWORD_PREFIX = "pw-";

    private final int seconds;
    private final int rotateEvery;
    private final int readers;
    private final SecureRandom random = new SecureRandom();
    private final LongAdder reads = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final AtomicInteger handedOver = new AtomicInteger();
    private final Map<Integer, Long> swappedAt = new ConcurrentHashMap<>();
    private final Map<Integer, CountDownLatch> delivered = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    private Quickstart(int seconds, int rotateEvery, int readers) {
        this.seconds = seconds;
        this.rotateEvery = rotateEvery;
        this.readers = readers;
    }

    public static void main(String[] args) throws Exception {
        int seconds = 15;
        int rotateEvery = 3;
        int readers = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() - 1));
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
                    case "--readers":
                        readers = value;
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option " + option);
                }
            }
            if (rotateEvery < 1 || readers < 1 || seconds <= rotateEvery) {
                throw new IllegalArgumentException(
                        "need --rotate-every >= 1, --readers >= 1 and --seconds greater than --rotate-every");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("quickstart: " + e.getMessage());
            System.err.println("usage: Quickstart [--seconds 15] [--rotate-every 3] [--readers 4]");
            System.exit(2);
        }
        System.exit(new Quickstart(seconds, rotateEvery, readers).run());
    }

    private int run() throws IOException, InterruptedException {
        int planned = (seconds - 1) / rotateEvery;
        MountedSecretDirectory mount = new MountedSecretDirectory(Files.createTempDirectory("rotor-quickstart-"));
        try {
            mount.rotate(generation(0));
            String ref = "file:" + mount.dir();
            System.out.printf(
                    "Rotor quickstart: %s (Kubernetes layout), %d rotations, one every %d s, %d reader%s, poll every"
                            + " %d s%n",
                    ref, planned, rotateEvery, readers, readers == 1 ? "" : "s", POLL_INTERVAL.toSeconds());

            RefreshPolicy policy =
                    RefreshPolicy.builder().pollInterval(POLL_INTERVAL).build();
            try (Secrets secrets = Secrets.builder().refreshPolicy(policy).build()) {
                SecretHandle handle = secrets.handle(ref);
                secrets.watch(ref, this::onChange);

                List<Thread> threads = new ArrayList<>();
                for (int i = 0; i < readers; i++) {
                    Thread t = new Thread(() -> read(handle), "reader-" + i);
                    t.start();
                    threads.add(t);
                }

                long start = System.nanoTime();
                for (int g = 1; g <= planned; g++) {
                    sleepUntil(start + TimeUnit.SECONDS.toNanos((long) g * rotateEvery));
                    delivered.put(g, new CountDownLatch(1));
                    swappedAt.put(g, mount.rotate(generation(g)));
                }
                sleepUntil(start + TimeUnit.SECONDS.toNanos(seconds));
                // the last rotation may still be on its way: give it a few poll intervals
                CountDownLatch last = delivered.get(planned);
                if (last != null) {
                    last.await(POLL_INTERVAL.toMillis() * 5, TimeUnit.MILLISECONDS);
                }

                running = false;
                for (Thread t : threads) {
                    t.join();
                }
                for (CountDownLatch latch : delivered.values()) {
                    if (latch.getCount() > 0) {
                        failed.increment(); // a rotation that never reached the listener
                    }
                }
            }
        } finally {
            mount.delete();
        }
        long failures = failed.sum();
        System.out.printf("rotations=%d queries=%d failed=%d%n", handedOver.get(), reads.sum(), failures);
        return failures == 0 && handedOver.get() >= 1 ? 0 : 1;
    }

    /** The watch listener: runs on an engine thread for the first version and for every rotation. */
    private void onChange(SecretChange change) {
        long now = System.nanoTime();
        Secret current = change.current();
        int g = generationOf(current);
        if (change.previous().isEmpty()) {
            System.out.printf("loaded     version %s%n", current.version());
            return;
        }
        if (g < 0) {
            failed.increment(); // the fields of one version disagree: never expected
        }
        int n = handedOver.incrementAndGet();
        Long swap = swappedAt.get(g);
        String handOver = swap == null ? "?" : String.format(Locale.ROOT, "%,d ms", (now - swap) / 1_000_000);
        System.out.printf(
                Locale.ROOT,
                "rotation %d  version %s -> %s  hand-over %s after the swap  reads so far %,d%n",
                n,
                change.previous().get().version(),
                current.version(),
                handOver,
                reads.sum());
        // a poll may see two quick rotations as one: the newest version stands for the ones it skipped
        delivered.forEach((generation, latch) -> {
            if (generation <= g) {
                latch.countDown();
            }
        });
    }

    /** A worker: reads the live handle as fast as it can, checking every read. */
    private void read(SecretHandle handle) {
        int lastSeen = 0;
        long ok = 0;
        while (running) {
            try {
                Secret s = handle.current();
                int g = generationOf(s);
                if (g < lastSeen) {
                    failed.increment();
                } else {
                    lastSeen = g;
                    ok++;
                }
            } catch (RuntimeException e) {
                failed.increment();
            }
            reads.increment();
        }
        if (ok == 0) {
            failed.increment();
        }
    }

    /** Which rotation a version belongs to; -1 when its username and password disagree (a torn read). */
    private static int generationOf(Secret s) {
        String user = s.field("username").orElse("");
        String password = s.field("password").orElse("");
        if (!user.startsWith(USER_PREFIX) || !password.startsWith(PASSWORD_PREFIX)) {
            return -1;
        }
        int dash = password.indexOf('-', PASSWORD_PREFIX.length());
        String fromUser = user.substring(USER_PREFIX.length());
        String fromPassword = dash < 0 ? "" : password.substring(PASSWORD_PREFIX.length(), dash);
        return fromUser.equals(fromPassword) ? Integer.parseInt(fromUser) : -1;
    }

    private Map<String, String> generation(int g) {
        byte[] bytes = new byte[12];
        random.nextBytes(bytes);
        return Map.of(
                "username",
                USER_PREFIX + g,
                "password",
                PASSWORD_PREFIX + g + "-" + HexFormat.of().formatHex(bytes));
    }

    private static void sleepUntil(long deadlineNanos) throws InterruptedException {
        long wait;
        while ((wait = deadlineNanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
