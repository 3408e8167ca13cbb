package dev.rotor.secrets.aws;

import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SecretSourceProvider;

/**
 * Supplies an {@link AwsSecretsManagerSource} with its defaults (the SDK's default credentials chain and region,
 * resolved on the first fetch, never at discovery) for the {@code aws-sm:} scheme when no source for it is registered
 * on the builder. Listed in {@code META-INF/services}; not meant to be called directly.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder().build();               // finds this provider on the class path
 * String key = secrets.value("aws-sm:prod/api#key");          // the client is built here, on first use
 * }</pre>
 */
public final class AwsSecretsManagerSourceProvider implements SecretSourceProvider {
    /** Called by {@link java.util.ServiceLoader}. */
    public AwsSecretsManagerSourceProvider() {}

    @Override
    public String scheme() {
        return AwsSecretsManagerSource.SCHEME;
    }

    @Override
    public SecretSource create() {
        return AwsSecretsManagerSource.create();
    }
}
