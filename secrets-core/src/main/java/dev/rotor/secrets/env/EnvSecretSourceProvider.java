package dev.rotor.secrets.env;

import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SecretSourceProvider;

/**
 * Supplies an {@link EnvSecretSource} over the process environment for the {@code env:} scheme when no source for it
 * is registered on the builder. Listed in {@code META-INF/services}; not meant to be called directly.
 */
public final class EnvSecretSourceProvider implements SecretSourceProvider {
    /** Called by {@link java.util.ServiceLoader}. */
    public EnvSecretSourceProvider() {}

    @Override
    public String scheme() {
        return EnvSecretSource.SCHEME;
    }

    @Override
    public SecretSource create() {
        return new EnvSecretSource();
    }
}
