package dev.rotor.secrets.test;

import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretEventType;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Records every event, for assertions. Thread-safe. */
public final class RecordingListener implements SecretEventListener {
    private final List<SecretEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(SecretEvent event) {
        events.add(event);
        synchronized (this) {
            notifyAll();
        }
    }

    /**
     * Waits at most {@code timeout} (real time) for an event of {@code type}, for tests whose events come from
     * another thread (a file watch, a real scheduler); answers whether one came. Returns at once if one already did.
     */
    public boolean await(SecretEventType type, java.time.Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (ofType(type).isEmpty()) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
        return true;
    }

    public List<SecretEvent> events() {
        return List.copyOf(events);
    }

    public List<SecretEvent> ofType(SecretEventType type) {
        return events.stream().filter(e -> e.type() == type).collect(Collectors.toList());
    }

    public List<SecretEventType> types() {
        return events.stream().map(SecretEvent::type).collect(Collectors.toList());
    }

    public void clear() {
        events.clear();
    }
}
