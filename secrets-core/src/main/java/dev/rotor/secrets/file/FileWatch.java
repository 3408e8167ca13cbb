package dev.rotor.secrets.file;

import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.SourceContext;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the directories the file source reads from, so that a change reaches the engine within moments instead of
 * at the next poll. A Kubernetes mount swaps its {@code ..data} link inside the mounted directory, and a file replaced
 * by rename shows up in its parent directory: both are events in the directory this class watches.
 *
 * <p>Events are coalesced: the first event in a directory schedules one refresh of the secrets read from it, {@link
 * #SETTLE} later on the client's scheduler (a swap is several events: a new timestamped directory, a temporary link,
 * the rename), and the engine refreshes those secrets through the usual single flight. Polling stays the fallback: a
 * directory that cannot be watched (a file system that sends no events, a watch limit reached) is simply polled at
 * the source's poll interval.
 *
 * <p>One daemon thread per source, started with the first directory watched and ended by {@link #close()}. The set of
 * watched directories grows with the directories read, not with the refs. Thread-safe.
 */
final class FileWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileWatch.class);

    /** How long after the first event in a directory its secrets are refreshed. */
    static final Duration SETTLE = Duration.ofMillis(50);

    /** At most this many directories are watched; beyond, directories are only polled. */
    static final int MAX_DIRECTORIES = 1024;

    private final SourceContext context;
    private final Function<SecretRef, Path> resolve;
    private final String sourceName;
    private final Map<Path, WatchKey> watched = new ConcurrentHashMap<>();
    private final Set<Path> pending = ConcurrentHashMap.newKeySet();
    private final Set<Path> unwatchable = ConcurrentHashMap.newKeySet();
    private volatile WatchService service;
    private volatile boolean closed;
    private Thread thread;

    FileWatch(SourceContext context, Function<SecretRef, Path> resolve, String sourceName) {
        this.context = context;
        this.resolve = resolve;
        this.sourceName = sourceName;
    }

    /** Makes sure the directory that holds {@code path} (or {@code path}, when it is a directory) is watched. */
    void watch(Path path, boolean isDirectory) {
        Path dir = isDirectory ? path : path.getParent();
        if (closed || dir == null || watched.containsKey(dir) || unwatchable.contains(dir)) {
            return;
        }
        synchronized (this) {
            if (closed || watched.containsKey(dir) || unwatchable.contains(dir)) {
                return;
            }
            if (watched.size() >= MAX_DIRECTORIES) {
                return; // polled only; nothing is recorded, so hostile refs cannot grow any set here
            }
            try {
                WatchService ws = service();
                WatchKey key = dir.register(
                        ws,
                        StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
                watched.put(dir, key);
            } catch (IOException | UnsupportedOperationException | ClosedWatchServiceException e) {
                // polling still sees the change, at the poll interval; remembered (boundedly) so as not to retry
                if (unwatchable.size() < MAX_DIRECTORIES) {
                    unwatchable.add(dir);
                }
                LOG.debug(
                        "Rotor source {} cannot watch a directory ({}); it polls instead",
                        sourceName,
                        e.getClass().getSimpleName());
            }
        }
    }

    /** How many directories are watched or known to be unwatchable: never more than twice the cap (for tests). */
    int trackedDirectories() {
        return watched.size() + unwatchable.size() + pending.size();
    }

    /** Whether the directory holding {@code path} is watched (for tests). */
    boolean watches(Path dir) {
        return watched.containsKey(dir);
    }

    private WatchService service() throws IOException {
        WatchService ws = service;
        if (ws == null) {
            FileSystem fs = java.nio.file.FileSystems.getDefault();
            ws = fs.newWatchService();
            service = ws;
            thread = new Thread(this::loop, "rotor-file-watch-" + sourceName);
            thread.setDaemon(true);
            thread.start();
        }
        return ws;
    }

    private void loop() {
        WatchService ws = service;
        while (!closed) {
            WatchKey key;
            try {
                key = ws.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            Path dir = (Path) key.watchable();
            key.pollEvents(); // what changed inside does not matter: every secret read from here is looked at again
            if (!key.reset()) {
                // the directory went away (an unmounted volume): forget it; a later read watches it again
                watched.remove(dir, key);
            }
            changed(dir);
        }
    }

    /** Schedules one refresh of the secrets read from {@code dir}, unless one is already scheduled. */
    void changed(Path dir) {
        if (closed || !pending.add(dir)) {
            return;
        }
        Scheduler scheduler = context.scheduler();
        try {
            scheduler.schedule(
                    () -> {
                        pending.remove(dir);
                        context.refresh(ref -> {
                            Path p = resolve.apply(ref);
                            return p != null && (dir.equals(p) || dir.equals(p.getParent()));
                        });
                    },
                    SETTLE);
        } catch (RuntimeException e) {
            pending.remove(dir); // a closed scheduler: the client is closing
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        watched.clear();
        WatchService ws = service;
        if (ws != null) {
            try {
                ws.close();
            } catch (IOException e) {
                LOG.debug("Rotor source {} failed to close its watch service", sourceName);
            }
        }
        if (thread != null) {
            thread.interrupt();
        }
    }
}
