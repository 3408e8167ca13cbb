package dev.rotor.secrets.kubernetes;

import dev.rotor.secrets.test.behaviour.SourceBehaviour;
import dev.rotor.secrets.test.behaviour.StoreUnderTest;

/** The shared behaviours with the watch turned off: every poll is a GET, as for a caller with only {@code get}. */
class KubernetesPollingBehaviourTest extends SourceBehaviour {
    @Override
    protected StoreUnderTest store() {
        return new KubernetesStore(false);
    }
}
