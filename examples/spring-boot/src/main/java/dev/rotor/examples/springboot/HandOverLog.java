package dev.rotor.examples.springboot;

import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.consumer.HandOverListener;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Hears every hand-over of a new version (the starter tells every {@link HandOverListener} bean): to the pool, and with
 * the profile {@code tls} to the SSL bundle {@code web}; logs each and counts the pool's. A hand-over names versions
 * and durations, never a value.
 *
 * <pre>{@code
 * pool accounts now on version 3 (was 2), swap took 1.4 ms
 * SSL bundle web now on version 2 (was 1), swap took 38.0 ms
 * }</pre>
 */
@Component
class HandOverLog implements HandOverListener {
    private static final Logger LOG = LoggerFactory.getLogger(HandOverLog.class);

    private final AtomicInteger succeeded = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    @Override
    public void onHandOver(HandOver h) {
        boolean pool = h.target().equals(DemoApplication.POOL);
        String what = (pool ? "pool " : "SSL bundle ") + h.target();
        if (h.succeeded()) {
            if (pool) {
                succeeded.incrementAndGet();
            }
            LOG.info(
                    "{} now on version {} (was {}), swap took {} ms",
                    what,
                    h.version(),
                    h.previousVersion().orElse("-"),
                    String.format(java.util.Locale.ROOT, "%.1f", h.duration().toNanos() / 1e6));
        } else {
            if (pool) {
                refused.incrementAndGet();
            }
            LOG.warn(
                    "{} kept what it had: version {} was refused ({})",
                    what,
                    h.version(),
                    h.failure().orElse(""));
        }
    }

    /** Hand-overs to the pool. */
    int succeeded() {
        return succeeded.get();
    }

    /** Versions the pool refused. */
    int refused() {
        return refused.get();
    }
}
