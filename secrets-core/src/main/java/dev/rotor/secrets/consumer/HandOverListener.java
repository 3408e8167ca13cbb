package dev.rotor.secrets.consumer;

/**
 * Told of every hand-over of a version to a {@link SecretConsumer}, and of every refusal, on the engine thread that
 * delivered the version, right after the swap (before any wait for the previous version to be let go, such as a pool
 * draining its old connections). One that throws is logged and isolated: the other listeners still run, and the
 * hand-over stands.
 *
 * <pre>{@code
 * HandOverListener listener = h -> log.info("{} on {} in {} ms", h.target(), h.version(), h.duration().toMillis());
 * }</pre>
 */
@FunctionalInterface
public interface HandOverListener {
    void onHandOver(HandOver handOver);
}
