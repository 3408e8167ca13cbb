package dev.rotor.secrets.spi;

/**
 * Found through {@link java.util.ServiceLoader} to supply a {@link SecretSource} for a scheme that no source
 * registered on the builder claims. List implementations in
 * {@code META-INF/services/dev.rotor.secrets.spi.SecretSourceProvider}.
 *
 * <p>Providers are consulted in the order of their class names, so discovery is deterministic; two providers for one
 * scheme are a configuration error unless a source for that scheme is registered explicitly.
 */
public interface SecretSourceProvider {
    /** The scheme the created source answers. */
    String scheme();

    /** Creates the source with its defaults. Called at most once per client, when the client is built. */
    SecretSource create();
}
