package dev.rotor.secrets.kubernetes.internal;

import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.SourceContext;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one watch of a namespace, shared by every ref into it: an informer-like index of the namespace's Secrets (name
 * to {@code resourceVersion}, no values), kept by a LIST and then a WATCH from the list's {@code resourceVersion}.
 *
 * <ul>
 *   <li>A change or a deletion of a Secret that the engine holds is handed to {@link SourceContext#refresh}, {@link
 *       #SETTLE} later on the client's scheduler (changes to one namespace in that window are coalesced), and the
 *       engine re-reads it through its usual single flight: the file source's watch does the same.
 *   <li>When the watch closes, it is opened again from the last {@code resourceVersion} seen, after a backoff with
 *       full jitter (a random wait up to {@code base * 2^(attempt-1)}, capped) on the client's scheduler; an opened
 *       watch starts the count again. {@code 410 Gone} (the version is too old to resume from) means a new LIST, whose
 *       differences from the index are handed on as changes.
 *   <li>Every {@code resync} interval the namespace is listed again, which heals any event the watch may have missed.
 *   <li>While the watch is down the index is not trusted ({@link #version} answers empty), so the engine's poll
 *       reads the Secret itself: the poll is the fallback.
 * </ul>
 *
 * <p>Events carry each Secret whole; only its name and {@code resourceVersion} are kept. LIST and WATCH run on the
 * client's executor, never on a reader's thread; fabric8 delivers events on its own thread, and this class only
 * records them and schedules. Thread-safe.
 */
public final class NamespaceWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NamespaceWatch.class);

    /** How long after the first change in a namespace its held secrets are refreshed. */
    public static final Duration SETTLE = Duration.ofMillis(50);

    /** A watch open this long worked: when it closes, the backoff starts from its base again. */
    static final Duration HEALTHY = Duration.ofMinutes(1);

    /** The shortest time the server keeps one watch open; the longest is twice as long. */
    public static final Duration WATCH_TIMEOUT_MIN = Duration.ofMinutes(5);

    /** At most this many Secrets of one namespace are indexed; the others are polled as if the watch were down. */
    public static final int MAX_INDEXED = 10_000;

    private final String namespace;
    private final Supplier<KubernetesClient> client;
    private final SourceContext context;
    private final String sourceName;
    private final String labelSelector;
    private final String fieldSelector;
    private final Duration resync;
    private final Duration backoffBase;
    private final Duration backoffCap;

    private final Map<String, String> index = new ConcurrentHashMap<>();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    /** The version of each held Secret as last read by a fetch, to tell whether a LIST saw something newer. */
    private final Map<String, String> served = new ConcurrentHashMap<>();

    private final Set<String> pendingChanges = new HashSet<>();

    // guarded by this
    private boolean closed;
    private boolean active;
    private boolean needRelist = true;
    private String lastVersion;
    private int attempt;
    private long generation;
    /** When the current watch was opened (monotonic); a watch that lived long starts the backoff count again. */
    private long openedAt;

    private boolean wasOpen;
    private Watch watch;
    private Scheduler.Cancellable reconnect;
    private Scheduler.Cancellable resyncTask;
    private boolean changeScheduled;

    private volatile boolean synced;

    // for tests: counts, and a monitor to wait on
    private final Object progress = new Object();
    private long events;
    private long lists;
    private long watchesOpened;

    /** Options of a namespace watch. */
    public static final class Options {
        final String labelSelector;
        final String fieldSelector;
        final Duration resync;
        final Duration backoffBase;
        final Duration backoffCap;

        public Options(
                String labelSelector,
                String fieldSelector,
                Duration resync,
                Duration backoffBase,
                Duration backoffCap) {
            this.labelSelector = labelSelector;
            this.fieldSelector = fieldSelector;
            this.resync = resync;
            this.backoffBase = backoffBase;
            this.backoffCap = backoffCap;
        }
    }

    public NamespaceWatch(
            String namespace,
            Supplier<KubernetesClient> client,
            SourceContext context,
            String sourceName,
            Options options) {
        this.namespace = namespace;
        this.client = client;
        this.context = context;
        this.sourceName = sourceName;
        this.labelSelector = options.labelSelector;
        this.fieldSelector = options.fieldSelector;
        this.resync = options.resync;
        this.backoffBase = options.backoffBase;
        this.backoffCap = options.backoffCap;
    }

    /**
     * Notes that the engine holds {@code name} (at {@code version}, when a fetch read it), and starts the watch (in
     * the background) if it has not started.
     */
    public void hold(String name, String version) {
        held.add(name);
        if (version != null) {
            served.put(name, version);
        }
        boolean start;
        synchronized (this) {
            start = !closed && !active;
            active = true;
        }
        if (start) {
            run(this::connect);
        }
    }

    /** The engine let {@code name} go; answers whether the namespace has no held secret left. */
    public boolean release(String name) {
        held.remove(name);
        served.remove(name);
        return held.isEmpty();
    }

    /** The version the watch has seen for {@code name}; empty when the watch is not up or does not know it. */
    public Optional<String> version(String name) {
        if (!synced) {
            return Optional.empty();
        }
        return Optional.ofNullable(index.get(name));
    }

    /** Whether the watch is up and the index trusted. */
    public boolean synced() {
        return synced;
    }

    // ---- connecting ----

    private void connect() {
        long gen;
        boolean relist;
        String from;
        synchronized (this) {
            reconnect = null;
            if (closed) {
                return;
            }
            gen = ++generation;
            relist = needRelist || lastVersion == null;
            from = lastVersion;
        }
        try {
            if (relist) {
                from = relist(gen);
                if (from == null) {
                    return; // superseded or closed
                }
            }
            ListOptionsBuilder opts =
                    new ListOptionsBuilder().withResourceVersion(from).withAllowWatchBookmarks(true);
            selectors(opts);
            Watch opened = client.get().secrets().inNamespace(namespace).watch(opts.build(), new Handler(gen));
            boolean keep;
            synchronized (this) {
                keep = !closed && gen == generation;
                if (keep) {
                    watch = opened;
                    openedAt = context.timeSource().nanoTime();
                    wasOpen = true;
                    // synced on its first event: the client may fall back to a plain HTTP watch whose failure is
                    // reported only afterwards
                    scheduleResync();
                }
            }
            if (!keep) {
                opened.close();
                return;
            }
            counted(() -> watchesOpened++);
            signal();
            LOG.debug("Rotor source {} watches namespace {}", sourceName, namespace);
        } catch (RuntimeException e) {
            int code = KubernetesErrors.code(e);
            synchronized (this) {
                if (code == 410) {
                    needRelist = true;
                }
            }
            LOG.warn(
                    "Rotor source {} could not watch namespace {} (HTTP {}, {}); secrets there are polled until the"
                            + " watch is back",
                    sourceName,
                    namespace,
                    code,
                    e.getClass().getSimpleName());
            scheduleReconnect(gen);
            signal();
        }
    }

    /** Lists the namespace, replaces the index, hands on what changed; answers the list's version (null: superseded). */
    private String relist(long gen) {
        ListOptionsBuilder opts = new ListOptionsBuilder();
        selectors(opts);
        SecretList list = client.get().secrets().inNamespace(namespace).list(opts.build());
        Map<String, String> fresh = new HashMap<>();
        for (Secret s : list.getItems()) {
            ObjectMeta m = s.getMetadata();
            if (m != null && m.getName() != null && m.getResourceVersion() != null && fresh.size() < MAX_INDEXED) {
                fresh.put(m.getName(), m.getResourceVersion());
            }
        }
        String version = list.getMetadata() == null ? null : list.getMetadata().getResourceVersion();
        Set<String> changed = new HashSet<>();
        synchronized (this) {
            if (closed || gen != generation) {
                return null;
            }
            boolean hadIndex = lastVersion != null;
            for (Map.Entry<String, String> e : index.entrySet()) {
                if (!e.getValue().equals(fresh.get(e.getKey()))) {
                    changed.add(e.getKey());
                }
            }
            if (hadIndex) {
                for (String name : fresh.keySet()) {
                    if (!index.containsKey(name)) {
                        changed.add(name);
                    }
                }
            }
            for (Map.Entry<String, String> e : served.entrySet()) {
                if (!e.getValue().equals(fresh.get(e.getKey()))) {
                    changed.add(e.getKey()); // changed or deleted since it was read
                }
            }
            index.keySet().retainAll(fresh.keySet());
            index.putAll(fresh);
            needRelist = false;
            lastVersion = version != null ? version : "";
        }
        counted(() -> lists++);
        for (String name : changed) {
            changed(name);
        }
        return version;
    }

    private void selectors(ListOptionsBuilder opts) {
        if (labelSelector != null) {
            opts.withLabelSelector(labelSelector);
        }
        if (fieldSelector != null) {
            opts.withFieldSelector(fieldSelector);
        }
    }

    private void scheduleReconnect(long gen) {
        Duration delay;
        synchronized (this) {
            if (closed || gen != generation || reconnect != null) {
                return;
            }
            synced = false;
            if (wasOpen && context.timeSource().nanoTime() - openedAt >= HEALTHY.toNanos()) {
                attempt = 0; // it worked for a while: this is a fresh failure, not the next of a series
            }
            wasOpen = false;
            watch = null;
            attempt++;
            delay = backoff(attempt);
            try {
                reconnect = context.scheduler().schedule(() -> run(this::connect), delay);
            } catch (RuntimeException schedulerClosed) {
                return; // the client is closing
            }
        }
        LOG.debug("Rotor source {} watches namespace {} again in {}", sourceName, namespace, delay);
    }

    /**
     * How long the server keeps one watch open before it ends it (and this class opens the next from the last version
     * seen): between 5 and 10 minutes, at random, as Kubernetes' own clients do. A stream that died without a word
     * (a connection cut by a middlebox, never closed) is so noticed within minutes, without keep-alives.
     */
    private long watchTimeoutSeconds() {
        return WATCH_TIMEOUT_MIN.toSeconds() + (long) (context.random().nextDouble() * WATCH_TIMEOUT_MIN.toSeconds());
    }

    /** Full jitter: a random wait up to {@code base * 2^(attempt-1)}, capped. */
    private Duration backoff(int attempt) {
        long cap = backoffCap.toMillis();
        long ceiling = backoffBase.toMillis();
        for (int i = 1; i < attempt && ceiling < cap; i++) {
            ceiling *= 2;
        }
        ceiling = Math.min(ceiling, cap);
        double r = context.random().nextDouble();
        return Duration.ofMillis((long) (r * ceiling));
    }

    private void scheduleResync() {
        if (resync == null || resyncTask != null) {
            return;
        }
        try {
            resyncTask = context.scheduler().schedule(this::resync, resync);
        } catch (RuntimeException schedulerClosed) {
            // the client is closing
        }
    }

    private void resync() {
        Watch old;
        synchronized (this) {
            resyncTask = null;
            if (closed || watch == null) {
                return; // down: the reconnect lists again when it needs to
            }
            old = watch;
            watch = null;
            generation++;
            needRelist = true;
        }
        old.close();
        run(this::connect);
    }

    private void run(Runnable task) {
        try {
            context.executor().execute(task);
        } catch (RuntimeException rejected) {
            LOG.debug("Rotor source {}: the executor refused a task (the client is closing)", sourceName);
        }
    }

    // ---- events ----

    private final class Handler implements Watcher<Secret> {
        private final long gen;

        Handler(long gen) {
            this.gen = gen;
        }

        @Override
        public void eventReceived(Action action, Secret secret) {
            ObjectMeta m = secret == null ? null : secret.getMetadata();
            String name = m == null ? null : m.getName();
            String version = m == null ? null : m.getResourceVersion();
            boolean changed = false;
            synchronized (NamespaceWatch.this) {
                if (closed || gen != generation) {
                    return;
                }
                if (version != null) {
                    lastVersion = version;
                }
                attempt = 0; // the stream works: a later failure starts the backoff from its base
                synced = true;
                if (name != null) {
                    switch (action) {
                        case ADDED:
                        case MODIFIED:
                            if (version != null && (index.containsKey(name) || index.size() < MAX_INDEXED)) {
                                changed = !version.equals(index.put(name, version));
                            }
                            break;
                        case DELETED:
                            index.remove(name);
                            changed = true;
                            break;
                        default:
                            break; // BOOKMARK: only its version counts; ERROR: the client closes the watch
                    }
                }
            }
            if (changed) {
                changed(name);
            }
            counted(() -> events++);
        }

        @Override
        public void onClose(WatcherException cause) {
            synchronized (NamespaceWatch.this) {
                if (closed || gen != generation) {
                    return;
                }
                if (cause != null && cause.isHttpGone()) {
                    needRelist = true;
                }
                synced = false;
                watch = null;
            }
            LOG.debug(
                    "Rotor source {}: the watch of namespace {} closed ({})",
                    sourceName,
                    namespace,
                    cause == null ? "by the server" : cause.isHttpGone() ? "410 Gone: relisting" : "failed");
            scheduleReconnect(gen);
            signal();
        }

        @Override
        public void onClose() {
            onClose(null);
        }
    }

    /** Schedules one refresh of the held secrets of this namespace that changed, unless one is scheduled. */
    private void changed(String name) {
        if (!held.contains(name)) {
            return;
        }
        synchronized (pendingChanges) {
            pendingChanges.add(name);
            if (changeScheduled) {
                return;
            }
            changeScheduled = true;
        }
        try {
            context.scheduler().schedule(this::deliverChanges, SETTLE);
        } catch (RuntimeException schedulerClosed) {
            synchronized (pendingChanges) {
                changeScheduled = false;
                pendingChanges.clear();
            }
        }
    }

    private void deliverChanges() {
        Set<String> names;
        synchronized (pendingChanges) {
            names = new HashSet<>(pendingChanges);
            pendingChanges.clear();
            changeScheduled = false;
        }
        context.refresh(ref -> matches(ref, names));
    }

    private boolean matches(SecretRef ref, Set<String> names) {
        String path = ref.path();
        int slash = path.indexOf('/');
        return slash > 0
                && path.regionMatches(0, namespace, 0, slash)
                && slash == namespace.length()
                && names.contains(path.substring(slash + 1));
    }

    // ---- for tests ----

    private void counted(Runnable increment) {
        synchronized (progress) {
            increment.run();
            progress.notifyAll();
        }
    }

    /** Wakes the tests waiting in {@link #await}. */
    private void signal() {
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /**
     * Waits at most {@code timeout} (real time) until {@code condition} holds, for tests whose events come from the
     * client's thread; answers whether it held. Never used by the source itself.
     */
    public boolean await(java.util.function.Predicate<NamespaceWatch> condition, Duration timeout)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (!condition.test(this)) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(progress, Math.min(left, 50_000_000L));
            }
            return true;
        }
    }

    /** Whether a reconnect is scheduled (for tests). */
    public synchronized boolean reconnectScheduled() {
        return reconnect != null;
    }

    /** How many events this watch has received (for tests). */
    public long eventsReceived() {
        synchronized (progress) {
            return events;
        }
    }

    /** The version the index holds for {@code name}, synced or not (for tests). */
    public Optional<String> indexed(String name) {
        return Optional.ofNullable(index.get(name));
    }

    /** Events received, LISTs made and watches opened so far. */
    public long[] counts() {
        synchronized (progress) {
            return new long[] {events, lists, watchesOpened};
        }
    }

    @Override
    public void close() {
        Watch w;
        synchronized (this) {
            closed = true;
            synced = false;
            w = watch;
            watch = null;
            if (reconnect != null) {
                reconnect.cancel();
                reconnect = null;
            }
            if (resyncTask != null) {
                resyncTask.cancel();
                resyncTask = null;
            }
        }
        if (w != null) {
            try {
                w.close();
            } catch (RuntimeException e) {
                LOG.debug("Rotor source {} failed to close the watch of namespace {}", sourceName, namespace);
            }
        }
        signal();
    }

    @Override
    public String toString() {
        return "NamespaceWatch{" + namespace + ", synced=" + synced + ", indexed=" + index.size() + "}";
    }
}
