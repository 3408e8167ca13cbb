package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.gcp.GoogleSecretManagerSource;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spring.RotorProperties;
import java.time.Duration;

/**
 * Builds the {@link GoogleSecretManagerSource} that {@code rotor.gcp.*} describes. Loaded only when the adapter is on
 * the class path (this class links against it).
 *
 * <pre>{@code
 * SecretSource gcp = GcpSourceBuilder.create(properties.getGcp());
 * }</pre>
 */
final class GcpSourceBuilder {
    private static final String P = "rotor.gcp.";

    private GcpSourceBuilder() {}

    static SecretSource create(RotorProperties.Gcp g) {
        GoogleSecretManagerSource.Builder b = GoogleSecretManagerSource.builder();
        String endpoint = g.getEndpoint() == null ? null : g.getEndpoint().strip();
        if (endpoint != null) {
            b.endpoint(endpoint);
        }
        Duration call = g.getCallTimeout();
        if (call != null) {
            if (call.isNegative() || call.isZero()) {
                throw new SecretConfigurationException(
                        P + "call-timeout must be positive, was " + call, null, GcpSources.SCHEME);
            }
            b.callTimeout(call);
        }
        if (g.isNoCredentials()) {
            if (endpoint == null || !isLoopbackEndpoint(endpoint)) {
                throw new SecretConfigurationException(
                        P + "no-credentials is only for a local emulator: it needs a loopback " + P
                                + "endpoint (localhost, 127.0.0.1 or [::1], with a port)",
                        null,
                        GcpSources.SCHEME);
            }
            b.noCredentials();
        }
        try {
            return b.build();
        } catch (SecretConfigurationException e) {
            // the adapter's message names its builder option; this one names the property group (and holds no value)
            throw new SecretConfigurationException("invalid " + P + "*: " + e.getMessage(), null, GcpSources.SCHEME);
        }
    }

    private static boolean isLoopbackEndpoint(String endpoint) {
        return endpoint.matches("(localhost|127(\\.[0-9]{1,3}){3}|\\[::1\\]):[0-9]{1,5}");
    }
}
