package dev.rotor.secrets;

/**
 * Receives every {@link SecretEvent}. Called synchronously on the thread that performed the step (an engine thread,
 * or a reader's thread for {@link SecretEventType#STALE_SERVED}), so keep it quick. A listener that throws is logged
 * and isolated: the other listeners still run and the engine carries on.
 */
@FunctionalInterface
public interface SecretEventListener {
    void onEvent(SecretEvent event);
}
