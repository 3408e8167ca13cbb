package dev.rotor.secrets.internal;

import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hands events to listeners in registration order; a listener that throws is logged and skipped. */
public final class EventBus {
    private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);
    private final List<SecretEventListener> listeners = new CopyOnWriteArrayList<>();

    public void add(SecretEventListener listener) {
        listeners.add(listener);
    }

    public void remove(SecretEventListener listener) {
        listeners.remove(listener);
    }

    public void publish(SecretEvent event) {
        for (SecretEventListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (Throwable t) {
                LOG.warn(
                        "Rotor event listener {} threw {} on {} event; ignored",
                        l.getClass().getName(),
                        t.getClass().getName(),
                        event.type());
            }
        }
    }
}
