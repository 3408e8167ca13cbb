package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spring.RotorProperties;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether {@code rotor.kubernetes.*} asks for a Kubernetes Secrets source, and checks that the adapter is
 * there; {@link KubernetesSourceBuilder} (which links against the adapter) builds it. Without any {@code
 * rotor.kubernetes.*} setting the adapter's own provider serves {@code k8s:} refs with the in-cluster service account
 * or the kubeconfig, and a {@code SecretSource} bean for the scheme wins over both.
 *
 * <pre>{@code
 * KubernetesSources.fromProperties(properties.getKubernetes(), adapters, claimed).ifPresent(sources::add);
 * }</pre>
 */
final class KubernetesSources {
    static final String SCHEME = "k8s";
    static final String CLASS_NAME = "dev.rotor.secrets.kubernetes.KubernetesSecretSource";
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesSources.class);

    private KubernetesSources() {}

    static Optional<SecretSource> fromProperties(RotorProperties.Kubernetes k, Adapters adapters, Set<String> claimed) {
        Optional<String> asked = requestedBy(k);
        if (asked.isEmpty()) {
            return Optional.empty();
        }
        if (!adapters.present(CLASS_NAME)) {
            throw new SecretConfigurationException(
                    asked.get() + " is set but the Kubernetes adapter (dev.rotor:secrets-kubernetes-adapter) is not on"
                            + " the class path",
                    null,
                    null);
        }
        if (claimed.contains(SCHEME)) {
            LOG.info("a SecretSource bean claims scheme k8s; rotor.kubernetes.* is not used");
            return Optional.empty();
        }
        return Optional.of(KubernetesSourceBuilder.create(k));
    }

    /** The first {@code rotor.kubernetes.*} setting that asks for a source from properties; empty when none is set. */
    private static Optional<String> requestedBy(RotorProperties.Kubernetes k) {
        String p = "rotor.kubernetes.";
        if (k.isEnabled()) {
            return Optional.of(p + "enabled");
        }
        if (k.getMasterUrl() != null) {
            return Optional.of(p + "master-url");
        }
        if (k.isAllowInsecureHttp()) {
            return Optional.of(p + "allow-insecure-http");
        }
        if (k.getRequestTimeout() != null) {
            return Optional.of(p + "request-timeout");
        }
        if (k.getConnectionTimeout() != null) {
            return Optional.of(p + "connection-timeout");
        }
        if (!k.isWatch()) {
            return Optional.of(p + "watch");
        }
        if (k.getLabelSelector() != null) {
            return Optional.of(p + "label-selector");
        }
        if (k.getFieldSelector() != null) {
            return Optional.of(p + "field-selector");
        }
        if (k.getResyncInterval() != null) {
            return Optional.of(p + "resync-interval");
        }
        if (k.getRequestsPerSecond() != null) {
            return Optional.of(p + "requests-per-second");
        }
        return Optional.empty();
    }
}
