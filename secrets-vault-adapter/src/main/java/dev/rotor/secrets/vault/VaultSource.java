package dev.rotor.secrets.vault;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceIdentity;
import dev.rotor.secrets.spi.AccessFinding;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.SourceContext;
import dev.rotor.secrets.vault.internal.AuthMethod;
import dev.rotor.secrets.vault.internal.CapabilityCheck;
import dev.rotor.secrets.vault.internal.ClientCertificateFiles;
import dev.rotor.secrets.vault.internal.PathPolicy;
import dev.rotor.secrets.vault.internal.Text;
import dev.rotor.secrets.vault.internal.Tls;
import dev.rotor.secrets.vault.internal.TokenAuth;
import dev.rotor.secrets.vault.internal.TokenSession;
import dev.rotor.secrets.vault.internal.TokenSession.Token;
import dev.rotor.secrets.vault.internal.VaultHttp;
import dev.rotor.secrets.vault.internal.VaultReads;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Function;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SecretSource} for HashiCorp Vault and OpenBao, scheme {@code vault:}. It reads KV v2 secrets (with {@code
 * ?version=N}), KV v1 secrets, dynamic secrets with leases (database, AWS, RabbitMQ, ...: renewed through {@code
 * sys/leases/renew}, revoked through {@code sys/leases/revoke}) and database static roles (read again just after Vault
 * rotates them). The engine drives all timing; this source answers one call at a time.
 *
 * <pre>{@code
 * VaultSource vault = VaultSource.builder()
 *         .address("https://vault.internal:8200")
 *         .auth(VaultAuth.kubernetes("orders"))
 *         .caCertificatePem(Path.of("/etc/vault/ca.pem"))
 *         .build();
 * try (Secrets secrets = Secrets.builder().source(vault).build()) {
 *     String password = secrets.value("vault:secret/orders/db#password");     // KV v2, latest version
 *     Secret creds = secrets.get("vault:database/creds/orders");               // dynamic, leased
 * }
 * }</pre>
 *
 * <p>The Vault token is kept alive by the same engine: a private client renews it at about two thirds of its TTL and
 * logs in again when renewal stops paying or Vault refuses it (one re-login and one retry on a 403, never a loop).
 * {@link #start(SourceContext)} does no network call; the first fetch logs in. Thread-safe; {@link #toString()} never
 * shows a credential.
 */
public final class VaultSource implements SecretSource {
    private static final Logger LOG = LoggerFactory.getLogger(VaultSource.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String scheme;
    private final String name;
    private final HttpUrl address;
    private final VaultHttp http;
    private final AuthMethod auth;
    private final Executor sessionExecutor;
    private final VaultReads reads;
    private final PathPolicy paths;
    private final boolean checkCapabilitiesAtStart;
    private volatile TokenSession session;
    private volatile SourceContext context;

    private VaultSource(Builder b, HttpUrl address, VaultHttp http) {
        this.scheme = b.scheme;
        this.name = b.name;
        this.address = address;
        this.http = http;
        this.auth = (AuthMethod) b.auth;
        this.sessionExecutor = b.sessionExecutor;
        this.paths = PathPolicy.of(b.allowedPaths);
        this.checkCapabilitiesAtStart = b.checkCapabilitiesAtStart;
        this.reads = new VaultReads(http, name, b.kvVersions, this::withToken, b.revokeReplacedCertificates);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String scheme() {
        return scheme;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<SourceCapability> capabilities() {
        return Set.of(SourceCapability.RENEW, SourceCapability.REVOKE, SourceCapability.PROBE_VERSION);
    }

    @Override
    public Set<String> parameters() {
        return VaultReads.PARAMETERS;
    }

    /**
     * Builds the token session on the client's scheduler, executor, random generator and policy; no network call. When
     * the session replaces its token, the held dynamic secrets issued under the old one are re-issued through {@link
     * SourceContext#reissue}.
     */
    @Override
    public synchronized void start(SourceContext ctx) {
        if (session != null) {
            return;
        }
        this.context = Objects.requireNonNull(ctx, "context");
        http.useClock(ctx.timeSource());
        reads.start(ctx, () -> session);
        this.session = new TokenSession(http, auth, ctx, sessionExecutor, name, reads::tokenReplaced);
    }

    /**
     * Reads the secret; a ref outside the allowed paths (see {@link Builder#allowPaths(String...)}) is refused with a
     * {@link SecretAccessDeniedException} before any call to Vault.
     */
    /**
     * Who the application is to Vault, for audit records: from the answer of the login (or, for a given token, of
     * {@code auth/token/lookup-self}): the entity id as principal (else the token's display name), the display name,
     * the role ({@code role_name} or {@code role} of the login's metadata), the token's policies, and the entity and
     * path as attributes. Learned again whenever the token is replaced. Logs in when no token was obtained yet.
     */
    @Override
    public Optional<SourceIdentity> identity() {
        TokenSession s = session;
        return s == null ? Optional.empty() : Optional.of(s.identity());
    }

    @Override
    public Secret fetch(FetchRequest request) {
        paths.check(request.ref(), name);
        return reads.fetch(request.ref());
    }

    /**
     * The start-up least-privilege check (on unless {@link Builder#checkCapabilitiesAtStart(boolean)} turned it off):
     * maps each ref to the API paths its reads call (a KV v2 secret's {@code <mount>data/<path>}, a PKI role's {@code
     * <mount>issue/<role>}, a dynamic secret's path and {@code sys/leases/renew}) and the capability each needs, adds
     * the paths the client calls later ({@code sys/leases/revoke} for a dynamic secret, {@code <mount>revoke} for a
     * PKI ref with {@link Builder#revokeReplacedCertificates}, {@code auth/token/renew-self} for a renewable token),
     * and asks Vault once, {@code POST sys/capabilities-self}, what the token may do there. A capability a read or a
     * lease renewal needs that is missing is a {@link AccessFinding.Kind#MISSING} finding (the client refuses to
     * start, naming ref, path, needed and granted capabilities); one only a revocation or the token's renewal needs
     * is a {@link AccessFinding.Kind#LIMITED} warning naming path and capability (reads work; see {@code
     * CapabilityCheck} for why each is what it is); more than needed, or a root token, is a warning; a Vault that
     * refuses the check is a warning too. Logs in if the token session has not yet.
     */
    @Override
    public List<AccessFinding> checkAccess(Collection<SecretRef> refs) {
        if (!checkCapabilitiesAtStart || refs.isEmpty()) {
            return List.of();
        }
        CapabilityCheck check = new CapabilityCheck(
                name,
                reads::neededCapabilities,
                reads::lifecycleCapabilities,
                this::sessionCapabilities,
                paths,
                (ref, body) -> withToken(
                        ref,
                        t -> http.call(
                                "POST",
                                "sys/capabilities-self",
                                body,
                                t.value(),
                                "capability check (sys/capabilities-self)",
                                ref)));
        return check.check(refs);
    }

    /**
     * The token's own later call: {@code auth/token/renew-self} (update) when the token in service is renewable, as
     * the session renews it then; nothing for a token that cannot be renewed.
     */
    private List<CapabilityCheck.Step> sessionCapabilities(SecretRef ref) {
        boolean renewable = withToken(ref, Token::renewable);
        if (!renewable) {
            return List.of();
        }
        return List.of(new CapabilityCheck.Step(
                "auth/token/renew-self",
                "update",
                auth instanceof TokenAuth
                        ? "the given token is not renewed and stops working when its TTL ends"
                        : "the token is not renewed: it serves until its TTL ends and is then replaced by a new"
                                + " login, and the dynamic secrets issued under it are issued again"));
    }

    @Override
    public Optional<String> probeVersion(SecretRef ref) {
        paths.check(ref, name);
        return reads.probeVersion(ref);
    }

    @Override
    public Lease renew(SecretRef ref, Lease lease, Duration increment) {
        paths.check(ref, name);
        return reads.renew(ref, lease, increment);
    }

    @Override
    public void revoke(SecretRef ref, Lease lease) {
        paths.check(ref, name);
        reads.revoke(ref, lease);
    }

    /**
     * Calls Vault with the current token. On a 403 it asks Vault whether the token itself is still good ({@code
     * auth/token/lookup-self}): if it is, the refusal is the policy's and is passed on as it is (no login, so the
     * dynamic secrets held under the token are not re-issued); if it is not, it logs in again once and retries once.
     */
    private <T> T withToken(SecretRef ref, Function<Token, T> call) {
        TokenSession s = session;
        if (s == null) {
            throw new SecretConfigurationException("VaultSource used before the client started it", ref, name);
        }
        Token t = s.current(ref);
        try {
            return call.apply(t);
        } catch (SecretAccessDeniedException denied) {
            if (s.accepted(ref, t)) {
                LOG.debug("Vault denied access to {} [source={}] to a token it still accepts", ref, name);
                throw denied;
            }
            LOG.info(
                    "Vault no longer accepts the token [source={}] (at {}); logging in again once and retrying",
                    name,
                    ref);
            s.relogin(ref, t);
            return call.apply(s.current(ref));
        }
    }

    /** Revokes the token the adapter obtained (not a given one) and releases the HTTP client. */
    @Override
    public void close() {
        TokenSession s = session;
        try {
            if (s != null) {
                s.close();
            }
        } finally {
            http.close();
        }
    }

    @Override
    public String toString() {
        return "VaultSource{name=" + name + ", scheme=" + scheme + ", address=" + address + ", auth=" + auth + "}";
    }

    /**
     * Builds a {@link VaultSource}. {@link #address(String)} and {@link #auth(VaultAuth)} are required; {@link
     * #build()} fails naming the first option that is missing or wrong (and reads the PEM files, so a bad file fails
     * there rather than at the first fetch). Not thread-safe.
     */
    public static final class Builder {
        /**
         * The default whole-call deadline: a third of the engine's default {@code loadTimeout} (30 s), so that a call
         * Vault drags out fails as this source's own retryable error, with room for a login and a retry inside one
         * cold read, rather than as the engine's timeout; and ample for Vault, whose slowest usual answer (new
         * database credentials) takes a few seconds.
         */
        public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);

        private String address;
        private VaultAuth auth;
        private String namespace;
        private String scheme = "vault";
        private String name;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration readTimeout = Duration.ofSeconds(30);
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private final List<String> allowedPaths = new ArrayList<>();
        private boolean allowPathsCalled;
        private int maxResponseBytes = 1 << 20;
        private boolean allowInsecureHttp;
        private Path caPem;
        private Path clientCertPem;
        private Path clientKeyPem;
        private Executor sessionExecutor;
        private final Map<String, Integer> kvVersions = new LinkedHashMap<>();
        private boolean revokeReplacedCertificates;
        private boolean checkCapabilitiesAtStart = true;

        private Builder() {}

        /**
         * Whether the client checks at start, with one {@code sys/capabilities-self} call, that the token may read the
         * declared secrets and the exact refs of the client's allow-list, and no more (default true). A missing
         * capability fails {@code Secrets.Builder.build()} with a {@link SecretAccessDeniedException} naming the ref,
         * the path and the capabilities needed and granted, instead of the first read failing later; write, delete,
         * patch or sudo capabilities where a read is enough, and a root token, are logged as warnings and shown in
         * the client's health. On by default because Vault's default policy grants {@code sys/capabilities-self} to
         * every token; a token without it gets a warning, not a failure. Turn it off only where the check must not
         * log in at start (the first read then logs in).
         */
        public Builder checkCapabilitiesAtStart(boolean check) {
            this.checkCapabilitiesAtStart = check;
            return this;
        }

        /** Vault's address, for example {@code https://vault.internal:8200}. */
        public Builder address(String address) {
            this.address = address;
            return this;
        }

        public Builder auth(VaultAuth auth) {
            this.auth = auth;
            return this;
        }

        /** The Enterprise/HCP namespace, sent as {@code X-Vault-Namespace}. */
        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        /** The ref scheme (default {@code vault}); another one lets an application read from two Vaults. */
        public Builder scheme(String scheme) {
            this.scheme = scheme;
            return this;
        }

        /** The name in logs, events and metrics (default: the scheme). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** How long one read of the socket may wait for a byte (default 30 s); see {@link #callTimeout(Duration)}. */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = timeout;
            return this;
        }

        /**
         * The deadline of a whole call to Vault, from connecting to the last byte of the answer (default {@link
         * #DEFAULT_CALL_TIMEOUT}, 10 s). The connect and read timeouts bound each wait; this bounds their sum, so a
         * server that trickles an answer a byte at a time cannot hold a call (and the secret's refresh) for long. A
         * call past it fails with a retryable {@link dev.rotor.secrets.SourceUnavailableException}. Keep it below the
         * client's {@code RefreshPolicy.loadTimeout}.
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = timeout;
            return this;
        }

        /**
         * The only paths refs of this source may name: Vault API paths as written in the refs, without {@code /v1/}
         * (for KV v2 without {@code data/}: {@code secret/orders}), compared whole segment by whole segment, so
         * {@code secret/orders} allows {@code vault:secret/orders/api} but not {@code vault:secret/orders-admin}. Any
         * other ref is refused with {@link SecretAccessDeniedException} before a call is made. May be called more than
         * once; the prefixes add up.
         *
         * <p>Without it, every path is allowed except those under {@code auth/}, {@code sys/}, {@code cubbyhole/} and
         * {@code identity/}: Vault's own endpoints, never a secret a client should read through a ref (a ref such as
         * {@code vault:auth/token/lookup-self} would otherwise be answered with the source's token). Naming one of
         * them here allows it. The source's own token calls are not refs and are never refused.
         */
        public Builder allowPaths(String... prefixes) {
            Objects.requireNonNull(prefixes, "allowPaths");
            allowPathsCalled = true;
            allowedPaths.addAll(java.util.Arrays.asList(prefixes));
            return this;
        }

        /** The largest answer read from Vault (default 1 MiB); a larger one fails with a format error. */
        public Builder maxResponseBytes(int bytes) {
            this.maxResponseBytes = bytes;
            return this;
        }

        /** Allows plain {@code http://} to a host other than loopback (default false: refused). */
        public Builder allowInsecureHttp(boolean allow) {
            this.allowInsecureHttp = allow;
            return this;
        }

        /** The CA certificates (PEM) to trust instead of the JVM's default trust store. */
        public Builder caCertificatePem(Path pem) {
            this.caPem = pem;
            return this;
        }

        /**
         * The client certificate chain (PEM, leaf first) and its unencrypted key (PEM: PKCS#8, PKCS#1 RSA or SEC1 EC),
         * for mTLS and certificate login: for example a cert-manager or Kubernetes TLS secret's {@code tls.crt} and
         * {@code tls.key}. The files are read at {@link #build()} (a missing, malformed or mismatched pair fails there)
         * and followed afterwards: when they change, the new pair is checked (the key is the leaf's, the chain holds,
         * the certificate is valid) and new connections use it, without a restart; idle connections made with the old
         * one are closed. A pair that does not pass (a write in progress) is not used, with one WARN per change, and
         * the pair in service stays. No file watch thread: the files' modification time, size and identity are
         * compared before each call and each new connection.
         */
        public Builder clientCertificatePem(Path certificateChain, Path privateKey) {
            this.clientCertPem = certificateChain;
            this.clientKeyPem = privateKey;
            return this;
        }

        /**
         * Whether a certificate issued through a PKI ref ({@code vault:pki/issue/<role>?common_name=...}) is revoked
         * by its serial number ({@code POST <mount>/revoke}) once its replacement has been handed over (default
         * false). The revocation follows the client's {@code RefreshPolicy.revokeDelay} and holds taken on the old
         * version, as a dynamic lease's revocation does; {@code compromised(ref)} and {@code revokeOnClose} revoke
         * through it too. It needs {@code update} on {@code <mount>/revoke}. Off, a certificate ends at its {@code
         * notAfter}, which is what Vault's PKI guidance recommends for short-lived certificates (a revocation grows
         * the CRL).
         */
        public Builder revokeReplacedCertificates(boolean revoke) {
            this.revokeReplacedCertificates = revoke;
            return this;
        }

        /** Declares the KV version of a mount (1 or 2) instead of asking {@code sys/internal/ui/mounts}. */
        public Builder kvVersion(String mount, int version) {
            kvVersions.put(mount, version);
            return this;
        }

        /**
         * Where the token session's scheduled logins and renewals run (default: the executor of the client that starts
         * the source, so the adapter owns no pool). A login needed by a data call runs on the caller's thread.
         */
        public Builder sessionExecutor(Executor executor) {
            this.sessionExecutor = Objects.requireNonNull(executor, "sessionExecutor");
            return this;
        }

        public VaultSource build() {
            if (address == null || address.isBlank()) {
                throw bad("address is required");
            }
            if (Text.hasControl(address)) {
                throw bad("address must not contain control characters (CR, LF, tab, ...)");
            }
            HttpUrl url = HttpUrl.parse(address.strip());
            if (url == null) {
                throw bad("address is not an http(s) URL: " + address);
            }
            if (url.query() != null || url.fragment() != null || url.username().length() > 0) {
                throw bad("address must not hold a query, a fragment or credentials");
            }
            boolean cleartext = !url.isHttps();
            if (cleartext && !allowInsecureHttp && !isLoopback(url.host())) {
                throw bad(
                        "address uses plain http to a host that is not loopback; use https or allowInsecureHttp(true)");
            }
            if (auth == null) {
                throw bad("auth is required");
            }
            if (!(auth instanceof AuthMethod)) {
                throw bad("auth must come from one of VaultAuth's factories");
            }
            if (((AuthMethod) auth).needsClientCertificate() && clientCertPem == null) {
                throw bad("auth " + auth.method() + " needs clientCertificatePem");
            }
            if (clientCertPem != null && clientKeyPem == null) {
                throw bad("clientCertificatePem needs the private key");
            }
            if (namespace != null && namespace.isBlank()) {
                throw bad("namespace must not be blank");
            }
            // the namespace travels in a header: never echoed, it may hold what would split the header or a log line
            if (namespace != null && Text.hasControl(namespace)) {
                throw bad("namespace must not contain control characters (CR, LF, tab, ...)");
            }
            if (namespace != null && !Text.isVisibleAscii(namespace.strip())) {
                throw bad("namespace must be printable ASCII without spaces (it is sent in the X-Vault-Namespace"
                        + " header)");
            }
            if (name != null && (name.isBlank() || Text.hasControl(name))) {
                throw bad("name must not be blank or contain control characters");
            }
            if (scheme == null || !scheme.matches("[a-z][a-z0-9+.-]{0,31}")) {
                throw bad("scheme must be lower-case letters, digits, '+', '.' or '-', was " + scheme);
            }
            positive("connectTimeout", connectTimeout);
            positive("readTimeout", readTimeout);
            positive("callTimeout", callTimeout);
            if (allowPathsCalled && allowedPaths.isEmpty()) {
                throw bad("allowPaths needs at least one prefix");
            }
            for (String p : allowedPaths) {
                PathPolicy.prefix(p);
            }
            if (maxResponseBytes < 1024 || maxResponseBytes > 64 << 20) {
                throw bad("maxResponseBytes must be between 1 KiB and 64 MiB, was " + maxResponseBytes);
            }
            for (Map.Entry<String, Integer> kv : kvVersions.entrySet()) {
                if (kv.getKey() == null || Text.hasControl(kv.getKey())) {
                    throw bad("kvVersion mount must not be null or contain control characters");
                }
                if (kv.getValue() == null || (kv.getValue() != 1 && kv.getValue() != 2)) {
                    throw bad("kvVersion of mount " + kv.getKey() + " must be 1 or 2, was " + kv.getValue());
                }
            }
            if (name == null) {
                name = scheme;
            }
            VaultHttp.Settings s = new VaultHttp.Settings();
            s.address = url;
            s.namespace = namespace == null ? null : namespace.strip();
            s.connectTimeout = connectTimeout;
            s.readTimeout = readTimeout;
            s.callTimeout = callTimeout;
            s.maxBody = maxResponseBytes;
            s.cleartext = cleartext;
            s.source = name;
            if (caPem != null || clientCertPem != null) {
                Tls tls = Tls.of(caPem);
                s.sslContext = tls.context;
                s.trustManager = tls.trustManager;
                if (clientCertPem != null) {
                    s.clientCertificate = ClientCertificateFiles.load(clientCertPem, clientKeyPem, tls.trustManager);
                }
            }
            return new VaultSource(this, url, new VaultHttp(s));
        }

        private static boolean isLoopback(String host) {
            if (host.equalsIgnoreCase("localhost")) {
                return true;
            }
            // only literal addresses: no name is resolved here
            if (!host.matches("[0-9.]+") && !host.contains(":")) {
                return false;
            }
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }

        private static void positive(String option, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw bad(option + " must be positive, was " + d);
            }
        }

        private static SecretConfigurationException bad(String message) {
            return new SecretConfigurationException("VaultSource." + message, null, null);
        }
    }
}
