package dev.rotor.secrets.gcp;

import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SecretSourceProvider;

/**
 * Supplies a {@link GoogleSecretManagerSource} with its defaults (Application Default Credentials, read when the first
 * client is built on the first fetch, never at discovery) for the {@code gcp-sm:} scheme when no source for it is
 * registered on the builder. Listed in {@code META-INF/services}; not meant to be called directly.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder().build();                  // finds this provider on the class path
 * String key = secrets.value("gcp-sm:my-project/api-key");       // the client is built here, on first use
 * }</pre>
 */
public final class GoogleSecretManagerSourceProvider implements SecretSourceProvider {
    /** Called by {@link java.util.ServiceLoader}. */
    public GoogleSecretManagerSourceProvider() {}

    @Override
    public String scheme() {
        return GoogleSecretManagerSource.SCHEME;
    }

    @Override
    public SecretSource create() {
        return GoogleSecretManagerSource.create();
    }
}
