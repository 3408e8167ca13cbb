package dev.rotor.secrets.jdbc;

/**
 * Told of every hand-over of a version to a pool, on the engine thread that delivered the version, right after the
 * swap (before any wait for old connections to drain). One that throws is logged and isolated.
 *
 * <pre>{@code
 * HandOverListener log = h -> System.out.println(h.version() + " in " + h.duration().toMillis() + " ms");
 * }</pre>
 */
@FunctionalInterface
public interface HandOverListener {
    void onHandOver(HandOver handOver);
}
