package dev.rotor.secrets.internal;

import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretPolicyException;
import dev.rotor.secrets.TimeSource;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Publishes {@link SecretEventType#REFUSED_BY_POLICY} events without letting a loop of refused reads flood the audit
 * log: at most one event per ref per {@link #WINDOW}, at most {@link #MAX_PER_WINDOW} events per window in all, and
 * the refs remembered bounded by {@link #MAX_REFS} (least recently refused forgotten first). Refusals left unreported
 * are counted, and the next event that is published says how many. Thread-safe.
 */
final class PolicyRefusals {
    static final Duration WINDOW = Duration.ofMinutes(1);
    static final int MAX_REFS = 1024;
    static final int MAX_PER_WINDOW = 100;

    private final TimeSource time;
    private final Consumer<SecretEvent> publish;
    private final Map<String, Long> lastReported = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_REFS;
        }
    };
    private long windowStart;
    private int inWindow;
    private long suppressed;
    private boolean started;

    PolicyRefusals(TimeSource time, Consumer<SecretEvent> publish) {
        this.time = time;
        this.publish = publish;
    }

    /** Reports {@code refusal} unless this ref was reported within the window or the window's budget is spent. */
    void refused(SecretPolicyException refusal) {
        String key = refusal.ref().map(Object::toString).orElse("");
        long now = time.nanoTime();
        long dropped;
        synchronized (this) {
            long window = WINDOW.toNanos();
            if (!started || now - windowStart >= window) {
                started = true;
                windowStart = now;
                inWindow = 0;
            }
            Long last = lastReported.get(key);
            if ((last != null && now - last < window) || inWindow >= MAX_PER_WINDOW) {
                suppressed++;
                return;
            }
            lastReported.put(key, now);
            inWindow++;
            dropped = suppressed;
            suppressed = 0;
        }
        SecretEvent.Builder ev = SecretEvent.builder(SecretEventType.REFUSED_BY_POLICY, time.now())
                .ref(refusal.ref().orElse(null))
                .source(refusal.source().orElse(null))
                .failure(refusal)
                .detail("not in the client's allow-list"
                        + (dropped > 0 ? "; " + dropped + " refusals not reported since the last event" : ""));
        publish.accept(ev.build());
    }

    /** How many refs are remembered (for tests of the bound). */
    synchronized int remembered() {
        return lastReported.size();
    }
}
