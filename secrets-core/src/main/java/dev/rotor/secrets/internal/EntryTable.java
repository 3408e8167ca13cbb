package dev.rotor.secrets.internal;

import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The engine's entries by the canonical text of their ref, bounded: at most {@code maximum} entries that are not
 * pinned (pinned entries, those with a handle or a watcher, are never evicted and do not count).
 *
 * <p>A read is one {@link ConcurrentHashMap#get}: nothing is recorded in the table, so reads stay as cheap as a map
 * lookup and write no shared state. Reads mark their entry instead ({@link Entry#recentlyRead}, set only when not set
 * yet), and eviction is a clock sweep over those marks (second chance): the hand clears a mark and passes on, and
 * evicts the first unpinned entry it finds unmarked, never the entry whose making pushed the table over its bound.
 * A secret read between two passes of the hand is never evicted; one made and never read again goes the next time the
 * hand reaches it. Eviction runs only when a new entry pushes the table over its bound,
 * on the thread that made the entry (a miss, which calls the store anyway). The sweep holds the table's lock, which
 * pinning takes too: an entry is pinned only while it is in the table, so a handle never binds an evicted entry.
 */
final class EntryTable {
    private final ConcurrentHashMap<String, Entry> map = new ConcurrentHashMap<>();
    private final long maximum;
    private final Consumer<Entry> evicted;
    private final Object lock = new Object();
    // guarded by lock
    private long unpinned;
    private Iterator<Map.Entry<String, Entry>> hand;

    EntryTable(long maximum, Consumer<Entry> evicted) {
        this.maximum = maximum;
        this.evicted = evicted;
    }

    /** The entry for {@code key}, or null; records nothing. */
    Entry get(String key) {
        return map.get(key);
    }

    /** The entry for {@code key}, made with {@code make} if there is none; may evict another to stay in bounds. */
    Entry get(String key, Function<String, Entry> make) {
        Entry e = map.get(key);
        if (e != null) {
            return e;
        }
        boolean[] made = new boolean[1];
        e = map.computeIfAbsent(key, k -> {
            made[0] = true;
            return make.apply(k);
        });
        if (made[0]) {
            Entry victim = null;
            synchronized (lock) {
                unpinned++;
                if (unpinned > maximum) {
                    victim = evictOne(e);
                }
            }
            if (victim != null) {
                evicted.accept(victim); // outside the lock: it cancels the victim's tasks under the victim's own lock
            }
        }
        return e;
    }

    /**
     * Marks {@code e} pinned: it is never evicted from now on and no longer counts towards the bound.
     *
     * @return false if {@code e} is no longer in the table (evicted since it was looked up): the caller looks again
     */
    boolean pin(Entry e) {
        synchronized (lock) {
            if (map.get(e.ref.toString()) != e) {
                return false;
            }
            if (!e.pinned) {
                e.pinned = true;
                unpinned--;
            }
            return true;
        }
    }

    /** A live view of the entries held. */
    Collection<Entry> values() {
        return map.values();
    }

    int size() {
        return map.size();
    }

    /** Drops every entry without calling the eviction callback (the client is closing). */
    void clear() {
        synchronized (lock) {
            map.clear();
            unpinned = 0;
            hand = null;
        }
    }

    // guarded by lock; at most two passes over the table; never the entry just made; the entry removed, or null
    private Entry evictOne(Entry made) {
        long steps = 2L * map.size() + 2;
        for (long i = 0; i < steps; i++) {
            if (hand == null || !hand.hasNext()) {
                hand = map.entrySet().iterator();
                if (!hand.hasNext()) {
                    return null;
                }
            }
            Map.Entry<String, Entry> m = hand.next();
            Entry e = m.getValue();
            if (e.pinned || e == made) {
                continue;
            }
            if (e.recentlyRead) {
                e.recentlyRead = false;
                continue;
            }
            if (map.remove(m.getKey(), e)) {
                unpinned--;
                return e;
            }
        }
        return null;
    }
}
