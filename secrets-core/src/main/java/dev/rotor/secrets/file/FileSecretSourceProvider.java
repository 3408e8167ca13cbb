package dev.rotor.secrets.file;

import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SecretSourceProvider;

/**
 * Supplies a {@link FileSecretSource} with its defaults for the {@code file:} scheme when no source for it is
 * registered on the builder. Listed in {@code META-INF/services}; not meant to be called directly.
 */
public final class FileSecretSourceProvider implements SecretSourceProvider {
    /** Called by {@link java.util.ServiceLoader}. */
    public FileSecretSourceProvider() {}

    @Override
    public String scheme() {
        return FileSecretSource.SCHEME;
    }

    @Override
    public SecretSource create() {
        return FileSecretSource.create();
    }
}
