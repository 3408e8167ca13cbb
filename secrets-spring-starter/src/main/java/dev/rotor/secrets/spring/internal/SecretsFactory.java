package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretDeclaration;
import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SignalThresholds;
import dev.rotor.secrets.StalePolicy;
import dev.rotor.secrets.env.EnvSecretSource;
import dev.rotor.secrets.file.FileSecretSource;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spring.RotorProperties;
import dev.rotor.secrets.spring.RotorSecretsCustomizer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns {@link RotorProperties} (and whatever the context or the bootstrap registry adds) into a {@link
 * Secrets.Builder}. Used by the auto-configuration and by the config-data import, so both build the same client.
 *
 * <pre>{@code
 * Secrets secrets = SecretsFactory.builder(properties, sources, validators, listeners, customizers).build();
 * }</pre>
 */
public final class SecretsFactory {
    private static final Logger LOG = LoggerFactory.getLogger(SecretsFactory.class);

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
        return builder(
                properties,
                sources,
                validators,
                listeners,
                customizers,
                Adapters.of(SecretsFactory.class.getClassLoader()));
    }

    /**
     * As {@link #builder(RotorProperties, List, List, List, List)}, looking for the adapters in {@code adapters}'
     * class loader and giving them what the context holds for them.
     */
    public static Secrets.Builder builder(
            RotorProperties properties,
            List<SecretSource> sources,
            List<SecretValidator> validators,
            List<SecretEventListener> listeners,
            List<RotorSecretsCustomizer> customizers,
            Adapters adapters) {
        return builder(properties, sources, validators, listeners, customizers, adapters, List.of());
    }

    /**
     * As {@link #builder(RotorProperties, List, List, List, List, Adapters)}, {@code namedRefs} being refs the
     * configuration names outside {@code rotor.*} (the {@code spring.config.import=rotor:...} entries): the file:
     * source may read the directories of theirs.
     */
    public static Secrets.Builder builder(
            RotorProperties properties,
            List<SecretSource> sources,
            List<SecretValidator> validators,
            List<SecretEventListener> listeners,
            List<RotorSecretsCustomizer> customizers,
            Adapters adapters,
            List<String> namedRefs) {
        if (properties.getMaximumEntries() < 1) {
            throw new SecretConfigurationException(
                    "rotor.maximum-entries must be at least 1, was " + properties.getMaximumEntries(), null, null);
        }
        Set<String> claimed = new HashSet<>();
        sources.forEach(s -> claimed.add(s.scheme()));
        Secrets.Builder builder = Secrets.builder()
                .discoverSources(properties.isDiscoverSources())
                .revokeOnClose(properties.isRevokeOnClose())
                .maximumEntries(properties.getMaximumEntries())
                .auditLog(properties.getAudit().isEnabled())
                .refreshPolicy(refreshPolicy(properties.getRefresh()))
                .stalePolicy(stalePolicy(properties.getStale()))
                .signalThresholds(signalThresholds(properties.getSignals()))
                // filled with Micrometer observations once the context has a registry (built before it, for imports)
                .observer(new ObserverSlot());
        for (SecretSource source : propertySources(properties, adapters, claimed, RefReader.discovered())) {
            builder.source(source);
            Double budget = null;
            String property = null;
            if (source.scheme().equals(VaultSources.SCHEME)) {
                budget = properties.getVault().getRequestsPerSecond();
                property = "rotor.vault.requests-per-second";
            } else if (source.scheme().equals(AwsSources.SCHEME)) {
                budget = properties.getAws().getRequestsPerSecond();
                property = "rotor.aws.requests-per-second";
            } else if (source.scheme().equals(GcpSources.SCHEME)) {
                budget = properties.getGcp().getRequestsPerSecond();
                property = "rotor.gcp.requests-per-second";
            } else if (source.scheme().equals(AzureSources.SCHEME)) {
                budget = properties.getAzure().getRequestsPerSecond();
                property = "rotor.azure.requests-per-second";
            } else if (source.scheme().equals(KubernetesSources.SCHEME)) {
                budget = properties.getKubernetes().getRequestsPerSecond();
                property = "rotor.kubernetes.requests-per-second";
            }
            if (budget != null) {
                // a layer of one option over rotor.refresh.*, for this source's secrets only
                builder.refreshPolicy(
                        source.name(),
                        RefreshPolicy.builder()
                                .requestsPerSecond(requestsPerSecond(property, budget))
                                .build());
            }
        }
        if (!claimed.contains(EnvSecretSource.SCHEME)
                && !properties.getEnv().getAllow().isEmpty()) {
            builder.source(envSource(properties));
        }
        // the file: source discovery would find, confined (rotor.discover-sources=false still leaves file: unknown)
        if (properties.isDiscoverSources() && !claimed.contains(FileSecretSource.SCHEME)) {
            if (properties.getFile().isConfine()) {
                builder.source(fileSource(properties, namedRefs));
            } else {
                LOG.warn("rotor.file.confine=false: file: refs may read any file this process can");
            }
        }
        sources.forEach(builder::source);
        validators.forEach(builder::validator);
        listeners.forEach(builder::eventListener);
        List<RotorProperties.Declaration> declarations = properties.getSecrets();
        for (int i = 0; i < declarations.size(); i++) {
            builder.declare(declaration(i, declarations.get(i)));
        }
        List<String> allowed = properties.getPolicy().getAllowedRefs();
        if (!allowed.isEmpty()) {
            builder.allowRefs(allowed.stream().map(String::strip).toArray(String[]::new));
        }
        customizers.forEach(c -> c.customize(builder));
        return builder;
    }

    /**
     * The env: source for {@code rotor.env.allow} (to which the config import adds the variables its entries name:
     * naming a variable there is the application's opt-in).
     */
    static EnvSecretSource envSource(RotorProperties properties) {
        List<String> allow = new ArrayList<>(properties.getEnv().getAllow());
        try {
            return EnvSecretSource.allowing(System.getenv(), allow);
        } catch (SecretConfigurationException e) {
            throw new SecretConfigurationException("rotor.env.allow: " + e.getMessage(), null, EnvSecretSource.SCHEME);
        }
    }

    /** The conventional secret mounts, allowed when {@code rotor.file.allowed-directories} is empty. */
    static final List<String> CONVENTIONAL_MOUNTS = List.of("/run/secrets", "/var/run/secrets", "/etc/secrets");

    /**
     * The file: source confined to {@code rotor.file.allowed-directories} (the conventional mounts when empty) and
     * the directories of the file: refs the configuration names: {@code rotor.*-ref} properties, {@code
     * rotor.datasource.ref}, {@code rotor.secrets[n].ref}, {@code rotor.ssl.bundle.<name>.*ref} and {@code namedRefs}.
     */
    static FileSecretSource fileSource(RotorProperties properties, List<String> namedRefs) {
        Set<Path> directories = new LinkedHashSet<>();
        List<String> allowed = properties.getFile().getAllowedDirectories();
        List<String> listed = allowed.isEmpty() ? CONVENTIONAL_MOUNTS : allowed;
        for (int i = 0; i < listed.size(); i++) {
            String d = listed.get(i);
            if (d == null || d.isBlank()) {
                throw new SecretConfigurationException(
                        "rotor.file.allowed-directories[" + i + "] is empty", null, FileSecretSource.SCHEME);
            }
            try {
                directories.add(Path.of(d.strip()).toAbsolutePath().normalize());
            } catch (InvalidPathException e) {
                throw new SecretConfigurationException(
                        "rotor.file.allowed-directories[" + i + "] is not a path", null, FileSecretSource.SCHEME);
            }
        }
        List<String> refs = new ArrayList<>(configuredRefs(properties));
        refs.addAll(namedRefs);
        for (String ref : refs) {
            fileDirectory(ref).ifPresent(directories::add);
        }
        return FileSecretSource.builder()
                .confineTo(directories.toArray(new Path[0]))
                .build();
    }

    /**
     * The refs {@code rotor.*} names: the {@code *-ref} properties, the pool's, the declared secrets' and the SSL
     * bundles'.
     */
    static List<String> configuredRefs(RotorProperties properties) {
        List<String> out = new ArrayList<>();
        RotorProperties.Vault.Auth auth = properties.getVault().getAuth();
        out.add(auth.getSecretIdRef());
        out.add(auth.getTokenRef());
        out.add(auth.getPasswordRef());
        out.add(properties.getDatasource().getRef());
        properties.getSecrets().forEach(d -> out.add(d.getRef()));
        properties.getSsl().getBundle().values().forEach(b -> {
            out.add(b.getRef());
            out.add(b.getTrustRef());
            out.add(b.getKeyPasswordRef());
        });
        out.removeIf(Objects::isNull);
        return out;
    }

    /**
     * The directory a file: ref reads in: the path itself when it is a directory (a mounted secret of one file per
     * field), else its parent. Empty for any other ref, or text that is not one (never echoed: it may be a
     * credential pasted where its ref belongs).
     */
    static Optional<Path> fileDirectory(String ref) {
        String prefix = FileSecretSource.SCHEME + ":";
        if (ref == null || !ref.strip().startsWith(prefix)) {
            return Optional.empty();
        }
        try {
            String path = SecretRef.parse(ref.strip()).path();
            Path p = Path.of(path).toAbsolutePath().normalize();
            if (Files.isDirectory(p)) {
                return Optional.of(p);
            }
            return Optional.ofNullable(p.getParent());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The sources the {@code rotor.vault.*}, {@code rotor.aws.*} and {@code rotor.gcp.*} groups describe, each created only when its
     * adapter's classes are present in the adapters' class loader and no source bean claims its scheme.
     *
     * @throws SecretConfigurationException naming the property when a setting is missing or conflicts, or when a
     *     group is set but its adapter is not on the class path
     */
    static List<SecretSource> propertySources(
            RotorProperties properties, Adapters adapters, Set<String> claimed, RefReader refs) {
        List<SecretSource> out = new ArrayList<>();
        RotorProperties.Vault vault = properties.getVault();
        if (vault.getAddress() != null) {
            if (!adapters.present(VaultSources.CLASS_NAME)) {
                throw new SecretConfigurationException(
                        "rotor.vault.address is set but the Vault adapter (dev.rotor:secrets-vault-adapter) is not on"
                                + " the class path",
                        null,
                        null);
            }
            if (claimed.contains(VaultSources.SCHEME)) {
                LOG.info("a SecretSource bean claims scheme vault; rotor.vault.* is not used");
            } else {
                out.add(VaultSources.create(vault, refs));
            }
        } else if (vaultSetWithoutAddress(vault)) {
            throw new SecretConfigurationException("rotor.vault.* is set but rotor.vault.address is not", null, null);
        }
        RotorProperties.Aws aws = properties.getAws();
        if (awsRequested(aws)) {
            if (!adapters.present(AwsSources.CLASS_NAME)) {
                throw new SecretConfigurationException(
                        (aws.getRegion() != null ? "rotor.aws.region" : "rotor.aws.endpoint")
                                + " is set but the AWS adapter (dev.rotor:secrets-aws-adapter) is not on the class"
                                + " path",
                        null,
                        null);
            }
            if (claimed.contains(AwsSources.SCHEME)) {
                LOG.info("a SecretSource bean claims scheme aws-sm; rotor.aws.* is not used");
            } else {
                out.add(AwsSources.create(aws, adapters.awsCredentials()));
            }
        } else {
            awsSetWithoutSource(aws).ifPresent(name -> {
                throw new SecretConfigurationException(
                        name + " needs rotor.aws.region or rotor.aws.endpoint", null, null);
            });
        }
        GcpSources.fromProperties(properties.getGcp(), adapters, claimed).ifPresent(out::add);
        AzureSources.fromProperties(properties.getAzure(), adapters, claimed).ifPresent(out::add);
        KubernetesSources.fromProperties(properties.getKubernetes(), adapters, claimed)
                .ifPresent(out::add);
        return out;
    }

    /** The {@code rotor.vault.*} settings other than the address that are set: they need the address. */
    private static boolean vaultSetWithoutAddress(RotorProperties.Vault v) {
        RotorProperties.Vault.Auth a = v.getAuth();
        RotorProperties.Vault.Tls t = v.getTls();
        return v.getNamespace() != null
                || v.getConnectTimeout() != null
                || v.getReadTimeout() != null
                || v.getCallTimeout() != null
                || !v.getAllowPaths().isEmpty()
                || v.getRequestsPerSecond() != null
                || !v.getKvVersions().isEmpty()
                || !vaultAuthSettings(a).isEmpty()
                || a.getMethod() != RotorProperties.VaultAuthMethod.TOKEN
                || t.getCaCertificate() != null
                || t.getClientCertificate() != null
                || t.getClientKey() != null;
    }

    /** Whether {@code rotor.aws.region} or {@code rotor.aws.endpoint} asks for a source. */
    private static boolean awsRequested(RotorProperties.Aws a) {
        return a.getRegion() != null || a.getEndpoint() != null;
    }

    /** The settings that only mean something for a configured source. */
    private static Optional<String> awsSetWithoutSource(RotorProperties.Aws a) {
        if (a.isRotateOnCompromise()) {
            return Optional.of("rotor.aws.rotate-on-compromise");
        }
        if (a.getRotationCheckInterval() != null) {
            return Optional.of("rotor.aws.rotation-check-interval");
        }
        if (!a.isDescribeSecrets()) {
            return Optional.of("rotor.aws.describe-secrets");
        }
        if (a.getApiCallTimeout() != null) {
            return Optional.of("rotor.aws.api-call-timeout");
        }
        if (a.getApiCallAttemptTimeout() != null) {
            return Optional.of("rotor.aws.api-call-attempt-timeout");
        }
        if (a.isAllowInsecureHttp()) {
            return Optional.of("rotor.aws.allow-insecure-http");
        }
        if (a.getRequestsPerSecond() != null) {
            return Optional.of("rotor.aws.requests-per-second");
        }
        return Optional.empty();
    }

    /** The {@code rotor.vault.auth.*} settings that are set, by property name. */
    static Map<String, Boolean> vaultAuthSettings(RotorProperties.Vault.Auth a) {
        Map<String, Boolean> set = new LinkedHashMap<>();
        put(set, "mount", a.getMount());
        put(set, "role", a.getRole());
        put(set, "role-id", a.getRoleId());
        put(set, "secret-id-ref", a.getSecretIdRef());
        if (a.isSecretIdWrapped()) {
            set.put("secret-id-wrapped", true);
        }
        put(set, "token-ref", a.getTokenRef());
        put(set, "jwt-file", a.getJwtFile());
        put(set, "username", a.getUsername());
        put(set, "password-ref", a.getPasswordRef());
        put(set, "aws-region", a.getAwsRegion());
        put(set, "aws-server-id", a.getAwsServerId());
        put(set, "service-account-key-file", a.getServiceAccountKeyFile());
        put(set, "metadata-address", a.getMetadataAddress());
        put(set, "resource", a.getResource());
        return set;
    }

    private static void put(Map<String, Boolean> set, String name, Object value) {
        if (value != null) {
            set.put(name, true);
        }
    }

    /**
     * The client-wide policy layer from {@code rotor.refresh.*}: only the properties set override anything, so each
     * source keeps its own defaults for the rest (see {@link RefreshPolicy#over}).
     */
    static RefreshPolicy refreshPolicy(RotorProperties.Refresh r) {
        RefreshPolicy.Builder b = RefreshPolicy.builder();
        try {
            if (r.getLeaseFraction() != null) {
                b.leaseFraction(r.getLeaseFraction());
            }
            if (r.getLeaseJitter() != null) {
                b.leaseJitter(r.getLeaseJitter());
            }
            if (r.getPollInterval() != null) {
                b.pollInterval(r.getPollInterval());
            }
            if (r.getPollJitter() != null) {
                b.pollJitter(r.getPollJitter());
            }
            if (r.getAfterRotationDelay() != null) {
                b.afterRotationDelay(r.getAfterRotationDelay());
            }
            if (r.getInitialBackoff() != null) {
                b.initialBackoff(r.getInitialBackoff());
            }
            if (r.getMaxBackoff() != null) {
                b.maxBackoff(r.getMaxBackoff());
            }
            if (r.getExpiredMaxBackoff() != null) {
                b.expiredMaxBackoff(r.getExpiredMaxBackoff());
            }
            if (r.getMinBackoff() != null) {
                b.minBackoff(r.getMinBackoff());
            }
            if (r.getAttemptsBeforeExpiry() != null) {
                b.attemptsBeforeExpiry(r.getAttemptsBeforeExpiry());
            }
            if (r.getMaxInFlightPerSource() != null) {
                b.maxInFlightPerSource(r.getMaxInFlightPerSource());
            }
            if (r.getLoadTimeout() != null) {
                b.loadTimeout(r.getLoadTimeout());
            }
            if (r.getRevokeDelay() != null) {
                b.revokeDelay(r.getRevokeDelay());
            }
            if (r.getWipeDelay() != null) {
                b.wipeDelay(r.getWipeDelay());
            }
            if (r.getRequestsPerSecond() != null) {
                b.requestsPerSecond(requestsPerSecond("rotor.refresh.requests-per-second", r.getRequestsPerSecond()));
            }
            if (r.getSpreadFirstRefresh() != null) {
                b.spreadFirstRefresh(r.getSpreadFirstRefresh());
            }
            if (r.getAfterRotationSpread() != null) {
                b.afterRotationSpread(r.getAfterRotationSpread());
            }
            if (r.getLearnFromThrottling() != null) {
                b.learnFromThrottling(r.getLearnFromThrottling());
            }
            return b.build();
        } catch (SecretConfigurationException e) {
            throw new SecretConfigurationException("invalid rotor.refresh.*: " + e.getMessage(), null, null, e);
        }
    }

    /**
     * The anomaly signals' thresholds from {@code rotor.signals.*}; a value out of range is a configuration error
     * naming the property.
     */
    static SignalThresholds signalThresholds(RotorProperties.Signals s) {
        SignalThresholds.Builder b = SignalThresholds.builder()
                .versionsPerCadence(s.getVersionsPerCadence())
                .deniedBurst(s.getDeniedBurst())
                .deniedWindow(s.getDeniedWindow())
                .refusals(s.getRefusals())
                .maxUndeclared(s.getMaxUndeclared())
                .spikeFactor(s.getSpikeFactor())
                .spikeMinReads(s.getSpikeMinReads())
                .spikeWarmup(s.getSpikeWarmup());
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            // "SignalThresholds.deniedBurst must be ..." names the setting: say it as the property the user wrote
            String message = String.valueOf(e.getMessage());
            String prefix = "SignalThresholds.";
            int space = message.indexOf(' ');
            if (!message.startsWith(prefix) || space < prefix.length()) {
                throw new SecretConfigurationException("invalid rotor.signals.*: " + message, null, null, e);
            }
            throw new SecretConfigurationException(
                    "rotor.signals." + kebab(message.substring(prefix.length(), space)) + message.substring(space),
                    null,
                    null,
                    e);
        }
    }

    private static String kebab(String camel) {
        StringBuilder out = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('-').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** A request budget: a positive number of calls per second ({@code Infinity}: none). */
    static double requestsPerSecond(String property, double value) {
        if (!(value > 0)) {
            throw new SecretConfigurationException(
                    property + " must be a positive number of calls per second, was " + value, null, null);
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
        try {
            SecretRef.parse(d.getRef().strip());
        } catch (RuntimeException e) {
            // the text is not echoed: a value pasted where its ref belongs is a credential
            throw new SecretConfigurationException(
                    prefix + "ref is not a Rotor ref (scheme:path, for example file:/run/secrets/db)", null, null);
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
            if (d.getRotationCadence() != null) {
                declaration = declaration.rotationCadence(d.getRotationCadence());
            }
            if (d.getCriticality() != null) {
                declaration = declaration.criticality(d.getCriticality());
            }
        } catch (RuntimeException e) {
            throw new SecretConfigurationException(prefix + "*: " + e.getMessage(), null, null, e);
        }
        return declaration;
    }
}
