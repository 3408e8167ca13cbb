package dev.rotor.secrets.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.security.keyvault.secrets.SecretAsyncClient;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;
import dev.rotor.secrets.Lease;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretExpiredException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.azure.internal.AnswerPolicy;
import dev.rotor.secrets.azure.internal.KeyVaultErrors;
import dev.rotor.secrets.azure.internal.KeyVaultRef;
import dev.rotor.secrets.azure.internal.SecretContent;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.SourceContext;
import dev.rotor.secrets.spi.VersionProbe;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Azure Key Vault as a Rotor {@link SecretSource} for refs of the scheme {@code azure-kv}: {@code
 * azure-kv:<vault-name>/<secret-name>[/<version>][#json-key]} (the vault {@code https://<vault-name>.vault.azure.net})
 * or {@code azure-kv:https://<vault-host>/secrets/<secret-name>[/<version>][#json-key]}.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder()
 *         .source(AzureKeyVaultSource.builder()
 *                 .credential(new ManagedIdentityCredentialBuilder().build())   // default: DefaultAzureCredential
 *                 .build())
 *         .build();
 * String password = secrets.value("azure-kv:orders-prod/db#password");
 * }</pre>
 *
 * <p><b>Values.</b> A value holding a JSON object becomes fields (nested values as their JSON text); any other value is
 * a raw value. {@link Secret#version()} is Key Vault's version id, {@link Secret#attributes()} holds {@code
 * contentType} (when set), {@code vaultUrl} and {@code updatedOn}. A version with an {@code expiresOn} date carries a
 * {@link Lease} that ends then: past it the engine does not serve it (the hard deadline), and it keeps looking for a
 * new version every poll interval meanwhile. A version whose {@code notBefore} is still ahead is not usable yet
 * ({@link SecretNotFoundException}), one already expired is {@link SecretExpiredException}, and a disabled one (Key
 * Vault answers {@code 403 Forbidden} with the inner error {@code SecretDisabled}) is {@link SecretNotFoundException}
 * saying so.
 *
 * <p><b>Change detection.</b> Each poll is one {@code GetSecret} of the latest version: one Key Vault transaction,
 * the same cost as listing the secret's versions (which does not even say which is the latest without reading every
 * page), and it brings the value along, so a changed version costs no second call. A ref pinned to a version never
 * changes and is never read again. The default poll interval is {@link #DEFAULT_POLL_INTERVAL}; the module's README
 * has the quota arithmetic for fleets.
 *
 * <p><b>Client.</b> Give your own configured {@link SecretClient} for a vault ({@link Builder#client(SecretClient)},
 * once per vault; it stays yours, with its own timeouts and retries), or let the source build one client per vault on
 * first use, all sharing one HTTP client (the JDK's own, so the adapter brings no Netty) and one credential ({@code DefaultAzureCredential} unless {@link
 * Builder#credential(TokenCredential)} names another; managed identity and workload identity come through it). The
 * clients it builds put a deadline on every whole call ({@link Builder#callTimeout(Duration)}, 10 s, token acquisition
 * included), a response and a read timeout on the connection, make no retry of their own (the engine retries, with
 * backoff and jitter, and honours {@code Retry-After}), cap every answer at {@link #MAX_ANSWER_BYTES}, log no HTTP
 * traffic and verify TLS always (against the JDK's trust, or {@link Builder#trustStore(KeyStore)}).
 *
 * <p>Thread-safe: the engine may call it from several threads at once.
 */
public final class AzureKeyVaultSource implements SecretSource {
    /** The ref scheme this source answers. */
    public static final String SCHEME = "azure-kv";

    /** The DNS suffix of vaults in the Azure public cloud. */
    public static final String DEFAULT_DNS_SUFFIX = "vault.azure.net";

    /** The default deadline of a whole call (token, connection, request and whole answer): 10 s. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);

    /** The default wait for an answer's headers once the request is sent: 5 s. */
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(5);

    /** The default longest silence while an answer is read: 5 s. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(5);

    /** The default wait for a connection: 5 s. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /**
     * The default poll interval of this source: 5 min. One poll is one transaction; a vault allows 4,000 per 10 s, so
     * at this interval a fleet may hold 120,000 (instance, secret) pairs on one vault before polls alone reach its
     * limit (the module's README has the arithmetic).
     */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMinutes(5);

    /** The largest answer read: 64 KiB (Key Vault stores values of at most 25 KiB). */
    public static final int MAX_ANSWER_BYTES = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(AzureKeyVaultSource.class);
    private static final int MAX_VAULTS = 64;

    private final String name;
    private final String dnsSuffix;
    private final Map<String, URI> vaultUrls;
    private final Map<String, SecretClient> userClients;
    private final TokenCredential credential;
    private final String managedIdentityClientId;
    private final Duration callTimeout;
    private final Duration responseTimeout;
    private final Duration readTimeout;
    private final Duration connectTimeout;
    private final KeyStore trustStore;
    private final boolean disableChallengeResourceVerification;

    private final Map<String, SecretAsyncClient> built = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private HttpClient httpClient;
    private TokenCredential sharedCredential;
    private volatile TimeSource time = TimeSource.system();
    private volatile RefreshPolicy policy = RefreshPolicy.defaults();
    private volatile RandomGenerator random = RandomGenerator.getDefault();
    private volatile boolean closed;

    private AzureKeyVaultSource(Builder b) {
        this.name = b.name;
        this.dnsSuffix = b.dnsSuffix;
        this.vaultUrls = Map.copyOf(b.vaultUrls);
        this.userClients = Map.copyOf(b.clients);
        this.credential = b.credential;
        this.managedIdentityClientId = b.managedIdentityClientId;
        this.callTimeout = b.callTimeout;
        this.responseTimeout = b.responseTimeout;
        this.readTimeout = b.readTimeout;
        this.connectTimeout = b.connectTimeout;
        this.trustStore = b.trustStore;
        this.disableChallengeResourceVerification = b.disableChallengeResourceVerification;
    }

    /** A source with every default: {@code DefaultAzureCredential}, the public cloud, built on first use. */
    public static AzureKeyVaultSource create() {
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

    /** Polls every {@link #DEFAULT_POLL_INTERVAL}; everything else is the engine's default. */
    @Override
    public RefreshPolicy defaultRefreshPolicy() {
        return RefreshPolicy.builder().pollInterval(DEFAULT_POLL_INTERVAL).build();
    }

    @Override
    public void start(SourceContext context) {
        this.time = context.timeSource();
        this.policy = context.refreshPolicy();
        this.random = context.random();
        Duration loadTimeout = policy.loadTimeout();
        if (userClients.isEmpty() && loadTimeout != null && callTimeout.compareTo(loadTimeout) >= 0) {
            LOG.warn(
                    "callTimeout {} of source {} is not below the engine's loadTimeout {}: a call may go on after the"
                            + " read waiting for it was released; set callTimeout below loadTimeout",
                    callTimeout,
                    name,
                    loadTimeout);
        }
    }

    @Override
    public Secret fetch(FetchRequest request) {
        SecretRef ref = request.ref();
        KeyVaultRef kv = parse(ref);
        KeyVaultSecret answer = get(kv, ref);
        return toSecret(ref, kv, answer);
    }

    /** A ref pinned to a version: that version, with no call. The latest version: read by the fetch itself. */
    @Override
    public Optional<VersionProbe> probe(SecretRef ref) {
        KeyVaultRef kv = parse(ref);
        return kv.version() == null ? Optional.empty() : Optional.of(VersionProbe.of(kv.version()));
    }

    private KeyVaultRef parse(SecretRef ref) {
        if (!ref.parameters().isEmpty()) {
            throw new SecretConfigurationException(
                    "azure-kv refs take no parameters; pin a version as <vault>/<name>/<version>",
                    ref.withoutField(),
                    name);
        }
        return KeyVaultRef.parse(ref, vaultUrls, dnsSuffix, name);
    }

    private KeyVaultSecret get(KeyVaultRef kv, SecretRef ref) {
        SecretRef base = ref.withoutField();
        try {
            SecretClient mine = userClients.get(kv.vaultUrl());
            if (mine != null) {
                return mine.getSecret(kv.name(), kv.version());
            }
            if (!userClients.isEmpty()) {
                throw new SecretConfigurationException(
                        "no client for the vault " + kv.vaultUrl() + ": give one with client(...) for it", base, name);
            }
            SecretAsyncClient client = client(kv.vaultUrl(), base);
            KeyVaultSecret s = (kv.version() == null
                            ? client.getSecret(kv.name())
                            : client.getSecret(kv.name(), kv.version()))
                    .timeout(callTimeout)
                    .block();
            if (s == null) {
                throw new SourceUnavailableException("GetSecret answered nothing", base, name);
            }
            return s;
        } catch (RuntimeException e) {
            if (causeIsInterrupt(e)) {
                Thread.currentThread().interrupt();
            }
            throw KeyVaultErrors.map(e, "GetSecret", base, name, time.now());
        }
    }

    private static boolean causeIsInterrupt(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    private Secret toSecret(SecretRef ref, KeyVaultRef kv, KeyVaultSecret answer) {
        SecretRef base = ref.withoutField();
        SecretProperties p = answer.getProperties();
        if (p == null || p.getVersion() == null || p.getVersion().isEmpty()) {
            throw new SecretFormatException("the answer has no version id", base, name);
        }
        Instant now = time.now();
        if (Boolean.FALSE.equals(p.isEnabled())) {
            throw new SecretNotFoundException(
                    "the secret's version is disabled; enable it, or set a new enabled version", base, name);
        }
        Instant notBefore = instant(p.getNotBefore());
        if (notBefore != null && notBefore.isAfter(now)) {
            throw new SecretNotFoundException(
                    "the secret's version is not valid before " + notBefore + " (notBefore); no usable version yet",
                    base,
                    name);
        }
        Instant expires = instant(p.getExpiresOn());
        if (expires != null && !expires.isAfter(now)) {
            throw new SecretExpiredException(
                    "the secret's version expired at " + expires + " (expiresOn); set a new version", base, name);
        }
        Secret.Builder b = Secret.builder(base).version(p.getVersion()).fetchedAt(now);
        SecretContent.apply(b, answer.getValue(), base, name);
        b.attribute("vaultUrl", kv.vaultUrl());
        if (p.getContentType() != null && !p.getContentType().isEmpty()) {
            b.attribute("contentType", p.getContentType());
        }
        Instant updated = instant(p.getUpdatedOn());
        if (updated != null) {
            b.attribute("updatedOn", updated.toString());
        }
        if (expires != null) {
            // the version is usable from when it was made (or its notBefore) to its expiresOn: the lease, the same on
            // every read of the version, so that a re-read of an unchanged version is no change
            Instant issued = instant(p.getCreatedOn());
            if (notBefore != null && (issued == null || notBefore.isAfter(issued))) {
                issued = notBefore;
            }
            if (issued == null || issued.isAfter(now)) {
                issued = now;
            }
            b.lease(Lease.builder(Duration.between(issued, expires), issued).build());
            if (kv.version() == null) {
                // the store may replace the version at any time before it expires: keep polling meanwhile
                b.checkAgainAt(nextPoll(now));
            }
        }
        return b.build();
    }

    private Instant nextPoll(Instant now) {
        RefreshPolicy p = policy;
        Duration poll = p.pollInterval();
        long jitter = (long) (random.nextDouble() * poll.toNanos() * p.pollJitter());
        return now.plus(poll).minusNanos(jitter);
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    private SecretAsyncClient client(String vaultUrl, SecretRef ref) {
        SecretAsyncClient c = built.get(vaultUrl);
        if (c != null) {
            return c;
        }
        synchronized (lock) {
            if (closed) {
                throw new SecretConfigurationException("source is closed", ref, name);
            }
            c = built.get(vaultUrl);
            if (c != null) {
                return c;
            }
            if (built.size() >= MAX_VAULTS) {
                throw new SecretConfigurationException(
                        "refs name more than " + MAX_VAULTS + " vaults; use one source per group of vaults", ref, name);
            }
            try {
                SecretClientBuilder b = new SecretClientBuilder()
                        .vaultUrl(vaultUrl)
                        .credential(credential())
                        .httpClient(httpClient())
                        // no retry of the SDK's own: the engine retries with backoff and honours Retry-After
                        .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ofMillis(1))))
                        // never log HTTP traffic, whatever AZURE_HTTP_LOG_DETAIL_LEVEL says
                        .httpLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE))
                        .addPolicy(new AnswerPolicy(MAX_ANSWER_BYTES));
                if (disableChallengeResourceVerification) {
                    b.disableChallengeResourceVerification();
                }
                c = b.buildAsyncClient();
            } catch (RuntimeException e) {
                throw new SecretConfigurationException(
                        "could not build the Key Vault client (" + e.getClass().getSimpleName() + ")", ref, name, e);
            }
            built.put(vaultUrl, c);
            return c;
        }
    }

    private TokenCredential credential() {
        if (credential != null) {
            return credential;
        }
        if (sharedCredential == null) {
            DefaultAzureCredentialBuilder b = new DefaultAzureCredentialBuilder();
            if (managedIdentityClientId != null) {
                b.managedIdentityClientId(managedIdentityClientId);
            }
            sharedCredential = b.build();
        }
        return sharedCredential;
    }

    private HttpClient httpClient() {
        if (httpClient != null) {
            return httpClient;
        }
        java.net.http.HttpClient.Builder jdk = java.net.http.HttpClient.newBuilder();
        if (trustStore != null) {
            jdk.sslContext(sslContext(trustStore));
        }
        httpClient = new JdkHttpClientBuilder(jdk)
                .connectionTimeout(connectTimeout)
                .responseTimeout(responseTimeout)
                .readTimeout(readTimeout)
                .writeTimeout(readTimeout)
                .build();
        return httpClient;
    }

    private SSLContext sslContext(KeyStore trust) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new SecretConfigurationException(
                    "the trust store cannot be used (" + e.getClass().getSimpleName() + ")", null, name, e);
        }
    }

    @Override
    public void close() {
        // the JDK client has no close on Java 17: its idle connections and threads end once it is unreachable
        synchronized (lock) {
            closed = true;
            built.clear();
            httpClient = null;
        }
    }

    @Override
    public String toString() {
        return "AzureKeyVaultSource{name=" + name + ", dnsSuffix=" + dnsSuffix + ", vaults=" + vaultUrls.keySet()
                + ", userClients=" + userClients.size() + ", callTimeout=" + callTimeout + "}";
    }

    /**
     * Builds an {@link AzureKeyVaultSource}. Either {@link #client(SecretClient) clients of your own} or the options the
     * source uses to build its own ({@link #credential}, {@link #vaultUrl}, {@link #callTimeout}, {@link
     * #responseTimeout}, {@link #readTimeout}, {@link #connectTimeout}, {@link #trustStore}, {@link
     * #disableChallengeResourceVerification}), not both: {@link #build()} names the conflict. Not thread-safe.
     */
    public static final class Builder {
        private String name = SCHEME;
        private String dnsSuffix = DEFAULT_DNS_SUFFIX;
        private final Map<String, URI> vaultUrls = new LinkedHashMap<>();
        private final Map<String, SecretClient> clients = new LinkedHashMap<>();
        private TokenCredential credential;
        private String managedIdentityClientId;
        private Duration callTimeout;
        private Duration responseTimeout;
        private Duration readTimeout;
        private Duration connectTimeout;
        private KeyStore trustStore;
        private boolean disableChallengeResourceVerification;

        private Builder() {}

        /** The name in logs, events and metrics (default {@code azure-kv}). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * The DNS suffix a vault name is completed with (default {@code vault.azure.net}; {@code vault.azure.cn},
         * {@code vault.usgovcloudapi.net} in the sovereign clouds).
         */
        public Builder dnsSuffix(String suffix) {
            this.dnsSuffix = Objects.requireNonNull(suffix, "dnsSuffix");
            return this;
        }

        /**
         * Where the vault {@code vaultName} is reached instead of {@code https://<vaultName>.<dnsSuffix>}: a private
         * endpoint's name, an emulator or a test fake ({@code https://127.0.0.1:8443}). Must be {@code https} with a
         * host and no path, query or user info (the SDK sends tokens over {@code https} only).
         */
        public Builder vaultUrl(String vaultName, URI url) {
            Objects.requireNonNull(vaultName, "vaultName");
            Objects.requireNonNull(url, "url");
            vaultUrls.put(vaultName.toLowerCase(Locale.ROOT), url);
            return this;
        }

        /**
         * Your own configured client for the vault it was built for ({@link SecretClient#getVaultUrl()}); call once per
         * vault. The source uses it as is: its credential, timeouts, retries and policies stay yours (add no retry, a
         * response timeout, and no body logging). Refs to vaults without a client are refused.
         */
        public Builder client(SecretClient client) {
            Objects.requireNonNull(client, "client");
            clients.put(normalise(client.getVaultUrl()), client);
            return this;
        }

        /**
         * The credential of the clients the source builds (default {@code DefaultAzureCredential}: environment,
         * workload identity, managed identity, then the developer tools, as the Azure SDK orders them).
         */
        public Builder credential(TokenCredential credential) {
            this.credential = Objects.requireNonNull(credential, "credential");
            return this;
        }

        /**
         * The client id of the user-assigned managed identity {@code DefaultAzureCredential} signs in as (default: the
         * system-assigned identity, or {@code AZURE_CLIENT_ID}). Not with {@link #credential(TokenCredential)}.
         */
        public Builder managedIdentityClientId(String clientId) {
            this.managedIdentityClientId = Objects.requireNonNull(clientId, "managedIdentityClientId");
            return this;
        }

        /**
         * The deadline of a whole call on the clients the source builds (default {@link
         * AzureKeyVaultSource#DEFAULT_CALL_TIMEOUT 10 s}): the token, the bearer challenge, the connection, the request
         * and the whole answer. A call still running then is cancelled and fails with a retryable {@link
         * SourceUnavailableException}. Keep it below the engine's {@code loadTimeout} (30 s by default).
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = Objects.requireNonNull(timeout, "callTimeout");
            return this;
        }

        /** How long to wait for an answer's headers once the request is sent (default 5 s). */
        public Builder responseTimeout(Duration timeout) {
            this.responseTimeout = Objects.requireNonNull(timeout, "responseTimeout");
            return this;
        }

        /** The longest silence while an answer is read (default 5 s). */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = Objects.requireNonNull(timeout, "readTimeout");
            return this;
        }

        /** How long to wait for a connection (default 5 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "connectTimeout");
            return this;
        }

        /**
         * The certificates the clients the source builds trust, instead of the JDK's: a TLS-inspecting proxy's CA, an
         * emulator's self-signed certificate. Verification stays on: host names are checked, nothing is trusted blindly.
         */
        public Builder trustStore(KeyStore trustStore) {
            this.trustStore = Objects.requireNonNull(trustStore, "trustStore");
            return this;
        }

        /**
         * Whether the clients the source builds accept a bearer challenge whose resource is not a parent domain of the
         * vault's host (default false). Only for an emulator or a fake on {@code 127.0.0.1}; never in production.
         */
        public Builder disableChallengeResourceVerification(boolean disable) {
            this.disableChallengeResourceVerification = disable;
            return this;
        }

        public AzureKeyVaultSource build() {
            if (name == null || name.isBlank()) {
                throw new SecretConfigurationException("name must not be blank", null, null);
            }
            if (dnsSuffix.isBlank() || !dnsSuffix.matches("[A-Za-z0-9.-]+") || dnsSuffix.startsWith(".")) {
                throw new SecretConfigurationException(
                        "dnsSuffix must be a DNS name such as vault.azure.net", null, name);
            }
            if (credential != null && managedIdentityClientId != null) {
                throw new SecretConfigurationException(
                        "credential conflicts with managedIdentityClientId: set the client id on your credential",
                        null,
                        name);
            }
            if (!clients.isEmpty()) {
                List<String> conflicting = new ArrayList<>();
                if (credential != null) {
                    conflicting.add("credential");
                }
                if (managedIdentityClientId != null) {
                    conflicting.add("managedIdentityClientId");
                }
                if (!vaultUrls.isEmpty()) {
                    conflicting.add("vaultUrl");
                }
                if (callTimeout != null) {
                    conflicting.add("callTimeout");
                }
                if (responseTimeout != null) {
                    conflicting.add("responseTimeout");
                }
                if (readTimeout != null) {
                    conflicting.add("readTimeout");
                }
                if (connectTimeout != null) {
                    conflicting.add("connectTimeout");
                }
                if (trustStore != null) {
                    conflicting.add("trustStore");
                }
                if (disableChallengeResourceVerification) {
                    conflicting.add("disableChallengeResourceVerification");
                }
                if (!conflicting.isEmpty()) {
                    throw new SecretConfigurationException(
                            "client conflicts with " + String.join(", ", conflicting)
                                    + ": configure those on your client, or leave client unset",
                            null,
                            name);
                }
            }
            for (Map.Entry<String, URI> e : vaultUrls.entrySet()) {
                checkVaultUrl(e.getKey(), e.getValue());
            }
            callTimeout = positive("callTimeout", callTimeout, DEFAULT_CALL_TIMEOUT);
            responseTimeout = positive("responseTimeout", responseTimeout, DEFAULT_RESPONSE_TIMEOUT);
            readTimeout = positive("readTimeout", readTimeout, DEFAULT_READ_TIMEOUT);
            connectTimeout = positive("connectTimeout", connectTimeout, DEFAULT_CONNECT_TIMEOUT);
            for (Duration d : List.of(responseTimeout, readTimeout, connectTimeout)) {
                if (d.compareTo(callTimeout) > 0) {
                    throw new SecretConfigurationException(
                            "responseTimeout, readTimeout and connectTimeout must not be longer than callTimeout ("
                                    + callTimeout + ")",
                            null,
                            name);
                }
            }
            return new AzureKeyVaultSource(this);
        }

        private Duration positive(String option, Duration d, Duration dflt) {
            if (d == null) {
                return dflt;
            }
            if (d.isNegative() || d.isZero()) {
                throw new SecretConfigurationException(option + " must be positive, was " + d, null, name);
            }
            return d;
        }

        private void checkVaultUrl(String vault, URI url) {
            boolean ok = "https".equalsIgnoreCase(url.getScheme())
                    && url.getHost() != null
                    && !url.getHost().isEmpty()
                    && url.getRawUserInfo() == null
                    && url.getRawQuery() == null
                    && url.getRawFragment() == null
                    && (url.getRawPath() == null
                            || url.getRawPath().isEmpty()
                            || url.getRawPath().equals("/"));
            if (!ok) {
                throw new SecretConfigurationException(
                        "vaultUrl for " + vault + " must be https://<host>[:<port>] with no path, query or user info",
                        null,
                        name);
            }
        }

        private static String normalise(String url) {
            URI u = URI.create(url);
            return u.getScheme().toLowerCase(Locale.ROOT) + "://" + u.getHost().toLowerCase(Locale.ROOT)
                    + (u.getPort() >= 0 ? ":" + u.getPort() : "");
        }
    }
}
