package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spring.RotorProperties;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether {@code rotor.gcp.*} asks for a Google Secret Manager source, and checks that the adapter is there;
 * {@link GcpSourceBuilder} (which links against the adapter) builds it. Without any {@code rotor.gcp.*} setting the
 * adapter's own provider serves {@code gcp-sm:} refs with Application Default Credentials, and a {@code SecretSource}
 * bean for the scheme wins over both.
 *
 * <pre>{@code
 * GcpSources.fromProperties(properties.getGcp(), adapters, claimed).ifPresent(sources::add);
 * }</pre>
 */
final class GcpSources {
    static final String SCHEME = "gcp-sm";
    static final String CLASS_NAME = "dev.rotor.secrets.gcp.GoogleSecretManagerSource";
    private static final Logger LOG = LoggerFactory.getLogger(GcpSources.class);

    private GcpSources() {}

    static Optional<SecretSource> fromProperties(RotorProperties.Gcp g, Adapters adapters, Set<String> claimed) {
        Optional<String> asked = requestedBy(g);
        if (asked.isEmpty()) {
            return Optional.empty();
        }
        if (!adapters.present(CLASS_NAME)) {
            throw new SecretConfigurationException(
                    asked.get() + " is set but the Google Secret Manager adapter (dev.rotor:secrets-gcp-adapter) is"
                            + " not on the class path",
                    null,
                    null);
        }
        if (claimed.contains(SCHEME)) {
            LOG.info("a SecretSource bean claims scheme gcp-sm; rotor.gcp.* is not used");
            return Optional.empty();
        }
        return Optional.of(GcpSourceBuilder.create(g));
    }

    /** The first {@code rotor.gcp.*} setting that asks for a source from properties; empty when none is set. */
    private static Optional<String> requestedBy(RotorProperties.Gcp g) {
        if (g.isEnabled()) {
            return Optional.of("rotor.gcp.enabled");
        }
        if (g.getEndpoint() != null) {
            return Optional.of("rotor.gcp.endpoint");
        }
        if (g.getCallTimeout() != null) {
            return Optional.of("rotor.gcp.call-timeout");
        }
        if (g.isNoCredentials()) {
            return Optional.of("rotor.gcp.no-credentials");
        }
        if (g.getRequestsPerSecond() != null) {
            return Optional.of("rotor.gcp.requests-per-second");
        }
        return Optional.empty();
    }
}
