package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spring.RotorProperties;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether {@code rotor.azure.*} asks for an Azure Key Vault source, and checks that the adapter is there;
 * {@link AzureSourceBuilder} (which links against the adapter) builds it. Without any {@code rotor.azure.*} setting the
 * adapter's own provider serves {@code azure-kv:} refs with {@code DefaultAzureCredential}, and a {@code SecretSource}
 * bean for the scheme wins over both.
 *
 * <pre>{@code
 * AzureSources.fromProperties(properties.getAzure(), adapters, claimed).ifPresent(sources::add);
 * }</pre>
 */
final class AzureSources {
    static final String SCHEME = "azure-kv";
    static final String CLASS_NAME = "dev.rotor.secrets.azure.AzureKeyVaultSource";
    private static final Logger LOG = LoggerFactory.getLogger(AzureSources.class);

    private AzureSources() {}

    static Optional<SecretSource> fromProperties(RotorProperties.Azure a, Adapters adapters, Set<String> claimed) {
        Optional<String> asked = requestedBy(a);
        if (asked.isEmpty()) {
            return Optional.empty();
        }
        if (!adapters.present(CLASS_NAME)) {
            throw new SecretConfigurationException(
                    asked.get() + " is set but the Azure Key Vault adapter (dev.rotor:secrets-azure-adapter) is not on"
                            + " the class path",
                    null,
                    null);
        }
        if (claimed.contains(SCHEME)) {
            LOG.info("a SecretSource bean claims scheme azure-kv; rotor.azure.* is not used");
            return Optional.empty();
        }
        return Optional.of(AzureSourceBuilder.create(a, adapters.azureCredential()));
    }

    /** The first {@code rotor.azure.*} setting that asks for a source from properties; empty when none is set. */
    private static Optional<String> requestedBy(RotorProperties.Azure a) {
        String p = "rotor.azure.";
        if (a.isEnabled()) {
            return Optional.of(p + "enabled");
        }
        if (a.getDnsSuffix() != null) {
            return Optional.of(p + "dns-suffix");
        }
        if (!a.getVaultUrls().isEmpty()) {
            return Optional.of(p + "vault-urls");
        }
        if (a.getManagedIdentityClientId() != null) {
            return Optional.of(p + "managed-identity-client-id");
        }
        if (a.getCallTimeout() != null) {
            return Optional.of(p + "call-timeout");
        }
        if (a.getConnectTimeout() != null) {
            return Optional.of(p + "connect-timeout");
        }
        if (a.getTrustCertificates() != null) {
            return Optional.of(p + "trust-certificates");
        }
        if (a.isDisableChallengeResourceVerification()) {
            return Optional.of(p + "disable-challenge-resource-verification");
        }
        if (a.getRequestsPerSecond() != null) {
            return Optional.of(p + "requests-per-second");
        }
        return Optional.empty();
    }
}
