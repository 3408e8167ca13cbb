/**
 * Kubernetes Secrets for Rotor, read from the API server: {@link dev.rotor.secrets.kubernetes.KubernetesSecretSource}
 * answers refs of the scheme {@code k8s:<namespace>/<name>[#key]} and sees changes through one shared watch per
 * namespace; {@link dev.rotor.secrets.kubernetes.KubernetesSecretSourceProvider} lets the client find it.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder().source(KubernetesSecretSource.create()).build();
 * String password = secrets.value("k8s:shop/db#password");
 * }</pre>
 */
package dev.rotor.secrets.kubernetes;
