package dev.rotor.secrets.azure;

import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SecretSourceProvider;

/**
 * Supplies an {@link AzureKeyVaultSource} with its defaults ({@code DefaultAzureCredential}, the public cloud's
 * {@code vault.azure.net}, clients built on the first fetch, never at discovery) for the {@code azure-kv:} scheme when
 * no source for it is registered on the builder. Listed in {@code META-INF/services}; not meant to be called directly.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder().build();                   // finds this provider on the class path
 * String key = secrets.value("azure-kv:orders-prod/api-key");     // the client is built here, on first use
 * }</pre>
 */
public final class AzureKeyVaultSourceProvider implements SecretSourceProvider {
    /** Called by {@link java.util.ServiceLoader}. */
    public AzureKeyVaultSourceProvider() {}

    @Override
    public String scheme() {
        return AzureKeyVaultSource.SCHEME;
    }

    @Override
    public SecretSource create() {
        return AzureKeyVaultSource.create();
    }
}
