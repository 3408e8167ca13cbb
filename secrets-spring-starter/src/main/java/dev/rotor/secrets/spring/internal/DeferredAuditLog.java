package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.JsonAuditLogger;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventListener;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log of the client that {@code spring.config.import=rotor:...} builds. That client loads its secrets
 * while Spring Boot is still preparing the environment, before it has set up logging (Boot's Logback support drops
 * every record until then), so the records of those first loads are kept here and written to {@value
 * JsonAuditLogger#LOGGER_NAME} once {@link #release()} is called, in order; after that every record goes straight
 * through. At most {@value #MAX_HELD} records are kept; more are counted and the count is logged on release.
 *
 * <p>Thread-safe: records are written under one lock, so the held ones always come first.
 */
final class DeferredAuditLog implements SecretEventListener {
    static final int MAX_HELD = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(DeferredAuditLog.class);

    private final SecretEventListener target;
    private List<SecretEvent> held = new ArrayList<>(); // null once released; guarded by this
    private int dropped; // guarded by this

    DeferredAuditLog() {
        this(new JsonAuditLogger());
    }

    DeferredAuditLog(SecretEventListener target) {
        this.target = target;
    }

    @Override
    public synchronized void onEvent(SecretEvent event) {
        if (held == null) {
            target.onEvent(event);
        } else if (held.size() < MAX_HELD) {
            held.add(event);
        } else {
            dropped++;
        }
    }

    /** Writes the held records and lets every later one through. Idempotent. */
    synchronized void release() {
        List<SecretEvent> records = held;
        if (records == null) {
            return;
        }
        held = null;
        records.forEach(target::onEvent);
        if (dropped > 0) {
            LOG.warn("{} audit records of the start-up were not kept (at most {} are)", dropped, MAX_HELD);
        }
    }
}
