package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.kubernetes.KubernetesSecretSource;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spring.RotorProperties;
import java.time.Duration;

/**
 * Builds the {@link KubernetesSecretSource} that {@code rotor.kubernetes.*} describes. Loaded only when the adapter is
 * on the class path (this class links against it).
 *
 * <pre>{@code
 * SecretSource k8s = KubernetesSourceBuilder.create(properties.getKubernetes());
 * }</pre>
 */
final class KubernetesSourceBuilder {
    private static final String P = "rotor.kubernetes.";

    private KubernetesSourceBuilder() {}

    static SecretSource create(RotorProperties.Kubernetes k) {
        KubernetesSecretSource.Builder b =
                KubernetesSecretSource.builder().watch(k.isWatch()).allowInsecureHttp(k.isAllowInsecureHttp());
        if (k.getMasterUrl() != null) {
            b.masterUrl(k.getMasterUrl());
        }
        if (k.getRequestTimeout() != null) {
            b.requestTimeout(positive("request-timeout", k.getRequestTimeout()));
        }
        if (k.getConnectionTimeout() != null) {
            b.connectionTimeout(positive("connection-timeout", k.getConnectionTimeout()));
        }
        if (k.getResyncInterval() != null) {
            b.resyncInterval(positive("resync-interval", k.getResyncInterval()));
        }
        if (k.getLabelSelector() != null) {
            b.labelSelector(k.getLabelSelector().strip());
        }
        if (k.getFieldSelector() != null) {
            b.fieldSelector(k.getFieldSelector().strip());
        }
        try {
            return b.build();
        } catch (SecretConfigurationException e) {
            // the adapter's message names its builder option; this one names the property group (and holds no value)
            throw new SecretConfigurationException(
                    "invalid " + P + "*: " + e.getMessage(), null, KubernetesSources.SCHEME);
        }
    }

    private static Duration positive(String property, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new SecretConfigurationException(
                    P + property + " must be positive, was " + d, null, KubernetesSources.SCHEME);
        }
        return d;
    }
}
