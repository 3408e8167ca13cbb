package dev.rotor.secrets.kubernetes;

import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SecretSourceProvider;

/**
 * Supplies a {@link KubernetesSecretSource} with its defaults (the in-cluster service account or the kubeconfig, read
 * on the first fetch, never at discovery) for the {@code k8s:} scheme when no source for it is registered on the
 * builder. Listed in {@code META-INF/services}; not meant to be called directly.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder().build();             // finds this provider on the class path
 * String key = secrets.value("k8s:shop/api#key");            // the client is built here, on first use
 * }</pre>
 */
public final class KubernetesSecretSourceProvider implements SecretSourceProvider {
    /** Called by {@link java.util.ServiceLoader}. */
    public KubernetesSecretSourceProvider() {}

    @Override
    public String scheme() {
        return KubernetesSecretSource.SCHEME;
    }

    @Override
    public SecretSource create() {
        return KubernetesSecretSource.create();
    }
}
