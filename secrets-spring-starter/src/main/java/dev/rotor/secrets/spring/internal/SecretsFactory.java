package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretDeclaration;
import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.StalePolicy;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spring.RotorProperties;
import dev.rotor.secrets.spring.RotorSecretsCustomizer;
import java.time.Duration;
import java.util.List;

/**
 * Turns {@link RotorProperties} (and whatever the context or the bootstrap registry adds) into a {@link
 * Secrets.Builder}. Used by the auto-configuration and by the config-data import, so both build the same client.
 *
 * <pre>{@code
 * Secrets secrets = SecretsFactory.builder(properties, sources, validators, listeners, customizers).build();
 * }</pre>
 */
public final class SecretsFactory {
    private SecretsFactory() {}

    /**
     * A builder configured from the properties, the given sources, validators and event listeners, with the
     * customizers applied last.
     *
     * @throws SecretConfigurationException naming the property when a value is out of range or conflicts
     */
    public static Secrets.Builder builder(
            RotorProperties properties,
            List<SecretSource> sources,
            List<SecretValidator> validators,
            List<SecretEventListener> listeners,
            List<RotorSecretsCustomizer> customizers) {
        Secrets.Builder builder = Secrets.builder()
                .discoverSources(properties.isDiscoverSources())
                .revokeOnClose(properties.isRevokeOnClose())
                .maximumEntries(properties.getMaximumEntries())
                .auditLog(properties.getAudit().isEnabled())
                .refreshPolicy(refreshPolicy(properties.getRefresh()))
                .stalePolicy(stalePolicy(properties.getStale()));
        for (SecretSource source : propertySources(properties)) {
            builder.source(source);
        }
        sources.forEach(builder::source);
        validators.forEach(builder::validator);
        listeners.forEach(builder::eventListener);
        List<RotorProperties.Declaration> declarations = properties.getSecrets();
        for (int i = 0; i < declarations.size(); i++) {
            builder.declare(declaration(i, declarations.get(i)));
        }
        customizers.forEach(c -> c.customize(builder));
        return builder;
    }

    /**
     * The sources the {@code rotor.vault.*} and {@code rotor.aws.*} groups describe. The extension point for the
     * adapters: each is created here, only when its adapter's classes are present. None yet.
     */
    static List<SecretSource> propertySources(RotorProperties properties) {
        return List.of();
    }

    static RefreshPolicy refreshPolicy(RotorProperties.Refresh r) {
        try {
            return RefreshPolicy.builder()
                    .leaseFraction(r.getLeaseFraction())
                    .leaseJitter(r.getLeaseJitter())
                    .pollInterval(set("poll-interval", r.getPollInterval()))
                    .pollJitter(r.getPollJitter())
                    .afterRotationDelay(set("after-rotation-delay", r.getAfterRotationDelay()))
                    .initialBackoff(set("initial-backoff", r.getInitialBackoff()))
                    .maxBackoff(set("max-backoff", r.getMaxBackoff()))
                    .minBackoff(set("min-backoff", r.getMinBackoff()))
                    .attemptsBeforeExpiry(r.getAttemptsBeforeExpiry())
                    .maxInFlightPerSource(r.getMaxInFlightPerSource())
                    .loadTimeout(set("load-timeout", r.getLoadTimeout()))
                    .revokeDelay(set("revoke-delay", r.getRevokeDelay()))
                    .wipeDelay(set("wipe-delay", r.getWipeDelay()))
                    .build();
        } catch (SecretConfigurationException e) {
            throw new SecretConfigurationException("invalid rotor.refresh.*: " + e.getMessage(), null, null, e);
        }
    }

    private static Duration set(String name, Duration value) {
        if (value == null) {
            throw new SecretConfigurationException("rotor.refresh." + name + " must be set", null, null);
        }
        return value;
    }

    static StalePolicy stalePolicy(RotorProperties.Stale s) {
        if (s.getPolicy() == null || s.getPolicy() == RotorProperties.StaleMode.STRICT) {
            if (s.getMaxStaleness() != null) {
                throw new SecretConfigurationException(
                        "rotor.stale.max-staleness needs rotor.stale.policy=serve-stale", null, null);
            }
            return StalePolicy.strict();
        }
        if (s.getMaxStaleness() == null) {
            return StalePolicy.serveStale();
        }
        try {
            return StalePolicy.serveStaleFor(s.getMaxStaleness());
        } catch (SecretConfigurationException e) {
            throw new SecretConfigurationException(
                    "rotor.stale.max-staleness must be positive, was " + s.getMaxStaleness(), null, null, e);
        }
    }

    static SecretDeclaration declaration(int index, RotorProperties.Declaration d) {
        String prefix = "rotor.secrets[" + index + "].";
        if (d.getRef() == null || d.getRef().isBlank()) {
            throw new SecretConfigurationException(prefix + "ref must be set", null, null);
        }
        SecretDeclaration declaration;
        try {
            declaration = SecretDeclaration.of(d.getRef()).required(d.isRequired());
            if (d.getOwner() != null) {
                declaration = declaration.owner(d.getOwner());
            }
            if (d.getMaxAge() != null) {
                declaration = declaration.maxAge(d.getMaxAge());
            }
        } catch (RuntimeException e) {
            throw new SecretConfigurationException(prefix + "*: " + e.getMessage(), null, null, e);
        }
        return declaration;
    }
}
