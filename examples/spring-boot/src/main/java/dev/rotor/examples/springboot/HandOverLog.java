package dev.rotor.examples.springboot;

import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.consumer.HandOverListener;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Hears every hand-over of a new credentials version to the pool (the starter tells every {@link HandOverListener}
 * bean), logs it and counts it. A hand-over names versions and durations, never a value.
 *
 * <pre>{@code
 * pool accounts now on version 3 (was 2), swap took 1.4 ms
 * }</pre>
 */
@Component
class HandOverLog implements HandOverListener {
    private static final Logger LOG = LoggerFactory.getLogger(HandOverLog.class);

    private final AtomicInteger succeeded = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    @Override
    public void onHandOver(HandOver h) {
        if (h.succeeded()) {
            succeeded.incrementAndGet();
            LOG.info(
                    "pool {} now on version {} (was {}), swap took {} ms",
                    h.target(),
                    h.version(),
                    h.previousVersion().orElse("-"),
                    String.format(java.util.Locale.ROOT, "%.1f", h.duration().toNanos() / 1e6));
        } else {
            refused.incrementAndGet();
            LOG.warn(
                    "pool {} kept its credentials: version {} was refused ({})",
                    h.target(),
                    h.version(),
                    h.failure().orElse(""));
        }
    }

    int succeeded() {
        return succeeded.get();
    }

    int refused() {
        return refused.get();
    }
}
