package dev.rotor.secrets.kubernetes;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.kubernetes.internal.KubernetesErrors;
import dev.rotor.secrets.kubernetes.internal.Loopback;
import dev.rotor.secrets.kubernetes.internal.NamespaceWatch;
import dev.rotor.secrets.kubernetes.internal.SecretContent;
import dev.rotor.secrets.kubernetes.internal.SecretCoordinates;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.SourceContext;
import dev.rotor.secrets.spi.VersionProbe;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Secrets read from the API server, as a Rotor {@link SecretSource} for refs of the scheme {@code k8s}:
 * {@code k8s:<namespace>/<name>[#key]}.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder()
 *         .source(KubernetesSecretSource.builder()
 *                 .labelSelector("app.kubernetes.io/part-of=shop")   // optional: watch only these Secrets
 *                 .build())                                            // in-cluster service account or kubeconfig
 *         .build();
 * String password = secrets.value("k8s:shop/db#password");
 * byte[] keystore = secrets.get("k8s:shop/tls-keystore").bytes();     // a Secret with one key: that key
 * }</pre>
 *
 * <p><b>Values.</b> Each key of the Secret's {@code data} is a field, its value decoded from base64 (binary values
 * stay bytes). {@code stringData} is write-only on the API: the server merges it into {@code data}, so a Secret
 * created with {@code stringData} reads like any other (an answer that does carry {@code stringData} is merged the same
 * way, its keys winning). A ref without {@code #key} to a Secret with exactly one key reads that key; with several keys
 * it reads the fields ({@code secrets.get(ref).field("password")}, or {@code as(Type.class)}). {@link Secret#version()}
 * is the Secret's {@code resourceVersion}; {@link Secret#attributes()} has its {@code uid}, {@code type} and, for an
 * immutable Secret, {@code immutable=true}. A value that is not base64, a Secret without keys or over the API server's
 * 1 MiB is a {@link SecretFormatException}.
 *
 * <p><b>Change detection: pushed, not polled.</b> The first read of a Secret in a namespace starts one watch of that
 * namespace, shared by every ref into it (a LIST, then a WATCH from the list's {@code resourceVersion}, optionally with
 * a {@link Builder#labelSelector label} or {@link Builder#fieldSelector field selector}). A change or a deletion of a
 * Secret the client holds reaches the engine within moments, and the engine reads it again with one GET. The watch
 * reopens after a close with a jittered, capped backoff ({@link Builder#reconnectBackoff}), relists on {@code 410
 * Gone}, and relists every {@link Builder#resyncInterval resync interval}. The engine's poll stays as the fallback: it
 * asks the watch's index (no call) while the watch is up, and reads the Secret with a GET while it is down; its default
 * interval is long ({@link #DEFAULT_POLL_INTERVAL}) because the watch carries the changes. A deleted Secret is {@link
 * SecretNotFoundException} on the next read, and the engine keeps serving the last good version, with a {@code
 * REFRESH_FAILED} event, as it does for a deleted file.
 *
 * <p><b>Errors.</b> 401 and 403 are {@link dev.rotor.secrets.SecretAccessDeniedException}, 404 {@link
 * SecretNotFoundException}, 429 (API Priority and Fairness) {@link dev.rotor.secrets.SourceThrottledException} with the
 * answer's {@code retryAfterSeconds}, 5xx and connection failures {@link dev.rotor.secrets.SourceUnavailableException}
 * (retryable), 400 and 422 {@link SecretConfigurationException}. Messages name the ref, the source and the status,
 * never the server's message or a value.
 *
 * <p><b>Client.</b> Give your own {@link KubernetesClient} (it stays yours: {@link #close()} leaves it open; set its
 * timeouts yourself), or let the source build one on first use from fabric8's {@code Config.autoConfigure} (the
 * in-cluster service account, else the kubeconfig), with the JDK's HTTP client, a {@link Builder#requestTimeout
 * request timeout} and a {@link Builder#connectionTimeout connection timeout}, no retries of its own (the engine
 * retries), watch reconnects left to this source, TLS verification always on, and plain {@code http} to loopback
 * only. Building the source makes no network call.
 *
 * <p>Thread-safe: the engine may call it from several threads at once.
 */
public final class KubernetesSecretSource implements SecretSource {
    /** The ref scheme this source answers. */
    public static final String SCHEME = "k8s";

    /** The default {@link Builder#requestTimeout(Duration) request timeout}: 10 s. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /** The default {@link Builder#connectionTimeout(Duration) connection timeout}: 5 s. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    /** The default {@link Builder#resyncInterval(Duration) resync interval}: 1 h. */
    public static final Duration DEFAULT_RESYNC_INTERVAL = Duration.ofHours(1);

    /** The default first {@link Builder#reconnectBackoff(Duration, Duration) reconnect backoff}: up to 1 s. */
    public static final Duration DEFAULT_RECONNECT_BASE = Duration.ofSeconds(1);

    /** The default longest {@link Builder#reconnectBackoff(Duration, Duration) reconnect backoff}: 2 min. */
    public static final Duration DEFAULT_RECONNECT_CAP = Duration.ofMinutes(2);

    /** The poll interval of {@link #defaultRefreshPolicy()}: 10 min, a fallback behind the watch. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMinutes(10);

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesSecretSource.class);

    /** The name under which fabric8 installs its request and answer logger. */
    private static final String HTTP_LOGGING = "HttpLogging";

    private static final RefreshPolicy DEFAULT_POLICY =
            RefreshPolicy.builder().pollInterval(DEFAULT_POLL_INTERVAL).build();

    private final String name;
    private final KubernetesClient given;
    private final URI masterUrl;
    private final boolean allowInsecureHttp;
    private final Duration requestTimeout;
    private final Duration connectionTimeout;
    private final boolean watchEnabled;
    private final NamespaceWatch.Options watchOptions;
    private final Set<SourceCapability> capabilities;

    private final Map<String, NamespaceWatch> watches = new ConcurrentHashMap<>();
    private final Object clientLock = new Object();
    private volatile KubernetesClient client;
    private volatile SourceContext context;
    private volatile TimeSource time = TimeSource.system();
    private volatile boolean closed;

    private KubernetesSecretSource(Builder b) {
        this.name = b.name;
        this.given = b.client;
        this.client = b.client;
        this.masterUrl = b.masterUrl;
        this.allowInsecureHttp = b.allowInsecureHttp;
        this.requestTimeout = b.requestTimeout != null ? b.requestTimeout : DEFAULT_REQUEST_TIMEOUT;
        this.connectionTimeout = b.connectionTimeout != null ? b.connectionTimeout : DEFAULT_CONNECTION_TIMEOUT;
        this.watchEnabled = b.watch;
        this.watchOptions = new NamespaceWatch.Options(
                b.labelSelector, b.fieldSelector, b.resyncInterval, b.reconnectBase, b.reconnectCap);
        this.capabilities = watchEnabled ? Set.of(SourceCapability.PROBE_VERSION) : Set.of();
    }

    /** A source with every default: the in-cluster service account or the kubeconfig, read on first use. */
    public static KubernetesSecretSource create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The ref of {@code key} in the Secret {@code namespace/name} (or of the whole Secret when {@code key} is null),
     * each part checked as the API server checks it.
     *
     * @throws SecretConfigurationException when a part breaks the rules
     */
    public static SecretRef ref(String namespace, String name, String key) {
        SecretRef ref = SecretRef.of(SCHEME, namespace + "/" + name);
        if (key != null) {
            ref = ref.withField(key);
        }
        SecretCoordinates.of(ref, SCHEME);
        return ref;
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
        return capabilities;
    }

    /**
     * Polls every 10 min, a fallback behind the watch, and keeps the other defaults. See {@link RefreshPolicy} for how
     * the application's policies layer over this.
     */
    @Override
    public RefreshPolicy defaultRefreshPolicy() {
        return DEFAULT_POLICY;
    }

    @Override
    public void start(SourceContext context) {
        this.context = context;
        this.time = context.timeSource();
        Duration loadTimeout = context.refreshPolicy().loadTimeout();
        if (given == null && loadTimeout != null && requestTimeout.compareTo(loadTimeout) >= 0) {
            LOG.warn(
                    "requestTimeout {} of source {} is not below the engine's loadTimeout {}: a call may go on after"
                            + " the read waiting for it was released; set requestTimeout below loadTimeout",
                    requestTimeout,
                    name,
                    loadTimeout);
        }
    }

    // ---- reads ----

    @Override
    public Secret fetch(FetchRequest request) {
        SecretRef ref = request.ref().withoutField();
        ref.requireParameters(Set.of(), name);
        SecretCoordinates at = SecretCoordinates.of(ref, name);
        KubernetesClient c = client(ref);
        io.fabric8.kubernetes.api.model.Secret s;
        try {
            s = c.secrets().inNamespace(at.namespace()).withName(at.name()).get();
        } catch (RuntimeException e) {
            throw KubernetesErrors.map(e, "GET secret", ref, name);
        }
        if (s == null) {
            throw new SecretNotFoundException("GET secret answered HTTP 404: no such Secret (or namespace)", ref, name);
        }
        ObjectMeta meta = s.getMetadata();
        String version = meta == null ? null : meta.getResourceVersion();
        if (version == null || version.isEmpty()) {
            throw new SecretFormatException("the answer has no resourceVersion", ref, name);
        }
        Secret.Builder b = Secret.builder(ref).version(version).fetchedAt(time.now());
        SecretContent.apply(b, s.getData(), s.getStringData(), ref, name);
        if (meta.getUid() != null) {
            b.attribute("uid", meta.getUid());
        }
        if (s.getType() != null) {
            b.attribute("type", s.getType());
        }
        if (Boolean.TRUE.equals(s.getImmutable())) {
            b.attribute("immutable", "true");
        }
        Secret secret = b.build();
        watchFor(at, version);
        return secret;
    }

    /** The version the namespace's watch has seen: no call while the watch is up; empty (so a GET) while it is down. */
    @Override
    public Optional<String> probeVersion(SecretRef ref) {
        if (!watchEnabled) {
            return Optional.empty();
        }
        SecretCoordinates at = SecretCoordinates.of(ref.withoutField(), name);
        NamespaceWatch w = watches.get(at.namespace());
        return w == null ? Optional.empty() : w.version(at.name());
    }

    @Override
    public Optional<VersionProbe> probe(SecretRef ref) {
        return probeVersion(ref).map(VersionProbe::of);
    }

    /** Stops watching for {@code ref}; the namespace's watch closes with the last ref into it. */
    @Override
    public void forget(SecretRef ref) {
        SecretCoordinates at;
        try {
            at = SecretCoordinates.of(ref.withoutField(), name);
        } catch (SecretConfigurationException invalid) {
            return;
        }
        NamespaceWatch w = watches.get(at.namespace());
        if (w != null && w.release(at.name()) && watches.remove(at.namespace(), w)) {
            w.close();
        }
    }

    private void watchFor(SecretCoordinates at, String version) {
        SourceContext ctx = context;
        if (!watchEnabled || ctx == null || closed) {
            return;
        }
        NamespaceWatch w = watches.computeIfAbsent(
                at.namespace(), ns -> new NamespaceWatch(ns, () -> client(null), ctx, name, watchOptions));
        w.hold(at.name(), version);
        if (closed && watches.remove(at.namespace(), w)) {
            w.close();
        }
    }

    /** The watch of {@code namespace}, if one is open (for tests). */
    NamespaceWatch watchOf(String namespace) {
        return watches.get(namespace);
    }

    /** How many namespaces are watched (for tests). */
    int watchedNamespaces() {
        return watches.size();
    }

    // ---- the client ----

    /** Whether this source built its client (and so closes it). */
    public boolean ownsClient() {
        return given == null;
    }

    private KubernetesClient client(SecretRef ref) {
        KubernetesClient c = client;
        if (c != null) {
            if (closed) {
                throw new SecretConfigurationException("source is closed", ref, name);
            }
            return c;
        }
        synchronized (clientLock) {
            if (closed) {
                throw new SecretConfigurationException("source is closed", ref, name);
            }
            if (client == null) {
                client = buildClient(ref);
            }
            return client;
        }
    }

    private KubernetesClient buildClient(SecretRef ref) {
        Config config;
        try {
            Config auto = Config.autoConfigure(null);
            ConfigBuilder cb = new ConfigBuilder(auto)
                    .withRequestTimeout(millis(requestTimeout))
                    .withConnectionTimeout(millis(connectionTimeout))
                    // the engine retries, with its own backoff and budget; the watch reconnects with this source's
                    .withRequestRetryBackoffLimit(0)
                    .withWatchReconnectLimit(0)
                    // TLS verification is always on, whatever a kubeconfig says
                    .withTrustCerts(false)
                    .withDisableHostnameVerification(false);
            if (masterUrl != null) {
                cb.withMasterUrl(masterUrl.toString());
            }
            config = cb.build();
        } catch (RuntimeException e) {
            throw new SecretConfigurationException(
                    "could not configure the Kubernetes client (" + e.getClass().getSimpleName()
                            + "); run in a pod with a service account, or provide a kubeconfig",
                    ref,
                    name);
        }
        checkMasterUrl(config.getMasterUrl(), ref);
        try {
            return new KubernetesClientBuilder()
                    .withConfig(config)
                    // fabric8 adds a logger of whole requests and answers (headers with the token, Secret bodies)
                    // when its logger is at TRACE: never on a client of this source
                    .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor(HTTP_LOGGING, null))
                    .build();
        } catch (RuntimeException e) {
            throw new SecretConfigurationException(
                    "could not build the Kubernetes client (" + e.getClass().getSimpleName() + ")", ref, name);
        }
    }

    private void checkMasterUrl(String url, SecretRef ref) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (RuntimeException e) {
            throw new SecretConfigurationException("the API server's URL is not a URI", ref, name);
        }
        String scheme = uri.getScheme();
        if ("https".equalsIgnoreCase(scheme)) {
            return;
        }
        if (!"http".equalsIgnoreCase(scheme)) {
            throw new SecretConfigurationException("the API server's URL must use https", ref, name);
        }
        if (!allowInsecureHttp && (uri.getHost() == null || !Loopback.isLoopback(uri.getHost()))) {
            throw new SecretConfigurationException(
                    "the API server's URL uses plain http to a host that is not loopback; use https, or"
                            + " allowInsecureHttp(true) to send the token and values in clear text",
                    ref,
                    name);
        }
    }

    private static int millis(Duration d) {
        long ms = d.toMillis();
        return ms > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.max(1, ms);
    }

    /** Stops every watch and closes the client if this source built it; a client of yours stays open. */
    @Override
    public void close() {
        closed = true;
        for (NamespaceWatch w : watches.values()) {
            w.close();
        }
        watches.clear();
        synchronized (clientLock) {
            KubernetesClient c = client;
            if (c != null && given == null) {
                c.close();
            }
        }
    }

    @Override
    public String toString() {
        return "KubernetesSecretSource{name=" + name + ", watch=" + watchEnabled + ", namespaces=" + watches.size()
                + "}";
    }

    /**
     * Builds a {@link KubernetesSecretSource}. Either {@link #client(KubernetesClient)} or the options the source uses
     * to build its own client ({@link #masterUrl}, {@link #requestTimeout}, {@link #connectionTimeout}, {@link
     * #allowInsecureHttp}), not both: {@link #build()} names the conflict. Not thread-safe.
     */
    public static final class Builder {
        private String name = SCHEME;
        private KubernetesClient client;
        private URI masterUrl;
        private boolean allowInsecureHttp;
        private Duration requestTimeout;
        private Duration connectionTimeout;
        private boolean watch = true;
        private String labelSelector;
        private String fieldSelector;
        private Duration resyncInterval = DEFAULT_RESYNC_INTERVAL;
        private Duration reconnectBase = DEFAULT_RECONNECT_BASE;
        private Duration reconnectCap = DEFAULT_RECONNECT_CAP;

        private Builder() {}

        /** The name in logs, events and metrics (default {@code k8s}). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Your own configured client; the source uses it as is and never closes it. Its timeouts, retries and watch
         * reconnects stay yours: set a request timeout on it, and {@code requestRetryBackoffLimit} 0 so that the
         * engine's retries are the only ones.
         */
        public Builder client(KubernetesClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * The API server of the client the source builds, instead of the one the service account or kubeconfig
         * names. It must be {@code https}, or plain {@code http} to a loopback host ({@code localhost}, {@code
         * 127.0.0.0/8}, {@code ::1}) unless {@link #allowInsecureHttp(boolean)} allows it for any host; the URL the
         * configuration names is checked the same way on first use.
         */
        public Builder masterUrl(URI url) {
            this.masterUrl = Objects.requireNonNull(url, "masterUrl");
            return this;
        }

        /** Allows plain {@code http} to an API server that is not loopback (default false). */
        public Builder allowInsecureHttp(boolean allow) {
            this.allowInsecureHttp = allow;
            return this;
        }

        /**
         * The deadline of each request of the client the source builds (default {@link
         * KubernetesSecretSource#DEFAULT_REQUEST_TIMEOUT 10 s}); the watch's long-lived stream is not cut by it. Keep
         * it below the engine's {@code loadTimeout} (30 s by default).
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout, "requestTimeout");
            return this;
        }

        /** How long the client the source builds waits for a connection (default {@link KubernetesSecretSource#DEFAULT_CONNECTION_TIMEOUT 5 s}). */
        public Builder connectionTimeout(Duration timeout) {
            this.connectionTimeout = Objects.requireNonNull(timeout, "connectionTimeout");
            return this;
        }

        /**
         * Whether to watch the namespaces read from (default true). Off, changes are seen by the engine's poll only,
         * each poll a GET per secret, and the source needs only {@code get} on {@code secrets}.
         */
        public Builder watch(boolean watch) {
            this.watch = watch;
            return this;
        }

        /**
         * Watch only the Secrets with these labels (a Kubernetes label selector, such as {@code app=shop}). A Secret
         * outside the selector is still read, and its changes are seen by the poll only.
         */
        public Builder labelSelector(String selector) {
            this.labelSelector = Objects.requireNonNull(selector, "labelSelector");
            return this;
        }

        /** Watch only the Secrets matching this field selector (such as {@code type=Opaque}); as {@link #labelSelector}. */
        public Builder fieldSelector(String selector) {
            this.fieldSelector = Objects.requireNonNull(selector, "fieldSelector");
            return this;
        }

        /**
         * How often each watched namespace is listed again, to heal any event a watch may have missed (default
         * {@link KubernetesSecretSource#DEFAULT_RESYNC_INTERVAL 1 h}).
         */
        public Builder resyncInterval(Duration interval) {
            this.resyncInterval = Objects.requireNonNull(interval, "resyncInterval");
            return this;
        }

        /**
         * The wait before a closed watch is opened again: a random wait up to {@code base}, doubling with each attempt
         * that fails, never more than {@code cap} (defaults 1 s and 2 min). An opened watch starts the count again.
         */
        public Builder reconnectBackoff(Duration base, Duration cap) {
            this.reconnectBase = Objects.requireNonNull(base, "reconnectBackoff base");
            this.reconnectCap = Objects.requireNonNull(cap, "reconnectBackoff cap");
            return this;
        }

        public KubernetesSecretSource build() {
            if (name == null || name.isBlank()) {
                throw new SecretConfigurationException("name must not be blank", null, null);
            }
            if (client != null) {
                List<String> conflicting = new ArrayList<>();
                if (masterUrl != null) {
                    conflicting.add("masterUrl");
                }
                if (requestTimeout != null) {
                    conflicting.add("requestTimeout");
                }
                if (connectionTimeout != null) {
                    conflicting.add("connectionTimeout");
                }
                if (allowInsecureHttp) {
                    conflicting.add("allowInsecureHttp");
                }
                if (!conflicting.isEmpty()) {
                    throw new SecretConfigurationException(
                            "client conflicts with " + String.join(", ", conflicting)
                                    + ": configure those on your client, or leave client unset",
                            null,
                            name);
                }
            }
            positive("requestTimeout", requestTimeout);
            positive("connectionTimeout", connectionTimeout);
            positive("resyncInterval", resyncInterval);
            positive("reconnectBackoff base", reconnectBase);
            positive("reconnectBackoff cap", reconnectCap);
            if (reconnectBase.compareTo(reconnectCap) > 0) {
                throw new SecretConfigurationException(
                        "reconnectBackoff base (" + reconnectBase + ") must not be longer than its cap (" + reconnectCap
                                + ")",
                        null,
                        name);
            }
            if (labelSelector != null && labelSelector.isBlank()) {
                throw new SecretConfigurationException("labelSelector must not be blank", null, name);
            }
            if (fieldSelector != null && fieldSelector.isBlank()) {
                throw new SecretConfigurationException("fieldSelector must not be blank", null, name);
            }
            if (masterUrl != null) {
                checkUrl();
            }
            return new KubernetesSecretSource(this);
        }

        private void checkUrl() {
            String scheme = masterUrl.getScheme();
            String host = masterUrl.getHost();
            if (scheme == null || host == null || host.isEmpty()) {
                throw new SecretConfigurationException(
                        "masterUrl must be an absolute https URI with a host", null, name);
            }
            if (masterUrl.getRawUserInfo() != null
                    || masterUrl.getRawQuery() != null
                    || masterUrl.getRawFragment() != null) {
                throw new SecretConfigurationException(
                        "masterUrl must not hold credentials, a query or a fragment", null, name);
            }
            if (scheme.equalsIgnoreCase("https")) {
                return;
            }
            if (!scheme.equalsIgnoreCase("http")) {
                throw new SecretConfigurationException(
                        "masterUrl must use https (or http to loopback), not " + scheme, null, name);
            }
            if (!allowInsecureHttp && !Loopback.isLoopback(host)) {
                throw new SecretConfigurationException(
                        "masterUrl uses plain http to a host that is not loopback; use https, or"
                                + " allowInsecureHttp(true) to send the token and values in clear text",
                        null,
                        name);
            }
        }

        private void positive(String option, Duration d) {
            if (d != null && (d.isNegative() || d.isZero())) {
                throw new SecretConfigurationException(option + " must be positive, was " + d, null, name);
            }
        }
    }
}
