package dev.rotor.secrets.kubernetes;

import dev.rotor.secrets.test.behaviour.SourceBehaviour;
import dev.rotor.secrets.test.behaviour.StoreUnderTest;

/**
 * The shared behaviours, on fabric8's mock API server in CRUD mode, with the source's watch on (its default): the
 * suite's poll asks the watch's index while the watch is up, and reads the Secret while it is down.
 */
class KubernetesBehaviourTest extends SourceBehaviour {
    @Override
    protected StoreUnderTest store() {
        return new KubernetesStore(true);
    }
}
