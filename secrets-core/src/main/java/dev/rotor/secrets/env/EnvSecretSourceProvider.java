package dev.rotor.secrets.env;

import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SecretSourceProvider;

/**
 * Supplies an {@link EnvSecretSource} for the {@code env:} scheme when no source for it is registered on the builder:
 * one that reads no variable until the application opts in (see {@link EnvSecretSource#allowing(String...)}), and says
 * so in its error. Listed in {@code META-INF/services}; not meant to be called directly.
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
        return EnvSecretSource.discovered();
    }
}
