package dev.rotor.secrets.env;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.spi.ContentVersion;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.SourceContext;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads secrets from environment variables: {@code env:DB_PASSWORD} answers the variable's value as the raw value.
 *
 * <p><b>Opt-in.</b> An environment holds more than an application's secrets (a cloud key, a token of the platform),
 * so the source found through {@link java.util.ServiceLoader} reads nothing: each {@code env:} ref fails with a
 * {@link SecretConfigurationException} that says how to opt in. Register {@link #allowing(String...)} with the names
 * (or {@code NAME_*} prefixes) the application reads, or, for local development, {@code new EnvSecretSource()}, which
 * reads any variable. A variable that is not set is a {@link SecretNotFoundException}; a variable set to the
 * empty string is an empty value.
 *
 * <pre>{@code
 * try (Secrets secrets = Secrets.builder().source(EnvSecretSource.allowing("API_KEY")).build()) {
 *     String apiKey = secrets.value("env:API_KEY");
 * }
 * }</pre>
 *
 * <p>Version ids are a counter per variable, kept by this source: {@code "1"} for the first value read, one more each
 * time the value changes (the process environment does not change, but a map given to the constructor may). The id
 * is never derived from the value; change is detected by a SHA-256 digest that never leaves the source. Declares
 * {@link SourceCapability#PROBE_VERSION}.
 *
 * <p>Thread-safe when the map it reads is (the process environment is).
 */
public final class EnvSecretSource implements SecretSource {
    /** The scheme this source answers. */
    public static final String SCHEME = "env";

    private final Map<String, String> environment;
    /** The variable names this source may read: exact names, or prefixes written {@code NAME_*}; null for any. */
    private final List<String> allowed;

    private final boolean explicitTime;
    private volatile TimeSource timeSource;
    private final ConcurrentHashMap<String, ContentVersion> versions = new ConcurrentHashMap<>();

    /** A source over the process environment ({@link System#getenv()}). */
    public EnvSecretSource() {
        this(System.getenv());
    }

    /** A source over {@code environment}, read on every fetch, so that changes to it are seen (handy in tests). */
    public EnvSecretSource(Map<String, String> environment) {
        this(environment, null, false);
    }

    private EnvSecretSource(Map<String, String> environment, List<String> allowed, boolean unused) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.allowed = allowed;
        this.timeSource = TimeSource.system();
        this.explicitTime = false;
    }

    /**
     * A source over the process environment that reads only the variables named: exact names, or prefixes written
     * {@code APP_*}. Any other {@code env:} ref is refused with {@link SecretAccessDeniedException}, so that a ref an
     * attacker chose cannot read {@code env:AWS_SECRET_ACCESS_KEY}.
     *
     * <pre>{@code
     * Secrets.builder().source(EnvSecretSource.allowing("DB_PASSWORD", "PAYMENTS_*"))
     * }</pre>
     */
    public static EnvSecretSource allowing(String... names) {
        return allowing(System.getenv(), List.of(names));
    }

    /** As {@link #allowing(String...)}, over {@code environment}. */
    public static EnvSecretSource allowing(Map<String, String> environment, Collection<String> names) {
        List<String> list = List.copyOf(names);
        for (String n : list) {
            if (n.isEmpty() || n.equals("*") || n.indexOf('*') >= 0 && n.indexOf('*') != n.length() - 1) {
                throw new SecretConfigurationException(
                        "EnvSecretSource.allowing takes variable names or NAME_* prefixes, was '" + n + "'",
                        null,
                        SCHEME);
            }
        }
        return new EnvSecretSource(environment, list, false);
    }

    /** The source found through {@link java.util.ServiceLoader}: it reads nothing until the application opts in. */
    static EnvSecretSource discovered() {
        return new EnvSecretSource(System.getenv(), List.of(), false);
    }

    /** As {@link #EnvSecretSource(Map)}, stamping {@link Secret#fetchedAt()} with {@code timeSource}. */
    public EnvSecretSource(Map<String, String> environment, TimeSource timeSource) {
        this.environment = Objects.requireNonNull(environment, "environment");
        this.allowed = null;
        this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
        this.explicitTime = true;
    }

    /** Stamps {@link Secret#fetchedAt()} on the client's clock, unless the constructor was given one. */
    @Override
    public void start(SourceContext context) {
        if (!explicitTime) {
            timeSource = context.timeSource();
        }
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public Set<SourceCapability> capabilities() {
        return Set.of(SourceCapability.PROBE_VERSION);
    }

    @Override
    public Secret fetch(FetchRequest request) {
        SecretRef ref = request.ref().withoutField();
        ref.requireParameters(parameters(), name());
        ContentVersion counter = counter(ref);
        synchronized (counter) {
            byte[] value = read(ref);
            try {
                String version = counter.versionOf(value);
                return Secret.builder(ref)
                        .version(version)
                        .value(value)
                        .fetchedAt(timeSource.now())
                        .build();
            } finally {
                Arrays.fill(value, (byte) 0);
            }
        }
    }

    /** Reads the variable again and answers its version id, counting a change if there was one. */
    @Override
    public Optional<String> probeVersion(SecretRef ref) {
        SecretRef whole = ref.withoutField();
        whole.requireParameters(parameters(), name());
        ContentVersion counter = counter(whole);
        synchronized (counter) {
            byte[] value = read(whole);
            try {
                return Optional.of(counter.versionOf(value));
            } finally {
                Arrays.fill(value, (byte) 0);
            }
        }
    }

    private byte[] read(SecretRef ref) {
        checkAllowed(ref);
        String value = environment.get(ref.path());
        if (value == null) {
            throw new SecretNotFoundException("environment variable is not set", ref, name());
        }
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private void checkAllowed(SecretRef ref) {
        if (allowed == null) {
            return;
        }
        if (allowed.isEmpty()) {
            throw new SecretConfigurationException(
                    "env: refs are opt-in: register EnvSecretSource.allowing(\"" + ref.path()
                            + "\") on the builder (or new EnvSecretSource() to read any variable, for local"
                            + " development)",
                    ref,
                    name());
        }
        String name = ref.path();
        for (String a : allowed) {
            if (a.endsWith("*") ? name.startsWith(a.substring(0, a.length() - 1)) : name.equals(a)) {
                return;
            }
        }
        throw new SecretAccessDeniedException("variable is not in the source's allow-list", ref, name());
    }

    /** Drops the version counter of a variable the engine let go of. */
    @Override
    public void forget(SecretRef ref) {
        versions.remove(ref.path());
    }

    /** How many variables this source keeps a version counter for: at most those the client's cache holds. */
    public int trackedSecrets() {
        return versions.size();
    }

    private ContentVersion counter(SecretRef ref) {
        return versions.computeIfAbsent(ref.path(), k -> new ContentVersion());
    }

    @Override
    public String toString() {
        return "EnvSecretSource{variables=" + (environment == System.getenv() ? "process" : "given") + ", allowed="
                + (allowed == null ? "any" : allowed.isEmpty() ? "none until opted in" : allowed) + "}";
    }
}
