package dev.rotor.secrets.gcp;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.InstantiatingGrpcChannelProvider;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.auth.Credentials;
import com.google.cloud.secretmanager.v1.AccessSecretVersionRequest;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import com.google.cloud.secretmanager.v1.SecretPayload;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.gcp.internal.GcpErrors;
import dev.rotor.secrets.gcp.internal.GcpRef;
import dev.rotor.secrets.gcp.internal.Payloads;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.SourceContext;
import dev.rotor.secrets.spi.VersionIds;
import dev.rotor.secrets.spi.VersionProbe;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Google Secret Manager as a Rotor {@link SecretSource} for refs of the scheme {@code gcp-sm}: {@code
 * gcp-sm:projects/<project>/secrets/<secret>[/versions/<version>][#json-key]}, the short form {@code
 * gcp-sm:<project>/<secret>[/<version>][#json-key]}, and regional secrets as {@code
 * projects/<project>/locations/<location>/secrets/<secret>} or with {@code ?location=<location>}. A version is a
 * number, {@code latest} (the default: the most recently created version) or a user-managed alias.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder()
 *         .source(GoogleSecretManagerSource.builder()        // Application Default Credentials
 *                 .callTimeout(Duration.ofSeconds(5))
 *                 .build())
 *         .build();
 * String password = secrets.value("gcp-sm:my-project/db#password");
 * String key = secrets.value("gcp-sm:projects/my-project/locations/europe-west4/secrets/api-key");
 * }</pre>
 *
 * <p><b>Values.</b> A payload holding a UTF-8 JSON object becomes fields (nested values as their JSON text); any
 * other payload is a raw value of bytes. A payload whose CRC32C checksum ({@code data_crc32c}) does not match, one
 * over 64 KiB, or one that starts as a JSON object but does not parse is a {@link SecretFormatException}: corrupt
 * bytes are never served. {@link Secret#version()} is the version number the store answered, and {@link
 * Secret#attributes()} holds its resource {@code name}.
 *
 * <p><b>Change detection.</b> The engine's polls call {@code AccessSecretVersion} on the version the ref names
 * ({@code latest} or an alias) and compare the version number in the answer's {@code name}: one call per secret per
 * poll, from the project's access quota (90,000 a minute), never from the metadata quota ({@code GetSecret}, {@code
 * ListSecretVersions}, {@code GetSecretVersion}: 600 a minute). A ref pinned to a version number never changes and
 * is never called again once loaded. The source's {@link #defaultRefreshPolicy() default policy} polls every {@value
 * #DEFAULT_POLL_MINUTES} minutes, with at most {@value #DEFAULT_REQUESTS_PER_SECOND} calls a second per client.
 *
 * <p><b>Errors.</b> {@code NOT_FOUND} is {@link dev.rotor.secrets.SecretNotFoundException}; {@code FAILED_PRECONDITION}
 * on a disabled or destroyed version is {@link SecretVersionNotEnabledException} (which says which); {@code
 * PERMISSION_DENIED} and {@code UNAUTHENTICATED} are {@link dev.rotor.secrets.SecretAccessDeniedException}; {@code
 * RESOURCE_EXHAUSTED} is {@link dev.rotor.secrets.SourceThrottledException} with the {@code RetryInfo} delay when the
 * status carries one; {@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED} and {@code INTERNAL} are {@link
 * dev.rotor.secrets.SourceUnavailableException}. Messages never hold the store's description or a value.
 *
 * <p><b>Clients.</b> Give your own {@link SecretManagerServiceClient} (it stays yours: {@link #close()} leaves it
 * open), or let the source build one per endpoint on first use, from {@link Builder#settings your settings} or from
 * the defaults: Application Default Credentials, the global endpoint or a secret's regional one ({@code
 * secretmanager.<location>.rep.googleapis.com:443}), TLS, a deadline on every call ({@link Builder#callTimeout},
 * {@value #DEFAULT_CALL_TIMEOUT_SECONDS} s) with the client's own retries off (the engine retries, with backoff), and
 * answers capped at {@value #MAX_INBOUND_MESSAGE_SIZE} bytes. Building the source makes no network call and reads
 * no credentials.
 *
 * <p>Thread-safe: the engine may call it from several threads at once.
 */
public final class GoogleSecretManagerSource implements SecretSource {
    /** The ref scheme this source answers. */
    public static final String SCHEME = "gcp-sm";

    /** The ref parameter naming the location of a regional secret. */
    public static final String LOCATION = GcpRef.LOCATION;

    /** The default deadline of a call, in seconds. */
    public static final int DEFAULT_CALL_TIMEOUT_SECONDS = 10;

    /** The default {@link Builder#callTimeout(Duration) deadline of a call}: 10 s. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(DEFAULT_CALL_TIMEOUT_SECONDS);

    /** The poll interval of the source's default policy, in minutes (see the module's README for the arithmetic). */
    public static final int DEFAULT_POLL_MINUTES = 5;

    /** The request budget of the source's default policy: calls per second per client. */
    public static final int DEFAULT_REQUESTS_PER_SECOND = 20;

    /**
     * The largest answer the clients the source builds accept, in bytes: a payload is at most 64 KiB, and its
     * resource name and checksum take a few hundred bytes more; 128 KiB leaves room and bounds what a store gone
     * wrong can make the client hold.
     */
    public static final int MAX_INBOUND_MESSAGE_SIZE = 128 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(GoogleSecretManagerSource.class);
    private static final String ACCESS = "AccessSecretVersion";

    private final String name;
    private final SecretManagerServiceClient userClient;
    private final Map<String, SecretManagerServiceClient> userRegionalClients;
    private final SecretManagerServiceSettings baseSettings;
    private final CredentialsProvider credentialsProvider;
    private final String endpointOverride;
    private final Duration callTimeout;
    private final Map<String, SecretManagerServiceClient> ownClients = new LinkedHashMap<>();
    private final Object clientLock = new Object();
    private volatile TimeSource time = TimeSource.system();
    private volatile boolean closed;

    private GoogleSecretManagerSource(Builder b) {
        this.name = b.name;
        this.userClient = b.client;
        this.userRegionalClients = Map.copyOf(b.regionalClients);
        this.baseSettings = b.settings;
        this.credentialsProvider = b.credentialsProvider;
        this.endpointOverride = b.endpoint;
        this.callTimeout = b.callTimeout == null ? DEFAULT_CALL_TIMEOUT : b.callTimeout;
    }

    /** A source with every default: Application Default Credentials, clients built on first use. */
    public static GoogleSecretManagerSource create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<SourceCapability> capabilities() {
        return Set.of(SourceCapability.PROBE_VERSION);
    }

    @Override
    public Set<String> parameters() {
        return Set.of(LOCATION);
    }

    /**
     * Polls every {@value #DEFAULT_POLL_MINUTES} minutes (one {@code AccessSecretVersion} per secret, from the
     * project's access quota) and spends at most {@value #DEFAULT_REQUESTS_PER_SECOND} calls a second per client; the
     * module's README shows the arithmetic for a fleet.
     */
    @Override
    public RefreshPolicy defaultRefreshPolicy() {
        return RefreshPolicy.builder()
                .pollInterval(Duration.ofMinutes(DEFAULT_POLL_MINUTES))
                .requestsPerSecond(DEFAULT_REQUESTS_PER_SECOND)
                .build();
    }

    @Override
    public void start(SourceContext context) {
        this.time = context.timeSource();
        Duration loadTimeout = context.refreshPolicy().loadTimeout();
        if (userClient == null && loadTimeout != null && callTimeout.compareTo(loadTimeout) >= 0) {
            LOG.warn(
                    "callTimeout {} of source {} is not below the engine's loadTimeout {}: a call may go on after"
                            + " the read waiting for it was released; set callTimeout below loadTimeout",
                    callTimeout,
                    name,
                    loadTimeout);
        }
    }

    /** The deadline of a call on the clients this source builds. */
    public Duration callTimeout() {
        return callTimeout;
    }

    // ---- fetch ----

    @Override
    public Secret fetch(FetchRequest request) {
        SecretRef ref = request.ref();
        GcpRef gcp = parse(ref);
        AccessSecretVersionResponse answer = access(gcp, ref);
        String version = versionOf(gcp, answer, ref);
        SecretPayload payload = answer.getPayload();
        byte[] data = payload.getData().toByteArray();
        try {
            Payloads.verify(data, payload.hasDataCrc32C() ? payload.getDataCrc32C() : null, ref, name);
        } catch (RuntimeException e) {
            java.util.Arrays.fill(data, (byte) 0);
            throw e;
        }
        Secret.Builder b =
                Secret.builder(ref).version(version).fetchedAt(time.now()).attribute("name", answer.getName());
        Payloads.apply(b, data, ref, name);
        return b.build();
    }

    /**
     * A ref pinned to a version number answers that number without a call: a version's data never changes. For
     * {@code latest} and aliases the answer is empty, and the engine's poll fetches: one {@code AccessSecretVersion}
     * tells the version and brings its value, cheaper in quota than any metadata call.
     */
    @Override
    public Optional<String> probeVersion(SecretRef ref) {
        GcpRef gcp = parse(ref);
        return gcp.pinned() ? Optional.of(VersionIds.of(Long.parseLong(gcp.version()))) : Optional.empty();
    }

    @Override
    public Optional<VersionProbe> probe(SecretRef ref) {
        return probeVersion(ref).map(VersionProbe::of);
    }

    private GcpRef parse(SecretRef ref) {
        ref.requireParameters(parameters(), name);
        return GcpRef.parse(ref, name);
    }

    private AccessSecretVersionResponse access(GcpRef gcp, SecretRef ref) {
        SecretManagerServiceClient c = client(gcp, ref);
        try {
            return c.accessSecretVersion(AccessSecretVersionRequest.newBuilder()
                    .setName(gcp.versionName())
                    .build());
        } catch (RuntimeException e) {
            throw GcpErrors.map(e, ACCESS, ref, name);
        }
    }

    private String versionOf(GcpRef gcp, AccessSecretVersionResponse answer, SecretRef ref) {
        Optional<String> n = gcp.answeredVersion(answer.getName());
        if (n.isEmpty()) {
            throw new SecretFormatException(
                    ACCESS + " answered a name that is not a version of " + gcp.secretName(), ref, name);
        }
        if (gcp.pinned() && !n.get().equals(gcp.version())) {
            throw new SecretFormatException(
                    ACCESS + " answered version " + n.get() + " where version " + gcp.version() + " was asked for",
                    ref,
                    name);
        }
        if (!answer.hasPayload()) {
            throw new SecretFormatException(ACCESS + " answered no payload", ref, name);
        }
        return VersionIds.of(Long.parseLong(n.get()));
    }

    // ---- clients ----

    private SecretManagerServiceClient client(GcpRef gcp, SecretRef ref) {
        String location = gcp.location().orElse(null);
        if (closed) {
            throw new SecretConfigurationException("source is closed", ref, name);
        }
        if (userClient != null || !userRegionalClients.isEmpty()) {
            SecretManagerServiceClient c = location == null ? userClient : userRegionalClients.get(location);
            if (c == null) {
                throw new SecretConfigurationException(
                        location == null
                                ? "no client for the global endpoint: give client(...) beside regionalClient(...)"
                                : "no client for location " + location + ": give regionalClient(\"" + location
                                        + "\", client) pointed at " + gcp.endpoint(),
                        ref,
                        name);
            }
            return c;
        }
        String key = location == null ? "" : location;
        synchronized (clientLock) {
            if (closed) {
                throw new SecretConfigurationException("source is closed", ref, name);
            }
            SecretManagerServiceClient c = ownClients.get(key);
            if (c == null) {
                try {
                    c = SecretManagerServiceClient.create(settingsFor(location));
                } catch (IOException | RuntimeException e) {
                    throw new SecretConfigurationException(
                            "could not build the Secret Manager client ("
                                    + e.getClass().getSimpleName()
                                    + "); without credentials given, Application Default Credentials are used:"
                                    + " set GOOGLE_APPLICATION_CREDENTIALS, run on Google Cloud, or give"
                                    + " credentialsProvider(...)",
                            ref,
                            name,
                            dev.rotor.secrets.gcp.internal.StatusOnly.of(
                                    e.getClass().getSimpleName(), e));
                }
                ownClients.put(key, c);
            }
            return c;
        }
    }

    /**
     * The settings of the client this source builds for {@code location} (null: global): the given settings or the
     * defaults, with the endpoint, credentials, deadline, retries and inbound size cap applied. For this package's
     * tests.
     */
    SecretManagerServiceSettings settingsFor(String location) throws IOException {
        SecretManagerServiceSettings.Builder b =
                baseSettings != null ? baseSettings.toBuilder() : SecretManagerServiceSettings.newBuilder();
        String endpoint = endpointOverride != null ? endpointOverride : GcpRef.endpointFor(location);
        boolean ownTransport = baseSettings == null
                || baseSettings.getTransportChannelProvider() instanceof InstantiatingGrpcChannelProvider;
        if (baseSettings == null || endpointOverride != null || location != null) {
            b.setEndpoint(endpoint);
        }
        if (ownTransport) {
            InstantiatingGrpcChannelProvider.Builder t = baseSettings == null
                    ? SecretManagerServiceSettings.defaultGrpcTransportProviderBuilder()
                    : ((InstantiatingGrpcChannelProvider) baseSettings.getTransportChannelProvider()).toBuilder();
            t.setMaxInboundMessageSize(MAX_INBOUND_MESSAGE_SIZE);
            if (baseSettings == null || endpointOverride != null || location != null) {
                t.setEndpoint(endpoint);
            }
            if (endpointOverride != null && Builder.isLoopback(hostOf(endpointOverride))) {
                // a local emulator or test server: plain text to loopback only; TLS for every other host
                t.setChannelConfigurator(c -> c.usePlaintext());
            }
            TransportChannelProvider provider = t.build();
            b.setTransportChannelProvider(provider);
        }
        if (credentialsProvider != null) {
            b.setCredentialsProvider(credentialsProvider);
        }
        RetrySettings once = RetrySettings.newBuilder()
                .setTotalTimeoutDuration(callTimeout)
                .setInitialRpcTimeoutDuration(callTimeout)
                .setMaxRpcTimeoutDuration(callTimeout)
                .setRpcTimeoutMultiplier(1.0)
                .setMaxAttempts(1)
                .build();
        b.applyToAllUnaryMethods(m -> {
            m.setRetrySettings(once).setRetryableCodes(Set.of());
            return null;
        });
        return b.build();
    }

    private static String hostOf(String endpoint) {
        if (endpoint.startsWith("[")) {
            int close = endpoint.indexOf(']');
            return close < 0 ? endpoint : endpoint.substring(0, close + 1);
        }
        int colon = endpoint.lastIndexOf(':');
        return colon < 0 ? endpoint : endpoint.substring(0, colon);
    }

    /** Closes the clients this source built; a client of yours stays open. */
    @Override
    public void close() {
        List<SecretManagerServiceClient> toClose;
        synchronized (clientLock) {
            closed = true;
            toClose = new ArrayList<>(ownClients.values());
            ownClients.clear();
        }
        for (SecretManagerServiceClient c : toClose) {
            try {
                c.shutdown();
                if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
                    c.shutdownNow();
                }
            } catch (InterruptedException e) {
                c.shutdownNow();
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warn(
                        "closing a Secret Manager client of source {} failed ({})",
                        name,
                        e.getClass().getName());
            }
        }
    }

    @Override
    public String toString() {
        return "GoogleSecretManagerSource{name=" + name + ", client="
                + (userClient != null || !userRegionalClients.isEmpty() ? "given" : "built") + "}";
    }

    /**
     * Builds a {@link GoogleSecretManagerSource}. Either {@link #client} (and {@link #regionalClient}) or the options
     * the source uses to build its own clients ({@link #settings}, {@link #credentialsProvider}, {@link #credentials},
     * {@link #endpoint}, {@link #callTimeout}), not both: {@link #build()} names the conflict. Not thread-safe.
     *
     * <pre>{@code
     * GoogleSecretManagerSource.builder()
     *         .credentials(GoogleCredentials.fromStream(in))     // default: Application Default Credentials
     *         .callTimeout(Duration.ofSeconds(5))
     *         .build();
     * }</pre>
     */
    public static final class Builder {
        private String name = SCHEME;
        private SecretManagerServiceClient client;
        private final Map<String, SecretManagerServiceClient> regionalClients = new LinkedHashMap<>();
        private SecretManagerServiceSettings settings;
        private CredentialsProvider credentialsProvider;
        private String endpoint;
        private Duration callTimeout;

        private Builder() {}

        /** The name in logs, events and metrics (default {@code gcp-sm}). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Your own client, for global secrets; the source uses it as is and never closes it. Its deadlines, retries
         * and transport stay yours: give it a total timeout, and retries off or bounded (see the README).
         */
        public Builder client(SecretManagerServiceClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * Your own client for the regional secrets of {@code location}, pointed at {@code
         * secretmanager.<location>.rep.googleapis.com:443}; never closed by the source.
         */
        public Builder regionalClient(String location, SecretManagerServiceClient client) {
            Objects.requireNonNull(location, "location");
            this.regionalClients.put(location, Objects.requireNonNull(client, "client"));
            return this;
        }

        /**
         * The settings the source builds its clients from (a transport, credentials, headers of yours). The source
         * still sets on them the endpoint of a regional secret, {@link #callTimeout} with retries off on every call,
         * and, when the transport is the client library's own gRPC channel provider, the inbound size cap.
         */
        public Builder settings(SecretManagerServiceSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** The credentials of the clients the source builds (default: Application Default Credentials). */
        public Builder credentialsProvider(CredentialsProvider credentials) {
            this.credentialsProvider = Objects.requireNonNull(credentials, "credentialsProvider");
            return this;
        }

        /** As {@link #credentialsProvider}, for fixed credentials such as a service account key's. */
        public Builder credentials(Credentials credentials) {
            return credentialsProvider(
                    FixedCredentialsProvider.create(Objects.requireNonNull(credentials, "credentials")));
        }

        /** No credentials at all: for a local emulator or test server only. */
        public Builder noCredentials() {
            return credentialsProvider(NoCredentialsProvider.create());
        }

        /**
         * Another endpoint, {@code host:port}, for every secret (a Private Service Connect endpoint, a local test
         * server). TLS is always on, except to a loopback host ({@code localhost}, {@code 127.0.0.0/8}, {@code [::1]},
         * told from the literal, never resolved), which is spoken to in plain text.
         */
        public Builder endpoint(String hostAndPort) {
            this.endpoint = Objects.requireNonNull(hostAndPort, "endpoint");
            return this;
        }

        /**
         * The deadline of a whole call on the clients the source builds (default {@value
         * GoogleSecretManagerSource#DEFAULT_CALL_TIMEOUT_SECONDS} s): the client makes one attempt, and the engine
         * retries with backoff. Keep it below the engine's {@code loadTimeout} (30 s by default).
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = Objects.requireNonNull(timeout, "callTimeout");
            return this;
        }

        public GoogleSecretManagerSource build() {
            if (name == null || name.isBlank()) {
                throw new SecretConfigurationException("name must not be blank", null, null);
            }
            if (client != null || !regionalClients.isEmpty()) {
                List<String> conflicting = new ArrayList<>();
                if (settings != null) {
                    conflicting.add("settings");
                }
                if (credentialsProvider != null) {
                    conflicting.add("credentialsProvider");
                }
                if (endpoint != null) {
                    conflicting.add("endpoint");
                }
                if (callTimeout != null) {
                    conflicting.add("callTimeout");
                }
                if (!conflicting.isEmpty()) {
                    throw new SecretConfigurationException(
                            "client conflicts with " + String.join(", ", conflicting)
                                    + ": configure those on your client, or leave client unset",
                            null,
                            name);
                }
            }
            for (String location : regionalClients.keySet()) {
                if (!location.matches("[a-z][a-z0-9-]{0,62}")) {
                    throw new SecretConfigurationException(
                            "regionalClient location '" + location + "' is not a region name such as us-central1",
                            null,
                            name);
                }
            }
            if (callTimeout != null && (callTimeout.isNegative() || callTimeout.isZero())) {
                throw new SecretConfigurationException("callTimeout must be positive, was " + callTimeout, null, name);
            }
            if (endpoint != null && !endpoint.matches("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}")) {
                throw new SecretConfigurationException(
                        "endpoint must be host:port (no scheme, path or credentials), was '" + endpoint + "'",
                        null,
                        name);
            }
            return new GoogleSecretManagerSource(this);
        }

        /** Loopback by its literal form only ({@code localhost}, 127.0.0.0/8, ::1): no name is resolved here. */
        static boolean isLoopback(String host) {
            String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            if (h.equalsIgnoreCase("localhost")) {
                return true;
            }
            if (h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
                for (String o : h.split("\\.")) {
                    if (Integer.parseInt(o) > 255) {
                        return false;
                    }
                }
                return h.startsWith("127.");
            }
            return h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
        }
    }
}
