package dev.rotor.secrets.internal;

import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands events to listeners in registration order; a listener that throws is logged and skipped. Each event is first
 * completed by the enricher (the client's where and the source's who), once, so every listener sees the same record.
 */
public final class EventBus {
    private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);
    private final List<SecretEventListener> listeners = new CopyOnWriteArrayList<>();

    private volatile UnaryOperator<SecretEvent> enricher = UnaryOperator.identity();

    /** Sets what completes every event before the listeners see it. */
    public void enrichWith(UnaryOperator<SecretEvent> enricher) {
        this.enricher = enricher;
    }

    public void add(SecretEventListener listener) {
        listeners.add(listener);
    }

    public void remove(SecretEventListener listener) {
        listeners.remove(listener);
    }

    public void publish(SecretEvent raw) {
        SecretEvent event = raw;
        try {
            event = enricher.apply(raw);
        } catch (RuntimeException e) {
            LOG.warn(
                    "Rotor could not complete the audit fields of a {} event: {}",
                    raw.type(),
                    e.getClass().getName());
        }
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
