package dev.rotor.secrets.test.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rotor.secrets.TimeSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stateful HashiCorp Vault on {@code 127.0.0.1} and a free port, written from Vault's HTTP API documentation: no
 * Docker, no network beyond loopback. It holds what a Vault server holds, on an injected clock:
 *
 * <ul>
 *   <li>tokens with an accessor, policies, a TTL, a max TTL and an explicit max TTL; {@code auth/token/lookup-self},
 *       {@code renew-self} (capped at the max TTL with Vault's warning) and {@code revoke-self}. A request with an
 *       unknown, expired or revoked token answers 403 {@code permission denied}, as a request to a path the policies
 *       refuse does;
 *   <li>leases owned by the token that created them (revoking the token, or its expiry, revokes them); {@code
 *       sys/leases/renew} capped at the lease's max TTL, {@code sys/leases/revoke};
 *   <li>logins: AppRole (with response-wrapped, single-use secret ids and {@code sys/wrapping/unwrap}), Kubernetes,
 *       JWT and userpass; AWS IAM, Google Cloud, Azure and LDAP through {@link #cloudAuth()};
 *   <li>KV v1 and KV v2 mounts: versions, soft delete, undelete, destroy, the metadata endpoint; a deleted or destroyed
 *       version answers 404 with its metadata;
 *   <li>the database secrets engine: dynamic roles ({@code database/creds/<role>}) and static roles ({@code
 *       database/static-creds/<role>}, rotated on the clock), with a {@link DatabaseCredentialsListener};
 *   <li>the PKI secrets engine ({@link #pkiMount}, {@link #pkiRole}): a root CA per mount, {@code <mount>/issue/<role>}
 *       with the role's name checks and TTL cap, {@code <mount>/revoke} by serial number ({@link #revoked}); the
 *       certificates are minted with the JDK alone (EC P-256), so no certificate library is needed;
 *   <li>policies as path patterns and capabilities, {@code sys/capabilities-self}, {@code sys/internal/ui/mounts};
 *   <li>modes a test switches on: sealed (503), standby (429), rate limited (429 with {@code Retry-After}; a rate
 *       limit quota whose bucket refills on the clock, with or without Vault's {@code X-Ratelimit-*} headers; or 429
 *       with headers of the test's choosing), slow (a fixed delay per request) and failing (500); a request log and
 *       counters.
 * </ul>
 *
 * <p>Time moves only with the clock: expiries and static-role rotations take effect when the fake is next asked
 * something at or after their moment (each request, or {@link #tick()}). Where Vault's documentation is silent the
 * behaviour chosen is said in a comment.
 *
 * <pre>{@code
 * ManualClock clock = new ManualClock();
 * try (VaultFake vault = VaultFake.builder().clock(clock).build()) {
 *     vault.policy("orders", "secret/data/orders/*", "read");
 *     VaultFake.AppRole role = vault.appRole("orders", TokenSpec.policies("orders").ttl(Duration.ofHours(1)));
 *     vault.kvPut("secret", "orders/db", Map.of("password", "s3cret"));
 *     VaultSource source = VaultSource.builder().address(vault.address())
 *             .auth(VaultAuth.appRole(role.roleId(), role.newSecretId())).build();
 * }
 * }</pre>
 *
 * Thread-safe: requests are answered under one lock (a slow-mode delay is served outside it). {@link #toString()}
 * shows no token.
 */
public final class VaultFake implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final int MAX_LOG = 10_000;
    // Vault's not_before_duration default: certificates are valid from 30 s before they were issued
    private static final Duration PKI_BACKDATE = Duration.ofSeconds(30);

    private final TimeSource clock;
    private final SecureRandom random = new SecureRandom();
    private final HttpServer server;
    private final ExecutorService executor;
    private final String rootToken;

    // ---- state, guarded by this ----
    private final Map<String, Map<String, Set<String>>> policies = new LinkedHashMap<>();
    private final Map<String, Token> tokens = new LinkedHashMap<>();
    private final Map<String, Lease> leases = new LinkedHashMap<>();
    private final Map<String, Mount> mounts = new LinkedHashMap<>();
    private final Map<String, Map<String, Kv2Secret>> kv2 = new LinkedHashMap<>();
    private final Map<String, Map<String, Map<String, Object>>> kv1 = new LinkedHashMap<>();
    private final Map<String, DbRole> dbRoles = new LinkedHashMap<>();
    private final Map<String, StaticRole> staticRoles = new LinkedHashMap<>();
    private final Map<String, PkiEngine> pki = new LinkedHashMap<>();
    private final Map<String, AppRole> appRolesById = new LinkedHashMap<>();
    // identity entities, one per auth method and alias (an AppRole role id, a user), created at the first login
    private final Map<String, String> entities = new LinkedHashMap<>();
    // auth mount -> role or user name -> login
    private final Map<String, Map<String, JwtLogin>> jwtLogins = new LinkedHashMap<>();
    private final Map<String, Map<String, UserLogin>> userLogins = new LinkedHashMap<>();
    private final List<DatabaseCredentialsListener> dbListeners = new CopyOnWriteArrayList<>();
    private final List<LoggedRequest> log = new ArrayList<>();
    private final VaultFakeCloudAuth cloudAuth;
    private final AtomicInteger userCounter = new AtomicInteger();
    private boolean sealed;
    private boolean standby;
    private boolean failing;
    private Duration rateLimitRetryAfter;
    // the rate limit quota's mode: refused until this moment of the clock (null: off)
    private Instant quotaResetAt;
    private int quotaLimit;
    private boolean quotaHeaders;
    // a 429 with exactly these headers (null: off)
    private Map<String, String> rateLimitHeaders;
    private volatile Duration delay = Duration.ZERO;
    private volatile boolean closed;

    private VaultFake(Builder b) {
        this.clock = b.clock;
        this.cloudAuth = new VaultFakeCloudAuth(this, b.clock, this::authMount);
        policies.put("default", defaultPolicy());
        mounts.put("secret/", new Mount("secret/", "kv", 2));
        mounts.put("cubbyhole/", new Mount("cubbyhole/", "cubbyhole", 0));
        mounts.put("sys/", new Mount("sys/", "system", 0));
        kv2.put("secret/", new LinkedHashMap<>());
        this.rootToken = newToken("root", List.of("root"), TokenSpec.policies().renewable(false), "auth/token/root").id;
        tokens.get(rootToken).neverExpires = true;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port), 0);
        } catch (IOException e) {
            throw new IllegalStateException("VaultFake could not bind 127.0.0.1:" + b.port, e);
        }
        AtomicInteger n = new AtomicInteger();
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "vault-fake-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::exchange);
        server.start();
    }

    /** A fake on the system clock and a free port, started. */
    public static VaultFake start() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a {@link VaultFake}; {@link #build()} starts the server. Not thread-safe. */
    public static final class Builder {
        private TimeSource clock = TimeSource.system();
        private int port;

        private Builder() {}

        /** The clock that TTLs, expiries and rotations follow (default: system time). */
        public Builder clock(TimeSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The port (default 0: a free one). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** Binds and starts the fake. */
        public VaultFake build() {
            return new VaultFake(this);
        }
    }

    // ======================================================================================================
    // Seeding and inspection: the test's side
    // ======================================================================================================

    /** {@code http://127.0.0.1:<port>}, for {@code VaultSource.builder().address(...)}. */
    public String address() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The root token: every capability, never expires. */
    public String rootToken() {
        return rootToken;
    }

    /**
     * Adds a rule to policy {@code name}: {@code pattern} (exact, ending in {@code *} for a prefix, {@code +} for one
     * segment) gets {@code capabilities} ({@code read}, {@code create}, {@code update}, {@code delete}, {@code list},
     * {@code sudo}, {@code deny}).
     */
    public synchronized VaultFake policy(String name, String pattern, String... capabilities) {
        if (name.equals("root")) {
            throw new IllegalArgumentException("the root policy cannot be changed");
        }
        policies.computeIfAbsent(name, k -> new LinkedHashMap<>())
                .computeIfAbsent(strip(pattern), k -> new TreeSet<>())
                .addAll(List.of(capabilities));
        return this;
    }

    /** A token as {@code auth/token/create} would make it; answers its id. */
    public synchronized String createToken(TokenSpec spec) {
        return newToken("token", spec.policies, spec, "auth/token/create").id;
    }

    /** Revokes a token and every lease it owns, as {@code auth/token/revoke} does. */
    public synchronized void revokeToken(String token) {
        Token t = tokens.get(token);
        if (t != null) {
            revoke(t);
        }
    }

    /**
     * Revokes the token with this accessor and its leases, as {@code auth/token/revoke-accessor} does: how a test that
     * only saw the accessor in the {@linkplain #requests() log} ends a client's token.
     */
    public synchronized void revokeAccessor(String accessor) {
        for (Token t : tokens.values()) {
            if (t.accessor.equals(accessor)) {
                revoke(t);
                return;
            }
        }
        throw new IllegalArgumentException("no token with accessor " + accessor);
    }

    /** Whether {@code token} is known, not revoked and not expired at the clock's time. */
    public synchronized boolean tokenValid(String token) {
        tidy();
        Token t = tokens.get(token);
        return t != null && t.valid(now());
    }

    /** Mounts a KV secrets engine of {@code version} 1 or 2 at {@code path} ({@code secret/} is a KV v2 already). */
    public synchronized VaultFake kvMount(String path, int version) {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("KV version must be 1 or 2, was " + version);
        }
        String m = mountPath(path);
        mounts.put(m, new Mount(m, "kv", version));
        kv2.remove(m);
        kv1.remove(m);
        if (version == 2) {
            kv2.put(m, new LinkedHashMap<>());
        } else {
            kv1.put(m, new LinkedHashMap<>());
        }
        return this;
    }

    /** Writes a new version of a KV secret (v2) or replaces it (v1); answers the new version (1 for KV v1). */
    public synchronized int kvPut(String mount, String path, Map<String, ?> data) {
        String m = mountPath(mount);
        Map<String, Object> copy = new LinkedHashMap<>(data);
        if (kv1.containsKey(m)) {
            kv1.get(m).put(strip(path), copy);
            return 1;
        }
        return kv2Store(m)
                .computeIfAbsent(strip(path), p -> new Kv2Secret(now()))
                .put(copy, now());
    }

    /** Soft-deletes the latest version of a KV v2 secret, as {@code DELETE <mount>/data/<path>} does. */
    public synchronized void kvDeleteLatest(String mount, String path) {
        kv2Secret(mount, path).deleteLatest(now());
    }

    /** Soft-deletes versions of a KV v2 secret, as {@code <mount>/delete/<path>} does. */
    public synchronized void kvDelete(String mount, String path, int... versions) {
        Kv2Secret s = kv2Secret(mount, path);
        for (int v : versions) {
            s.delete(v, now());
        }
    }

    /** Undeletes versions of a KV v2 secret, as {@code <mount>/undelete/<path>} does. */
    public synchronized void kvUndelete(String mount, String path, int... versions) {
        Kv2Secret s = kv2Secret(mount, path);
        for (int v : versions) {
            s.undelete(v);
        }
    }

    /** Destroys versions of a KV v2 secret (their data is gone for good), as {@code <mount>/destroy/<path>} does. */
    public synchronized void kvDestroy(String mount, String path, int... versions) {
        Kv2Secret s = kv2Secret(mount, path);
        for (int v : versions) {
            s.destroy(v);
        }
    }

    /** A KV v2 secret's current version number (0 when there is none). */
    public synchronized int kvCurrentVersion(String mount, String path) {
        Kv2Secret s = kv2Store(mountPath(mount)).get(strip(path));
        return s == null ? 0 : s.current;
    }

    /**
     * A dynamic database role at {@code database/creds/<role>}: each read creates a user with a lease of {@code
     * defaultTtl}, renewable up to {@code maxTtl} after it was issued.
     */
    public synchronized VaultFake databaseRole(String role, Duration defaultTtl, Duration maxTtl) {
        databaseMount();
        dbRoles.put(role, new DbRole(role, positive(defaultTtl, "defaultTtl"), positive(maxTtl, "maxTtl")));
        return this;
    }

    /**
     * A static database role at {@code database/static-creds/<role>} for {@code username}: its password is rotated
     * every {@code rotationPeriod} of the fake's clock, counted from now.
     */
    public synchronized VaultFake databaseStaticRole(String role, String username, Duration rotationPeriod) {
        databaseMount();
        StaticRole r = new StaticRole(role, username, positive(rotationPeriod, "rotationPeriod"), now(), password());
        staticRoles.put(role, r);
        notifyRotated(r);
        return this;
    }

    /** Rotates a static role's password now, as {@code database/rotate-role/<role>} does. */
    public synchronized void rotateStaticRole(String role) {
        StaticRole r = staticRoles.get(role);
        if (r == null) {
            throw new IllegalArgumentException("no static role " + role);
        }
        rotate(r, now());
    }

    /** A static role's current password, for a test that checks what a client holds. */
    public synchronized String staticRolePassword(String role) {
        tidy();
        StaticRole r = staticRoles.get(role);
        if (r == null) {
            throw new IllegalArgumentException("no static role " + role);
        }
        return r.password;
    }

    // ---- the PKI secrets engine ----

    /**
     * Mounts the PKI secrets engine at {@code path} with a new root CA (EC P-256, {@code CN=VaultFake Root CA <path>},
     * valid for ten years of the fake's clock), as {@code vault secrets enable -path=<path> pki} followed by {@code
     * <path>/root/generate/internal} does. Mounting again replaces the CA, the roles and what was issued.
     */
    public synchronized VaultFake pkiMount(String path) {
        String m = mountPath(path);
        Instant now = now();
        FakePki.Issued ca = FakePki.root(
                "VaultFake Root CA " + m.substring(0, m.length() - 1),
                now.minus(PKI_BACKDATE),
                now.plus(Duration.ofDays(3650)),
                random);
        mounts.put(m, new Mount(m, "pki", 0));
        pki.put(m, new PkiEngine(ca));
        return this;
    }

    /** {@link #pkiRole(String, String, List, boolean, Duration)} on the mount {@code pki}, mounting it if needed. */
    public synchronized VaultFake pkiRole(
            String name, List<String> allowedDomains, boolean allowSubdomains, Duration maxTtl) {
        if (!pki.containsKey("pki/")) {
            pkiMount("pki");
        }
        return pkiRole("pki", name, allowedDomains, allowSubdomains, maxTtl);
    }

    /**
     * A role at {@code <mount>/roles/<name>}, as {@code vault write <mount>/roles/<name> allowed_domains=...
     * allow_subdomains=... allow_bare_domains=true max_ttl=...} makes it: a name is allowed when it is {@code
     * localhost} (Vault's {@code allow_localhost} default), one of {@code allowedDomains}, or, with {@code
     * allowSubdomains}, a name under one of them. IP SANs are allowed (Vault's default). Issued keys are EC P-256
     * ({@code key_type=ec}); the TTL asked for is capped at {@code maxTtl}, which is also the default TTL.
     */
    public synchronized VaultFake pkiRole(
            String mount, String name, List<String> allowedDomains, boolean allowSubdomains, Duration maxTtl) {
        pkiEngine(mount)
                .roles
                .put(name, new PkiRole(List.copyOf(allowedDomains), allowSubdomains, positive(maxTtl, "maxTtl")));
        return this;
    }

    /** The root CA of the PKI mount {@code mount}, as {@code GET <mount>/ca/pem} answers it. */
    public synchronized X509Certificate pkiCaCertificate(String mount) {
        return pkiEngine(mount).ca.certificate;
    }

    /** The root CA of the PKI mount {@code mount} as PEM. */
    public synchronized String pkiCaPem(String mount) {
        return FakePki.certificatePem(pkiEngine(mount).ca.certificate);
    }

    /**
     * Issues a certificate from {@code role} of {@code mount} as {@code POST <mount>/issue/<role>} would (the same role
     * checks and TTL cap), for a test that needs certificates of the fake's CA outside a client: a TLS server's own, or
     * client certificates written to files. {@code ttl} may be null (the role's default).
     *
     * @throws IllegalArgumentException when the role refuses a name, with Vault's message
     */
    public synchronized IssuedCertificate pkiIssue(
            String mount, String role, String commonName, List<String> altNames, List<String> ipSans, Duration ttl) {
        PkiEngine e = pkiEngine(mount);
        PkiRole r = e.roles.get(role);
        if (r == null) {
            throw new IllegalArgumentException("unknown role: " + role);
        }
        try {
            return issue(
                    e, r, commonName, altNames, ipSans, ttl == null ? Duration.ZERO : ttl, false, new ArrayList<>());
        } catch (Refusal refused) {
            throw new IllegalArgumentException(String.join("; ", refused.errors));
        }
    }

    /**
     * Whether the certificate with this serial number (Vault's form, {@code 1f:0a:...}, or with hyphens) was revoked
     * through {@code <mount>/revoke} on any PKI mount.
     */
    public synchronized boolean revoked(String serial) {
        String s = normalSerial(serial);
        return pki.values().stream().anyMatch(e -> e.revoked.containsKey(s));
    }

    /** The serial numbers issued by the PKI mount {@code mount} so far, oldest first, in Vault's form. */
    public synchronized List<String> pkiIssued(String mount) {
        return List.copyOf(pkiEngine(mount).issued.keySet());
    }

    /**
     * A certificate the fake PKI engine issued: PEM texts and the serial number. Holds a private key: {@link
     * #toString()} shows the serial number alone. Immutable.
     */
    public static final class IssuedCertificate {
        private final String certificatePem;
        private final String privateKeyPem;
        private final String pkcs8Pem;
        private final String issuingCaPem;
        private final String serialNumber;
        private final X509Certificate certificate;

        IssuedCertificate(
                String certificatePem, String privateKeyPem, String pkcs8Pem, String issuingCaPem, X509Certificate c) {
            this.certificatePem = certificatePem;
            this.privateKeyPem = privateKeyPem;
            this.pkcs8Pem = pkcs8Pem;
            this.issuingCaPem = issuingCaPem;
            this.serialNumber = FakePki.vaultSerial(c.getSerialNumber());
            this.certificate = c;
        }

        public String certificatePem() {
            return certificatePem;
        }

        /** The private key, SEC1 PEM ({@code BEGIN EC PRIVATE KEY}) as Vault answers it by default. */
        public String privateKeyPem() {
            return privateKeyPem;
        }

        /** The same private key in PKCS#8 ({@code BEGIN PRIVATE KEY}), as {@code private_key_format=pkcs8} answers it. */
        public String privateKeyPkcs8Pem() {
            return pkcs8Pem;
        }

        public String issuingCaPem() {
            return issuingCaPem;
        }

        /** Vault's form: lower-case hex bytes joined by colons. */
        public String serialNumber() {
            return serialNumber;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        @Override
        public String toString() {
            return "IssuedCertificate{serial=" + serialNumber + ", key=****}";
        }
    }

    /** Tells {@code listener} of every database user issued, revoked or rotated from now on. */
    public VaultFake onDatabaseCredentials(DatabaseCredentialsListener listener) {
        dbListeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** An AppRole role at {@code auth/approle}: answers its role id and issues its secret ids. */
    public synchronized AppRole appRole(String name, TokenSpec spec) {
        authMount("approle", "approle");
        AppRole r = new AppRole(name, randomUuid(), spec);
        appRolesById.put(r.roleId, r);
        return r;
    }

    /** A Kubernetes auth role at {@code auth/kubernetes}: a login with {@code jwt} for {@code role} succeeds. */
    public synchronized VaultFake kubernetesRole(String role, String jwt, TokenSpec spec) {
        return jwtRole("kubernetes", "kubernetes", role, jwt, spec);
    }

    /** A JWT/OIDC auth role at {@code auth/<mount>}: a login with {@code jwt} for {@code role} succeeds. */
    public synchronized VaultFake jwtRole(String mount, String role, String jwt, TokenSpec spec) {
        return jwtRole(mount, "jwt", role, jwt, spec);
    }

    private VaultFake jwtRole(String mount, String type, String role, String jwt, TokenSpec spec) {
        String m = strip(mount);
        authMount(m, type);
        jwtLogins
                .computeIfAbsent(m, k -> new LinkedHashMap<>())
                .computeIfAbsent(role, k -> new JwtLogin(spec))
                .jwts
                .add(jwt);
        return this;
    }

    /** The AWS IAM, Google Cloud, Azure and LDAP logins: their roles, keys, users and checks. */
    public VaultFakeCloudAuth cloudAuth() {
        return cloudAuth;
    }

    /** A userpass user at {@code auth/<mount>} ({@code userpass} by default in the adapter). */
    public synchronized VaultFake userpass(String mount, String user, String password, TokenSpec spec) {
        String m = strip(mount);
        authMount(m, "userpass");
        userLogins.computeIfAbsent(m, k -> new LinkedHashMap<>()).put(user, new UserLogin(password, spec));
        return this;
    }

    /** Whether a lease is known, not revoked and not expired at the clock's time. */
    public synchronized boolean leaseActive(String leaseId) {
        tidy();
        Lease l = leases.get(leaseId);
        return l != null && l.active();
    }

    /**
     * Ends a lease now as if its TTL had run out on the server (a server clock ahead of the client's, a TTL tuned
     * down): a renewal then answers {@code lease expired}, and the listener is told the user was revoked.
     */
    public synchronized void expireLease(String leaseId) {
        Lease l = leases.get(leaseId);
        if (l == null) {
            throw new IllegalArgumentException("no lease " + leaseId);
        }
        if (l.active()) {
            endLease(l, true);
        }
    }

    /** Revokes a lease as an operator's {@code vault lease revoke} does: a renewal then answers "lease not found". */
    public synchronized void revokeLease(String leaseId) {
        Lease l = leases.get(leaseId);
        if (l == null) {
            throw new IllegalArgumentException("no lease " + leaseId);
        }
        if (l.active()) {
            endLease(l, false);
        }
    }

    /** The ids of the leases active now, in issue order. */
    public synchronized List<String> activeLeases() {
        tidy();
        List<String> ids = new ArrayList<>();
        leases.values().stream().filter(Lease::active).forEach(l -> ids.add(l.id));
        return ids;
    }

    /** Applies every expiry and rotation due at the clock's time now, without a request. */
    public synchronized void tick() {
        tidy();
    }

    // ---- modes ----

    /** Sealed: every request but {@code sys/health} and {@code sys/seal-status} answers 503. */
    public synchronized VaultFake seal() {
        sealed = true;
        return this;
    }

    public synchronized VaultFake unseal() {
        sealed = false;
        return this;
    }

    /**
     * A standby node with request forwarding off: every request but {@code sys/health} answers 429, which is what
     * {@code sys/health} reports for a standby. (Vault may also redirect with 307; the docs leave the choice to the
     * load balancer's setup, and the fake picks the answer a health-checked balancer would pass on.)
     */
    public synchronized VaultFake standby(boolean standby) {
        this.standby = standby;
        return this;
    }

    /** Every request answers 429 with {@code Retry-After} (whole seconds) until {@link #stopRateLimit()}. */
    public synchronized VaultFake rateLimit(Duration retryAfter) {
        this.rateLimitRetryAfter = positive(retryAfter, "retryAfter");
        return this;
    }

    /**
     * Vault's rate limit quota with an empty bucket: every request but {@code sys/health} answers 429 {@code rate limit
     * quota exceeded} until {@code reset} has passed on the fake's clock, and is served after it. With {@code
     * responseHeaders} (what {@code sys/quotas/config}'s {@code enable_rate_limit_response_headers} turns on) a refusal
     * carries Vault's headers: {@code Retry-After} and {@code X-Ratelimit-Reset} (the whole seconds left, cut as Vault
     * cuts them), {@code X-Ratelimit-Limit} ({@code limit}) and {@code X-Ratelimit-Remaining} ({@code 0}); without, it
     * carries none of them, as Vault's default configuration answers. Ends early with {@link #stopRateLimit()}.
     */
    public synchronized VaultFake rateLimitQuota(int limit, Duration reset, boolean responseHeaders) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        this.quotaResetAt = now().plus(positive(reset, "reset"));
        this.quotaLimit = limit;
        this.quotaHeaders = responseHeaders;
        return this;
    }

    /**
     * Every request but {@code sys/health} answers 429 with exactly these headers until {@link #stopRateLimit()}: what a
     * proxy enforcing its own quota in front of Vault may send (an {@code X-Ratelimit-Reset} without {@code
     * Retry-After}, a {@code Retry-After} as an HTTP date), or values a client must survive (a {@code Retry-After} of
     * {@code soon}). Names and values must be printable ASCII.
     */
    public synchronized VaultFake rateLimitAnswering(Map<String, String> headers) {
        Map<String, String> copy = new LinkedHashMap<>();
        headers.forEach((k, v) -> {
            if (k == null || v == null || !k.matches("[!-~]+") || !v.matches("[ -~]*")) {
                throw new IllegalArgumentException("header names and values must be printable ASCII");
            }
            copy.put(k, v);
        });
        this.rateLimitHeaders = copy;
        return this;
    }

    /** Ends every rate-limited mode: {@link #rateLimit}, {@link #rateLimitQuota} and {@link #rateLimitAnswering}. */
    public synchronized VaultFake stopRateLimit() {
        this.rateLimitRetryAfter = null;
        this.quotaResetAt = null;
        this.rateLimitHeaders = null;
        return this;
    }

    /** Every request answers 500 while {@code failing}. */
    public synchronized VaultFake failing(boolean failing) {
        this.failing = failing;
        return this;
    }

    /** Every answer is held back by {@code delay} of real time (zero: none), to exercise timeouts. */
    public VaultFake slow(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        this.delay = delay;
        return this;
    }

    // ---- the log ----

    /** One request as the fake saw it: no token, only its accessor (or a mask when the token was unknown). */
    public static final class LoggedRequest {
        private final String method;
        private final String path;
        private final String accessor;
        private final int status;

        LoggedRequest(String method, String path, String accessor, int status) {
            this.method = method;
            this.path = path;
            this.accessor = accessor;
            this.status = status;
        }

        /** The HTTP method ({@code LIST} for a list request). */
        public String method() {
            return method;
        }

        /** The API path after {@code /v1/}, without the query. */
        public String path() {
            return path;
        }

        /**
         * The accessor of the request's token; {@code "none"} without a token and {@code "****"} for a token the fake
         * did not know.
         */
        public String accessor() {
            return accessor;
        }

        public int status() {
            return status;
        }

        @Override
        public String toString() {
            return method + " " + path + " [" + accessor + "] -> " + status;
        }
    }

    /** The requests so far (the last 10,000), oldest first. */
    public synchronized List<LoggedRequest> requests() {
        return List.copyOf(log);
    }

    /** How many requests so far had this method and path (after {@code /v1/}, no query). */
    public synchronized long count(String method, String path) {
        String p = strip(path);
        return log.stream()
                .filter(r -> r.method.equals(method) && r.path.equals(p))
                .count();
    }

    /** How many requests so far went to a path starting with {@code prefix}. */
    public synchronized long countPrefix(String prefix) {
        String p = strip(prefix);
        return log.stream().filter(r -> r.path.startsWith(p)).count();
    }

    /** How many login requests so far ({@code auth/<mount>/login...}), successful or not. */
    public synchronized long logins() {
        return log.stream()
                .filter(r -> r.path.startsWith("auth/") && r.path.matches("auth/.+/login(/.*)?"))
                .count();
    }

    /** All requests so far. */
    public synchronized long requestCount() {
        return log.size();
    }

    public synchronized void clearLog() {
        log.clear();
    }

    /** Stops the server. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "VaultFake{" + address() + (sealed ? ", sealed" : "") + "}";
    }

    // ======================================================================================================
    // HTTP
    // ======================================================================================================

    /** An answer: status, JSON body (null: none) and extra headers. */
    private static final class Answer {
        final int status;
        final JsonNode body;
        final Map<String, String> headers = new LinkedHashMap<>();

        Answer(int status, JsonNode body) {
            this.status = status;
            this.body = body;
        }
    }

    /** A refusal that ends the request with Vault's error body. */
    private static final class Refusal extends RuntimeException {
        final int status;
        final List<String> errors;

        Refusal(int status, String... errors) {
            super(null, null, false, false);
            this.status = status;
            this.errors = List.of(errors);
        }
    }

    /** One parsed request. */
    private static final class Call {
        String method;
        String path;
        Map<String, String> query;
        JsonNode body;
        String token;
        Token caller;
    }

    private void exchange(HttpExchange ex) throws IOException {
        try {
            Call c = new Call();
            String raw = ex.getRequestURI().getRawPath();
            c.method = ex.getRequestMethod().toUpperCase(java.util.Locale.ROOT);
            c.query = query(ex.getRequestURI().getRawQuery());
            if ("GET".equals(c.method) && "true".equals(c.query.get("list"))) {
                c.method = "LIST";
            }
            c.token = ex.getRequestHeaders().getFirst("X-Vault-Token");
            Answer a;
            String accessor;
            byte[] in = readBody(ex.getRequestBody());
            synchronized (this) {
                try {
                    if (!raw.startsWith("/v1/")) {
                        throw new Refusal(404);
                    }
                    c.path = strip(URLDecoder.decode(raw.substring(4), StandardCharsets.UTF_8));
                    c.body = in.length == 0 ? JSON.createObjectNode() : JSON.readTree(in);
                    if (c.body == null || !c.body.isObject()) {
                        throw new Refusal(400, "failed to parse JSON input: not an object");
                    }
                    a = answer(c);
                } catch (IOException badJson) {
                    a = error(
                            400,
                            "failed to parse JSON input: " + badJson.getClass().getSimpleName());
                } catch (Refusal r) {
                    a = error(r.status, r.errors.toArray(new String[0]));
                } catch (RuntimeException bug) {
                    a = error(500, "internal error");
                }
                accessor = c.token == null ? "none" : c.caller != null ? c.caller.accessor : accessorOf(c.token);
                if (log.size() >= MAX_LOG) {
                    log.remove(0);
                }
                log.add(new LoggedRequest(c.method, c.path == null ? raw : c.path, accessor, a.status));
            }
            Duration d = delay;
            if (!d.isZero()) {
                try {
                    Thread.sleep(d.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            byte[] out = a.body == null ? new byte[0] : JSON.writeValueAsBytes(a.body);
            a.headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            if (out.length > 0) {
                ex.getResponseHeaders().set("Content-Type", "application/json");
            }
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            ex.sendResponseHeaders(a.status, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(out);
                }
            }
        } finally {
            ex.close();
        }
    }

    private String accessorOf(String token) {
        Token t = tokens.get(token);
        return t == null ? "****" : t.accessor;
    }

    private Answer answer(Call c) {
        String p = c.path;
        boolean health = p.equals("sys/health") || p.equals("sys/seal-status");
        if (health) {
            return health(p);
        }
        if (sealed) {
            throw new Refusal(503, "Vault is sealed");
        }
        if (standby) {
            throw new Refusal(429, "node is a standby and request forwarding is disabled");
        }
        if (failing) {
            throw new Refusal(500, "internal error");
        }
        if (rateLimitRetryAfter != null) {
            Answer a = error(429, "request path \"" + p + "\": rate limit quota exceeded");
            a.headers.put("Retry-After", Long.toString(Math.max(1, rateLimitRetryAfter.toSeconds())));
            return a;
        }
        if (rateLimitHeaders != null) {
            Answer a = error(429, "request path \"" + p + "\": rate limit quota exceeded");
            a.headers.putAll(rateLimitHeaders);
            return a;
        }
        if (quotaResetAt != null) {
            Instant now = now();
            if (now.isBefore(quotaResetAt)) {
                Answer a = error(429, "request path \"" + p + "\": rate limit quota exceeded");
                if (quotaHeaders) {
                    // Vault writes int(time.Until(reset).Seconds()): the whole seconds left, cut
                    String left =
                            Long.toString(Duration.between(now, quotaResetAt).toSeconds());
                    a.headers.put("Retry-After", left);
                    a.headers.put("X-Ratelimit-Limit", Integer.toString(quotaLimit));
                    a.headers.put("X-Ratelimit-Remaining", "0");
                    a.headers.put("X-Ratelimit-Reset", left);
                }
                return a;
            }
            quotaResetAt = null;
        }
        tidy();
        // unauthenticated: logins, and the unwrap that takes the wrapping token itself
        if (p.startsWith("auth/") && p.matches("auth/.+/login(/.*)?")) {
            return login(c);
        }
        if (p.equals("sys/wrapping/unwrap")) {
            return unwrap(c);
        }
        c.caller = authenticate(c.token);
        FakeAcl acl = FakeAcl.of(c.caller.policies, policies);
        if (p.startsWith("auth/token/")) {
            return tokenSelf(c, acl);
        }
        if (p.equals("sys/leases/renew") || p.equals("sys/renew") || p.startsWith("sys/leases/renew/")) {
            require(acl, c, "update");
            return renewLease(c);
        }
        if (p.equals("sys/leases/revoke") || p.equals("sys/revoke") || p.startsWith("sys/leases/revoke/")) {
            require(acl, c, "update");
            return revokeLease(c);
        }
        if (p.equals("sys/capabilities-self")) {
            require(acl, c, "update");
            return capabilitiesSelf(c, acl);
        }
        if (p.equals("sys/internal/ui/mounts") || p.startsWith("sys/internal/ui/mounts/")) {
            return uiMounts(c, acl);
        }
        Mount m = mountOf(p);
        if (m == null) {
            // Vault answers an unmounted path with a 403 to a token that has no access and a 404 otherwise
            requireAny(acl, c);
            throw new Refusal(404, "no handler for route \"" + p + "\". route entry not found.");
        }
        if (m.type.equals("kv") && m.kvVersion == 2) {
            return kv2(c, acl, m);
        }
        if (m.type.equals("kv")) {
            return kv1(c, acl, m);
        }
        if (m.type.equals("database")) {
            return database(c, acl, m);
        }
        if (m.type.equals("pki")) {
            return pki(c, acl, m);
        }
        requireAny(acl, c);
        throw new Refusal(404, "no handler for route \"" + p + "\". route entry not found.");
    }

    private Answer health(String p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("initialized", true);
        n.put("sealed", sealed);
        n.put("standby", standby);
        n.put("server_time_utc", now().getEpochSecond());
        n.put("version", "1.17.0");
        if (p.equals("sys/seal-status")) {
            return new Answer(200, n);
        }
        // sys/health's documented default status codes
        return new Answer(sealed ? 503 : standby ? 429 : 200, n);
    }

    private Token authenticate(String token) {
        Token t = token == null ? null : tokens.get(token);
        if (t == null || !t.valid(now()) || t.wrapping) {
            throw new Refusal(403, "permission denied");
        }
        return t;
    }

    private void require(FakeAcl acl, Call c, String capability) {
        if (!acl.allows(c.path, capability)) {
            throw new Refusal(403, "permission denied");
        }
    }

    /** The capability the method asks for, Vault's way: GET read, LIST list, POST/PUT create or update, DELETE. */
    private void requireAny(FakeAcl acl, Call c) {
        boolean ok;
        switch (c.method) {
            case "GET":
                ok = acl.allows(c.path, "read");
                break;
            case "LIST":
                ok = acl.allows(c.path, "list");
                break;
            case "DELETE":
                ok = acl.allows(c.path, "delete");
                break;
            default:
                ok = acl.allowsAny(c.path, "create", "update");
        }
        if (!ok) {
            throw new Refusal(403, "permission denied");
        }
    }

    // ---- tokens ----

    private Answer tokenSelf(Call c, FakeAcl acl) {
        Token t = c.caller;
        switch (c.path) {
            case "auth/token/lookup-self":
                requireAny(acl, c);
                return data(lookup(t));
            case "auth/token/renew-self":
                require(acl, c, "update");
                return renewToken(t, c.body);
            case "auth/token/revoke-self":
                require(acl, c, "update");
                revoke(t);
                return new Answer(204, null);
            default:
                requireAny(acl, c);
                throw new Refusal(404, "no handler for route \"" + c.path + "\". route entry not found.");
        }
    }

    private ObjectNode lookup(Token t) {
        Instant now = now();
        ObjectNode d = JSON.createObjectNode();
        d.put("accessor", t.accessor);
        d.put("creation_time", t.created.getEpochSecond());
        d.put("creation_ttl", t.neverExpires ? 0 : t.creationTtl.toSeconds());
        d.put("display_name", t.displayName);
        d.put("entity_id", t.entityId);
        if (t.neverExpires) {
            d.putNull("expire_time");
        } else {
            d.put("expire_time", t.expireAt.toString());
        }
        d.put("explicit_max_ttl", t.explicitMaxTtl.toSeconds());
        d.put("id", t.id);
        d.put("issue_time", t.created.toString());
        putMeta(d, "meta", t.meta);
        d.put("num_uses", 0);
        d.put("orphan", true);
        d.put("path", t.path);
        ArrayNode p = d.putArray("policies");
        t.policies.forEach(p::add);
        d.put("renewable", t.renewable);
        d.put(
                "ttl",
                t.neverExpires
                        ? 0
                        : Math.max(0, Duration.between(now, t.expireAt).toSeconds()));
        d.put("type", "service");
        return d;
    }

    private Answer renewToken(Token t, JsonNode body) {
        if (t.neverExpires || !t.renewable) {
            throw new Refusal(400, "lease is not renewable");
        }
        Instant now = now();
        Duration increment = duration(body.get("increment"));
        if (increment.isZero()) {
            increment = t.creationTtl;
        }
        List<String> warnings = new ArrayList<>();
        Instant end = now.plus(increment);
        if (end.isAfter(t.maxEnd)) {
            Duration left = Duration.between(now, t.maxEnd);
            warnings.add("TTL of \"" + goDuration(increment) + "\" exceeded the effective max_ttl of \""
                    + goDuration(left) + "\"; TTL value is capped accordingly");
            end = t.maxEnd;
        }
        t.expireAt = end;
        Answer a = auth(t, Duration.between(now, end));
        ArrayNode w = ((ObjectNode) a.body).putArray("warnings");
        warnings.forEach(w::add);
        if (warnings.isEmpty()) {
            ((ObjectNode) a.body).putNull("warnings");
        }
        return a;
    }

    private Token newToken(String display, List<String> policyNames, TokenSpec spec, String path) {
        Instant now = now();
        Token t = new Token();
        t.id = "hvs." + randomString(24);
        t.accessor = randomString(24);
        List<String> ps = new ArrayList<>(new LinkedHashSet<>(policyNames));
        if (!ps.contains("root") && !ps.contains("default")) {
            ps.add(0, "default");
        }
        t.policies = List.copyOf(ps);
        t.created = now;
        t.creationTtl = spec.effectiveTtl();
        t.expireAt = now.plus(t.creationTtl);
        t.maxEnd = now.plus(spec.effectiveMaxTtl());
        t.explicitMaxTtl = spec.explicitMaxTtl;
        t.renewable = spec.renewable;
        t.displayName = display;
        t.path = path;
        tokens.put(t.id, t);
        return t;
    }

    private void revoke(Token t) {
        t.revoked = true;
        for (Lease l : leases.values()) {
            if (l.owner.equals(t.accessor) && l.active()) {
                endLease(l, false);
            }
        }
    }

    private Answer auth(Token t, Duration ttl) {
        ObjectNode n = envelope();
        ObjectNode a = n.putObject("auth");
        a.put("client_token", t.id);
        a.put("accessor", t.accessor);
        ArrayNode p = a.putArray("policies");
        t.policies.forEach(p::add);
        ArrayNode tp = a.putArray("token_policies");
        t.policies.forEach(tp::add);
        putMeta(a, "metadata", t.meta);
        a.put("lease_duration", ttl.toSeconds());
        a.put("renewable", t.renewable);
        a.put("entity_id", t.entityId);
        a.put("token_type", "service");
        a.put("orphan", true);
        return new Answer(200, n);
    }

    private static void putMeta(ObjectNode n, String field, Map<String, String> meta) {
        if (meta == null) {
            n.putNull(field);
        } else {
            ObjectNode m = n.putObject(field);
            meta.forEach(m::put);
        }
    }

    /** The entity of a login's alias: Vault creates one at the first login through the alias and keeps it. */
    private String entity(String alias) {
        return entities.computeIfAbsent(alias, a -> randomUuid());
    }

    // ---- logins and wrapping ----

    private Answer login(Call c) {
        String p = c.path;
        String mount = p.substring("auth/".length(), p.indexOf("/login"));
        Mount m = mounts.get("auth/" + mount + "/");
        if (m == null) {
            throw new Refusal(400, "no handler for route \"" + p + "\". route entry not found.");
        }
        switch (m.type) {
            case "approle":
                return appRoleLogin(c);
            case "kubernetes":
            case "jwt":
                return jwtLogin(c, mount, m.type);
            case "userpass":
                return userpassLogin(c, mount);
            default:
                if (VaultFakeCloudAuth.TYPES.contains(m.type)) {
                    return cloudLogin(c, mount, m.type);
                }
                throw new Refusal(400, "unsupported login for mount " + mount);
        }
    }

    private Answer cloudLogin(Call c, String mount, String type) {
        VaultFakeCloudAuth.Grant g;
        try {
            g = cloudAuth.login(type, mount, c.path, c.body);
        } catch (VaultFakeCloudAuth.Denied d) {
            throw new Refusal(d.status, d.getMessage());
        }
        Token t = newToken(g.display, g.policies, g.spec, c.path);
        return auth(t, t.creationTtl);
    }

    private Answer appRoleLogin(Call c) {
        String roleId = text(c.body, "role_id");
        String secretId = text(c.body, "secret_id");
        if (roleId == null) {
            throw new Refusal(400, "missing role_id");
        }
        AppRole r = appRolesById.get(roleId);
        if (r == null) {
            throw new Refusal(400, "invalid role or secret ID");
        }
        SecretId s = secretId == null ? null : r.secretIds.get(secretId);
        Instant now = now();
        if (s == null || (s.expireAt != null && !now.isBefore(s.expireAt))) {
            throw new Refusal(400, "invalid role or secret ID");
        }
        if (s.usesLeft > 0 && --s.usesLeft == 0) {
            r.secretIds.remove(secretId);
        }
        Token t = newToken("approle", r.spec.policies, r.spec, "auth/approle/login");
        t.entityId = entity("approle:" + roleId);
        t.meta = Map.of("role_name", r.name);
        return auth(t, t.creationTtl);
    }

    private Answer jwtLogin(Call c, String mount, String type) {
        String role = text(c.body, "role");
        String jwt = text(c.body, "jwt");
        if (role == null) {
            throw new Refusal(400, "missing role");
        }
        JwtLogin l = jwtLogins.getOrDefault(mount, Map.of()).get(role);
        if (l == null) {
            throw new Refusal(400, "invalid role name \"" + role + "\"");
        }
        if (jwt == null || !l.jwts.contains(jwt)) {
            // Kubernetes answers a JWT it cannot validate with 403; the JWT method with 400 (both say why in words
            // the fake does not copy: which claim failed is not modelled)
            throw new Refusal(type.equals("kubernetes") ? 403 : 400, "permission denied");
        }
        Token t = newToken(mount + "-" + role, l.spec.policies, l.spec, "auth/" + mount + "/login");
        t.entityId = entity(mount + ":" + role);
        t.meta = Map.of("role", role);
        return auth(t, t.creationTtl);
    }

    private Answer userpassLogin(Call c, String mount) {
        String user = c.path.substring(("auth/" + mount + "/login/").length());
        UserLogin u = userLogins.getOrDefault(mount, Map.of()).get(user);
        String password = text(c.body, "password");
        if (u == null || password == null || !u.password.equals(password)) {
            throw new Refusal(400, "invalid username or password");
        }
        Token t = newToken(mount + "-" + user, u.spec.policies, u.spec, "auth/" + mount + "/login/" + user);
        return auth(t, t.creationTtl);
    }

    private Answer unwrap(Call c) {
        String token = text(c.body, "token");
        if (token == null) {
            token = c.token;
        }
        Token t = token == null ? null : tokens.get(token);
        if (t == null || !t.wrapping || !t.valid(now())) {
            throw new Refusal(400, "wrapping token is not valid or does not exist");
        }
        c.caller = t;
        // single use: the wrapping token is revoked by the unwrap
        t.revoked = true;
        ObjectNode n = envelope();
        n.set("data", t.wrapped.deepCopy());
        return new Answer(200, n);
    }

    // ---- leases ----

    private Answer renewLease(Call c) {
        String id = text(c.body, "lease_id");
        if (id == null && c.path.startsWith("sys/leases/renew/")) {
            id = c.path.substring("sys/leases/renew/".length());
        }
        if (id == null || id.isEmpty()) {
            throw new Refusal(400, "lease_id must be specified");
        }
        Lease l = leases.get(id);
        Instant now = now();
        // the messages of Vault's lease entry checks, in their order
        if (l == null || l.revoked) {
            throw new Refusal(400, "lease not found or lease is not renewable");
        }
        if (l.expired || !now.isBefore(l.expireAt)) {
            throw new Refusal(400, "lease expired");
        }
        if (!l.renewable) {
            throw new Refusal(400, "lease is not renewable");
        }
        Duration increment = duration(c.body.get("increment"));
        if (increment.isZero()) {
            increment = l.defaultTtl;
        }
        List<String> warnings = new ArrayList<>();
        Instant end = now.plus(increment);
        if (end.isAfter(l.maxEnd)) {
            warnings.add("TTL of \"" + goDuration(increment) + "\" exceeded the effective max_ttl of \""
                    + goDuration(Duration.between(now, l.maxEnd)) + "\"; TTL value is capped accordingly");
            end = l.maxEnd;
        }
        l.expireAt = end;
        ObjectNode n = envelope();
        n.put("lease_id", l.id);
        n.put("renewable", true);
        n.put("lease_duration", Duration.between(now, end).toSeconds());
        if (!warnings.isEmpty()) {
            ArrayNode w = n.putArray("warnings");
            warnings.forEach(w::add);
        }
        return new Answer(200, n);
    }

    private Answer revokeLease(Call c) {
        String id = text(c.body, "lease_id");
        if (id == null && c.path.startsWith("sys/leases/revoke/")) {
            id = c.path.substring("sys/leases/revoke/".length());
        }
        if (id == null || id.isEmpty()) {
            throw new Refusal(400, "lease_id must be specified");
        }
        Lease l = leases.get(id);
        // revoking a lease that is unknown or already gone succeeds: the docs promise nothing else, and Vault's
        // revocation is idempotent
        if (l != null && l.active()) {
            endLease(l, false);
        }
        return new Answer(204, null);
    }

    private Lease newLease(String path, Token owner, Duration ttl, Duration maxTtl, DbRole role, String user) {
        Instant now = now();
        Lease l = new Lease();
        l.id = path + "/" + randomString(24);
        l.owner = owner.accessor;
        l.issued = now;
        l.defaultTtl = ttl;
        l.expireAt = now.plus(ttl);
        l.maxEnd = now.plus(maxTtl);
        // the lease is revoked with its token (see tidy and revoke); its own TTLs are the role's
        l.renewable = true;
        l.role = role == null ? null : role.name;
        l.username = user;
        leases.put(l.id, l);
        return l;
    }

    private void endLease(Lease l, boolean expired) {
        l.revoked = !expired;
        l.expired = expired;
        if (l.role != null) {
            for (DatabaseCredentialsListener d : dbListeners) {
                try {
                    d.revoked(l.role, l.username, l.id);
                } catch (RuntimeException ignored) {
                    // a listener's failure does not change Vault's state
                }
            }
        }
    }

    /** Expires leases and tokens whose time has come and rotates static roles that are due. */
    private void tidy() {
        Instant now = now();
        for (Token t : tokens.values()) {
            if (!t.revoked && !t.neverExpires && !now.isBefore(t.expireAt) && !t.expiredSeen) {
                t.expiredSeen = true;
                // an expired token's leases are revoked with it
                for (Lease l : leases.values()) {
                    if (l.owner.equals(t.accessor) && l.active()) {
                        endLease(l, false);
                    }
                }
            }
        }
        for (Lease l : leases.values()) {
            if (l.active() && !now.isBefore(l.expireAt)) {
                // Vault revokes an expired lease and forgets it soon after; the fake keeps it as expired, so a renewal
                // that reaches it answers "lease expired" as one in Vault's window between expiry and removal does
                endLease(l, true);
            }
        }
        for (StaticRole r : staticRoles.values()) {
            Instant due = r.lastRotation.plus(r.period);
            if (!now.isBefore(due)) {
                long periods = Duration.between(r.lastRotation, now).toSeconds() / r.period.toSeconds();
                rotate(r, r.lastRotation.plus(r.period.multipliedBy(Math.max(1, periods))));
            }
        }
    }

    // ---- sys ----

    private Answer capabilitiesSelf(Call c, FakeAcl acl) {
        List<String> paths = new ArrayList<>();
        JsonNode ps = c.body.get("paths");
        if (ps != null && ps.isArray()) {
            ps.forEach(p -> paths.add(strip(p.asText())));
        } else if (ps != null && ps.isTextual()) {
            paths.add(strip(ps.asText()));
        }
        String single = text(c.body, "path");
        if (single != null) {
            paths.add(strip(single));
        }
        if (paths.isEmpty()) {
            throw new Refusal(400, "missing paths");
        }
        ObjectNode n = envelope();
        ObjectNode d = n.putObject("data");
        ArrayNode all = JSON.createArrayNode();
        for (String p : paths) {
            ArrayNode caps = JSON.createArrayNode();
            acl.capabilities(p).forEach(caps::add);
            n.set(p, caps);
            d.set(p, caps.deepCopy());
            caps.forEach(all::add);
        }
        if (paths.size() == 1) {
            n.set("capabilities", all);
            d.set("capabilities", all.deepCopy());
        }
        return new Answer(200, n);
    }

    private Answer uiMounts(Call c, FakeAcl acl) {
        if (c.path.equals("sys/internal/ui/mounts")) {
            ObjectNode n = envelope();
            ObjectNode d = n.putObject("data");
            ObjectNode secret = d.putObject("secret");
            ObjectNode auth = d.putObject("auth");
            mounts.values().forEach(m -> (m.path.startsWith("auth/") ? auth : secret)
                    .set(m.path.startsWith("auth/") ? m.path.substring(5) : m.path, mountInfo(m)));
            return new Answer(200, n);
        }
        String p = c.path.substring("sys/internal/ui/mounts/".length());
        Mount m = mountOf(p);
        if (m == null) {
            // the docs do not say; the fake answers as a path no mount holds is answered elsewhere
            throw new Refusal(400, "no mount found for path \"" + p + "\"");
        }
        ObjectNode n = envelope();
        ObjectNode info = mountInfo(m);
        info.put("path", m.path);
        n.set("data", info);
        return new Answer(200, n);
    }

    private ObjectNode mountInfo(Mount m) {
        ObjectNode d = JSON.createObjectNode();
        d.put("accessor", m.type + "_" + Integer.toHexString(m.path.hashCode()));
        ObjectNode config = d.putObject("config");
        config.put("default_lease_ttl", 0);
        config.put("force_no_cache", false);
        config.put("max_lease_ttl", 0);
        d.put("description", "");
        d.put("external_entropy_access", false);
        d.put("local", false);
        if (m.kvVersion > 0) {
            d.putObject("options").put("version", Integer.toString(m.kvVersion));
        } else {
            d.putNull("options");
        }
        d.put("seal_wrap", false);
        d.put("type", m.type);
        d.put(
                "uuid",
                java.util
                        .UUID
                        .nameUUIDFromBytes(m.path.getBytes(StandardCharsets.UTF_8))
                        .toString());
        return d;
    }

    // ---- KV ----

    private Answer kv2(Call c, FakeAcl acl, Mount m) {
        String rest = c.path.substring(m.path.length());
        int slash = rest.indexOf('/');
        String op = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        requireAny(acl, c);
        Map<String, Kv2Secret> store = kv2.get(m.path);
        Instant now = now();
        switch (op) {
            case "data":
                if (c.method.equals("GET")) {
                    return kv2Read(store.get(path), c.query.get("version"));
                }
                if (c.method.equals("DELETE")) {
                    Kv2Secret s = store.get(path);
                    if (s != null) {
                        s.deleteLatest(now);
                    }
                    return new Answer(204, null);
                }
                if (c.method.equals("POST") || c.method.equals("PUT")) {
                    JsonNode data = c.body.get("data");
                    if (data == null || !data.isObject()) {
                        throw new Refusal(400, "no data provided");
                    }
                    Kv2Secret s = store.computeIfAbsent(path, p -> new Kv2Secret(now));
                    JsonNode cas = c.body.path("options").get("cas");
                    if (cas != null && cas.asInt() != s.current) {
                        throw new Refusal(400, "check-and-set parameter did not match the current version");
                    }
                    int v = s.put(JSON.convertValue(data, Map.class), now);
                    ObjectNode n = envelope();
                    n.set("data", versionMeta(s, v));
                    return new Answer(200, n);
                }
                break;
            case "metadata":
                if (c.method.equals("GET")) {
                    Kv2Secret s = store.get(path);
                    if (s == null || s.versions.isEmpty()) {
                        throw new Refusal(404);
                    }
                    return data(metadata(s));
                }
                if (c.method.equals("LIST")) {
                    String prefix = path.isEmpty() || path.endsWith("/") ? path : path + "/";
                    Set<String> keys = new TreeSet<>();
                    store.keySet().stream().filter(k -> k.startsWith(prefix)).forEach(k -> {
                        String r = k.substring(prefix.length());
                        int s = r.indexOf('/');
                        keys.add(s < 0 ? r : r.substring(0, s + 1));
                    });
                    if (keys.isEmpty()) {
                        throw new Refusal(404);
                    }
                    ObjectNode d = JSON.createObjectNode();
                    ArrayNode k = d.putArray("keys");
                    keys.forEach(k::add);
                    return data(d);
                }
                if (c.method.equals("DELETE")) {
                    store.remove(path);
                    return new Answer(204, null);
                }
                break;
            case "delete":
            case "undelete":
            case "destroy":
                if (c.method.equals("POST") || c.method.equals("PUT")) {
                    Kv2Secret s = store.get(path);
                    JsonNode vs = c.body.get("versions");
                    if (vs == null || !vs.isArray() || vs.isEmpty()) {
                        throw new Refusal(400, "no version number provided");
                    }
                    if (s != null) {
                        for (JsonNode v : vs) {
                            if (op.equals("delete")) {
                                s.delete(v.asInt(), now);
                            } else if (op.equals("undelete")) {
                                s.undelete(v.asInt());
                            } else {
                                s.destroy(v.asInt());
                            }
                        }
                    }
                    return new Answer(204, null);
                }
                break;
            default:
                throw new Refusal(404, "no handler for route \"" + c.path + "\". route entry not found.");
        }
        throw new Refusal(405, "unsupported operation");
    }

    private Answer kv2Read(Kv2Secret s, String versionParam) {
        if (s == null || s.versions.isEmpty()) {
            throw new Refusal(404);
        }
        int v = s.current;
        if (versionParam != null && !versionParam.equals("0")) {
            try {
                v = Integer.parseInt(versionParam);
            } catch (NumberFormatException e) {
                throw new Refusal(400, "invalid version");
            }
        }
        Kv2Version kv = s.versions.get(v);
        if (kv == null) {
            throw new Refusal(404);
        }
        ObjectNode n = envelope();
        ObjectNode d = n.putObject("data");
        if (kv.deletedAt != null || kv.destroyed) {
            // a deleted or destroyed version: 404 with its metadata and no data, as Vault's KV v2 answers it
            d.putNull("data");
            d.set("metadata", versionMeta(s, v));
            return new Answer(404, n);
        }
        d.set("data", JSON.valueToTree(kv.data));
        d.set("metadata", versionMeta(s, v));
        return new Answer(200, n);
    }

    private ObjectNode versionMeta(Kv2Secret s, int v) {
        Kv2Version kv = s.versions.get(v);
        ObjectNode m = JSON.createObjectNode();
        m.put("created_time", kv.created.toString());
        m.putNull("custom_metadata");
        m.put("deletion_time", kv.deletedAt == null ? "" : kv.deletedAt.toString());
        m.put("destroyed", kv.destroyed);
        m.put("version", v);
        return m;
    }

    private ObjectNode metadata(Kv2Secret s) {
        ObjectNode d = JSON.createObjectNode();
        d.put("cas_required", false);
        d.put("created_time", s.created.toString());
        d.put("current_version", s.current);
        d.putNull("custom_metadata");
        d.put("delete_version_after", "0s");
        d.put("max_versions", 0);
        d.put("oldest_version", s.versions.isEmpty() ? 0 : s.versions.firstKey());
        d.put("updated_time", s.updated.toString());
        ObjectNode vs = d.putObject("versions");
        s.versions.forEach((v, kv) -> {
            ObjectNode one = vs.putObject(Integer.toString(v));
            one.put("created_time", kv.created.toString());
            one.put("deletion_time", kv.deletedAt == null ? "" : kv.deletedAt.toString());
            one.put("destroyed", kv.destroyed);
        });
        return d;
    }

    private Answer kv1(Call c, FakeAcl acl, Mount m) {
        String path = c.path.substring(m.path.length());
        requireAny(acl, c);
        Map<String, Map<String, Object>> store = kv1.get(m.path);
        switch (c.method) {
            case "GET":
                Map<String, Object> data = store.get(path);
                if (data == null) {
                    throw new Refusal(404);
                }
                ObjectNode n = envelope();
                // KV v1 answers a refresh hint of the mount's default lease TTL (768h) and no lease id
                n.put("lease_duration", TokenSpec.SYSTEM_MAX_TTL.toSeconds());
                n.set("data", JSON.valueToTree(data));
                return new Answer(200, n);
            case "POST":
            case "PUT":
                store.put(path, JSON.convertValue(c.body, Map.class));
                return new Answer(204, null);
            case "DELETE":
                store.remove(path);
                return new Answer(204, null);
            default:
                throw new Refusal(405, "unsupported operation");
        }
    }

    // ---- database ----

    // ---- PKI ----

    private Answer pki(Call c, FakeAcl acl, Mount m) {
        String rest = c.path.substring(m.path.length());
        PkiEngine e = pki.get(m.path);
        boolean write = c.method.equals("POST") || c.method.equals("PUT");
        if (rest.startsWith("issue/") && write) {
            require(acl, c, "update");
            String roleName = rest.substring("issue/".length());
            PkiRole r = e.roles.get(roleName);
            if (r == null) {
                throw new Refusal(400, "unknown role: " + roleName);
            }
            String format = text(c.body, "format");
            if (format != null && !format.equals("pem")) {
                // der and pem_bundle are Vault formats the fake does not model
                throw new Refusal(400, "the fake answers format pem only, was " + format);
            }
            String keyFormat = text(c.body, "private_key_format");
            boolean pkcs8 = "pkcs8".equals(keyFormat);
            List<String> warnings = new ArrayList<>();
            IssuedCertificate issued = issue(
                    e,
                    r,
                    text(c.body, "common_name"),
                    list(text(c.body, "alt_names")),
                    list(text(c.body, "ip_sans")),
                    duration(c.body.get("ttl")),
                    boolOf(c.body, "exclude_cn_from_sans"),
                    warnings);
            ObjectNode n = envelope();
            ObjectNode d = n.putObject("data");
            d.put("certificate", issued.certificatePem);
            d.put("issuing_ca", issued.issuingCaPem);
            d.putArray("ca_chain").add(issued.issuingCaPem);
            d.put("private_key", pkcs8 ? issued.pkcs8Pem : issued.privateKeyPem);
            d.put("private_key_type", "ec");
            d.put("serial_number", issued.serialNumber);
            d.put("expiration", issued.certificate.getNotAfter().toInstant().getEpochSecond());
            if (!warnings.isEmpty()) {
                ArrayNode w = n.putArray("warnings");
                warnings.forEach(w::add);
            }
            return new Answer(200, n);
        }
        if (rest.equals("revoke") && write) {
            require(acl, c, "update");
            String serial = text(c.body, "serial_number");
            if (serial == null || serial.isEmpty()) {
                throw new Refusal(400, "the serial number must be provided");
            }
            String s = normalSerial(serial);
            X509Certificate cert = e.issued.get(s);
            if (cert == null) {
                throw new Refusal(400, "certificate with serial " + serial + " not found");
            }
            Instant at = e.revoked.computeIfAbsent(s, k -> now());
            ObjectNode d = JSON.createObjectNode();
            d.put("revocation_time", at.getEpochSecond());
            d.put("revocation_time_rfc3339", at.toString());
            d.put("state", "revoked");
            return data(d);
        }
        requireAny(acl, c);
        throw new Refusal(404, "no handler for route \"" + c.path + "\". route entry not found.");
    }

    /** Vault's role checks, TTL cap and not-before backdating; records the certificate as issued. */
    private IssuedCertificate issue(
            PkiEngine e,
            PkiRole r,
            String commonName,
            List<String> altNames,
            List<String> ipSans,
            Duration ttl,
            boolean excludeCn,
            List<String> warnings) {
        if (commonName == null || commonName.isBlank()) {
            throw new Refusal(
                    400,
                    "the common_name field is required, or must be provided in a CSR with \"use_csr_common_name\""
                            + " set to true, unless \"require_cn\" is set to false");
        }
        if (!r.allows(commonName)) {
            throw new Refusal(400, "common name " + commonName + " not allowed by this role");
        }
        List<String> dns = new ArrayList<>();
        if (!excludeCn) {
            dns.add(commonName);
        }
        for (String a : altNames) {
            if (!r.allows(a)) {
                throw new Refusal(400, "subject alternate name " + a + " not allowed by this role");
            }
            if (!dns.contains(a)) {
                dns.add(a);
            }
        }
        List<java.net.InetAddress> ips = new ArrayList<>();
        for (String ip : ipSans) {
            if (!ip.matches("[0-9.]+|[0-9A-Fa-f:]+")) {
                throw new Refusal(400, "the value \"" + ip + "\" is not a valid IP address");
            }
            try {
                ips.add(java.net.InetAddress.getByName(ip));
            } catch (java.net.UnknownHostException bad) {
                throw new Refusal(400, "the value \"" + ip + "\" is not a valid IP address");
            }
        }
        Duration t = ttl.isZero() ? r.maxTtl : ttl;
        if (t.compareTo(r.maxTtl) > 0) {
            warnings.add("TTL \"" + goDuration(t) + "\" is longer than permitted maxTTL \"" + goDuration(r.maxTtl)
                    + "\", so maxTTL is being used");
            t = r.maxTtl;
        }
        Instant now = now();
        Instant notAfter = now.plus(t);
        if (notAfter.isAfter(e.ca.certificate.getNotAfter().toInstant())) {
            throw new Refusal(
                    400,
                    "cannot satisfy request, as TTL would result in notAfter " + notAfter
                            + " that is beyond the expiration of the CA certificate at "
                            + e.ca.certificate.getNotAfter().toInstant());
        }
        FakePki.Issued leaf = FakePki.leaf(
                e.ca, commonName, dns, ips, FakePki.serial(random), now.minus(PKI_BACKDATE), notAfter, random);
        String serial = FakePki.vaultSerial(leaf.certificate.getSerialNumber());
        e.issued.put(serial, leaf.certificate);
        byte[] pkcs8 = leaf.keys.getPrivate().getEncoded();
        try {
            return new IssuedCertificate(
                    FakePki.certificatePem(leaf.certificate),
                    FakePki.pem("EC PRIVATE KEY", FakePki.sec1(pkcs8)),
                    FakePki.pem("PRIVATE KEY", pkcs8),
                    FakePki.certificatePem(e.ca.certificate),
                    leaf.certificate);
        } finally {
            java.util.Arrays.fill(pkcs8, (byte) 0);
        }
    }

    private PkiEngine pkiEngine(String mount) {
        PkiEngine e = pki.get(mountPath(mount));
        if (e == null) {
            throw new IllegalArgumentException("no PKI mount at " + mount + " (see pkiMount)");
        }
        return e;
    }

    private static String normalSerial(String serial) {
        return serial.strip().toLowerCase(java.util.Locale.ROOT).replace('-', ':');
    }

    private static List<String> list(String commaSeparated) {
        List<String> out = new ArrayList<>();
        if (commaSeparated == null) {
            return out;
        }
        for (String s : commaSeparated.split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
    }

    private static boolean boolOf(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n != null && (n.asBoolean() || "true".equals(n.asText()));
    }

    private Answer database(Call c, FakeAcl acl, Mount m) {
        String rest = c.path.substring(m.path.length());
        requireAny(acl, c);
        if (rest.startsWith("creds/") && c.method.equals("GET")) {
            DbRole r = dbRoles.get(rest.substring("creds/".length()));
            if (r == null) {
                throw new Refusal(400, "unknown role: " + rest.substring("creds/".length()));
            }
            String user = "v-token-" + r.name + "-" + userCounter.incrementAndGet() + "-" + randomString(8);
            String password = password();
            Lease l = newLease(c.path, c.caller, r.defaultTtl, r.maxTtl, r, user);
            for (DatabaseCredentialsListener d : dbListeners) {
                try {
                    d.issued(r.name, user, password, l.id);
                } catch (RuntimeException ignored) {
                    // a listener's failure does not change Vault's answer
                }
            }
            ObjectNode n = envelope();
            n.put("lease_id", l.id);
            n.put("renewable", true);
            n.put("lease_duration", Duration.between(now(), l.expireAt).toSeconds());
            ObjectNode d = n.putObject("data");
            d.put("username", user);
            d.put("password", password);
            return new Answer(200, n);
        }
        if (rest.startsWith("static-creds/") && c.method.equals("GET")) {
            StaticRole r = staticRoles.get(rest.substring("static-creds/".length()));
            if (r == null) {
                throw new Refusal(400, "unknown role: " + rest.substring("static-creds/".length()));
            }
            ObjectNode d = JSON.createObjectNode();
            d.put("last_vault_rotation", r.lastRotation.toString());
            d.put("password", r.password);
            d.put("rotation_period", r.period.toSeconds());
            d.put(
                    "ttl",
                    Math.max(
                            0,
                            Duration.between(now(), r.lastRotation.plus(r.period))
                                    .toSeconds()));
            d.put("username", r.username);
            return data(d);
        }
        if (rest.startsWith("rotate-role/") && (c.method.equals("POST") || c.method.equals("PUT"))) {
            StaticRole r = staticRoles.get(rest.substring("rotate-role/".length()));
            if (r == null) {
                throw new Refusal(400, "unknown role");
            }
            rotate(r, now());
            return new Answer(204, null);
        }
        throw new Refusal(404, "no handler for route \"" + c.path + "\". route entry not found.");
    }

    private void rotate(StaticRole r, Instant at) {
        r.lastRotation = at;
        r.password = password();
        notifyRotated(r);
    }

    private void notifyRotated(StaticRole r) {
        for (DatabaseCredentialsListener d : dbListeners) {
            try {
                d.rotated(r.name, r.username, r.password);
            } catch (RuntimeException ignored) {
                // a listener's failure does not change Vault's state
            }
        }
    }

    private void databaseMount() {
        mounts.putIfAbsent("database/", new Mount("database/", "database", 0));
    }

    // ======================================================================================================
    // State types
    // ======================================================================================================

    private static final class Token {
        String id;
        String accessor;
        List<String> policies;
        Instant created;
        Duration creationTtl;
        Instant expireAt;
        Instant maxEnd;
        Duration explicitMaxTtl = Duration.ZERO;
        boolean renewable;
        boolean revoked;
        boolean expiredSeen;
        boolean neverExpires;
        boolean wrapping;
        JsonNode wrapped;
        String displayName;
        String path;
        // the identity entity of a login's alias ("" for a token created directly) and the login's metadata
        String entityId = "";
        Map<String, String> meta;

        boolean valid(Instant now) {
            return !revoked && (neverExpires || now.isBefore(expireAt));
        }

        @Override
        public String toString() {
            return "Token{accessor=" + accessor + "}";
        }
    }

    private static final class Lease {
        String id;
        String owner;
        Instant issued;
        Instant expireAt;
        Instant maxEnd;
        Duration defaultTtl;
        boolean renewable;
        boolean revoked;
        boolean expired;
        String role;
        String username;

        boolean active() {
            return !revoked && !expired;
        }
    }

    private static final class Mount {
        final String path;
        final String type;
        final int kvVersion;

        Mount(String path, String type, int kvVersion) {
            this.path = path;
            this.type = type;
            this.kvVersion = kvVersion;
        }
    }

    private static final class Kv2Version {
        final Map<String, Object> data;
        final Instant created;
        Instant deletedAt;
        boolean destroyed;

        Kv2Version(Map<String, Object> data, Instant created) {
            this.data = data;
            this.created = created;
        }
    }

    private static final class Kv2Secret {
        final TreeMap<Integer, Kv2Version> versions = new TreeMap<>();
        final Instant created;
        Instant updated;
        int current;

        Kv2Secret(Instant created) {
            this.created = created;
            this.updated = created;
        }

        int put(Map<String, Object> data, Instant now) {
            current++;
            versions.put(current, new Kv2Version(data, now));
            updated = now;
            return current;
        }

        void deleteLatest(Instant now) {
            delete(current, now);
        }

        void delete(int v, Instant now) {
            Kv2Version kv = versions.get(v);
            if (kv != null && kv.deletedAt == null && !kv.destroyed) {
                kv.deletedAt = now;
            }
        }

        void undelete(int v) {
            Kv2Version kv = versions.get(v);
            if (kv != null && !kv.destroyed) {
                kv.deletedAt = null;
            }
        }

        void destroy(int v) {
            Kv2Version kv = versions.get(v);
            if (kv != null) {
                kv.destroyed = true;
                kv.data.clear();
            }
        }
    }

    private static final class DbRole {
        final String name;
        final Duration defaultTtl;
        final Duration maxTtl;

        DbRole(String name, Duration defaultTtl, Duration maxTtl) {
            this.name = name;
            this.defaultTtl = defaultTtl;
            this.maxTtl = maxTtl;
        }
    }

    private static final class StaticRole {
        final String name;
        final String username;
        final Duration period;
        Instant lastRotation;
        String password;

        StaticRole(String name, String username, Duration period, Instant lastRotation, String password) {
            this.name = name;
            this.username = username;
            this.period = period;
            this.lastRotation = lastRotation;
            this.password = password;
        }

        @Override
        public String toString() {
            return "StaticRole{" + name + ", password=****}";
        }
    }

    private static final class PkiEngine {
        final FakePki.Issued ca;
        final Map<String, PkiRole> roles = new LinkedHashMap<>();
        // serial (Vault's form) -> certificate; the keys are not kept
        final Map<String, X509Certificate> issued = new LinkedHashMap<>();
        final Map<String, Instant> revoked = new LinkedHashMap<>();

        PkiEngine(FakePki.Issued ca) {
            this.ca = ca;
        }

        @Override
        public String toString() {
            return "PkiEngine{" + ca.certificate.getSubjectX500Principal() + ", keys=****}";
        }
    }

    private static final class PkiRole {
        final List<String> allowedDomains;
        final boolean allowSubdomains;
        final Duration maxTtl;

        PkiRole(List<String> allowedDomains, boolean allowSubdomains, Duration maxTtl) {
            this.allowedDomains = allowedDomains;
            this.allowSubdomains = allowSubdomains;
            this.maxTtl = maxTtl;
        }

        boolean allows(String name) {
            String n = name.toLowerCase(java.util.Locale.ROOT);
            if (n.equals("localhost")) {
                return true;
            }
            for (String d : allowedDomains) {
                String domain = d.toLowerCase(java.util.Locale.ROOT);
                if (n.equals(domain)) {
                    return true;
                }
                if (allowSubdomains && n.endsWith("." + domain) && n.length() > domain.length() + 1) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final class SecretId {
        int usesLeft;
        Instant expireAt;
    }

    private static final class JwtLogin {
        final TokenSpec spec;
        final Set<String> jwts = new LinkedHashSet<>();

        JwtLogin(TokenSpec spec) {
            this.spec = spec;
        }
    }

    private static final class UserLogin {
        final String password;
        final TokenSpec spec;

        UserLogin(String password, TokenSpec spec) {
            this.password = password;
            this.spec = spec;
        }
    }

    /**
     * An AppRole role of the fake: its role id and the secret ids issued for it. Holds credentials: {@link
     * #toString()} shows none. Thread-safe (through the fake's lock).
     */
    public final class AppRole {
        private final String name;
        private final String roleId;
        private final TokenSpec spec;
        private final Map<String, SecretId> secretIds = new LinkedHashMap<>();

        private AppRole(String name, String roleId, TokenSpec spec) {
            this.name = name;
            this.roleId = roleId;
            this.spec = Objects.requireNonNull(spec, "spec");
        }

        public String name() {
            return name;
        }

        public String roleId() {
            return roleId;
        }

        /** The id of the identity entity Vault ties this role's logins to (created at the first login). */
        public String entityId() {
            synchronized (VaultFake.this) {
                return entity("approle:" + roleId);
            }
        }

        /** A new secret id without use limit or TTL. */
        public String newSecretId() {
            return newSecretId(0, Duration.ZERO);
        }

        /** A new secret id good for {@code uses} logins (0: any number) and {@code ttl} (zero: no end). */
        public String newSecretId(int uses, Duration ttl) {
            synchronized (VaultFake.this) {
                SecretId s = new SecretId();
                s.usesLeft = uses;
                s.expireAt = ttl.isZero() ? null : now().plus(ttl);
                String id = randomUuid();
                secretIds.put(id, s);
                return id;
            }
        }

        /**
         * A new secret id, response-wrapped: answers the single-use wrapping token that {@code sys/wrapping/unwrap}
         * exchanges for {@code {"secret_id": ..., "secret_id_accessor": ..., "secret_id_ttl": 0,
         * "secret_id_num_uses": 0}} once, within {@code wrapTtl}.
         */
        public String wrappedSecretId(Duration wrapTtl) {
            String secretId = newSecretId();
            synchronized (VaultFake.this) {
                Token w = newToken(
                        "wrapping",
                        List.of("response-wrapping"),
                        TokenSpec.policies().ttl(positive(wrapTtl, "wrapTtl")).renewable(false),
                        "auth/approle/role/" + name + "/secret-id");
                w.wrapping = true;
                ObjectNode d = JSON.createObjectNode();
                d.put("secret_id", secretId);
                d.put("secret_id_accessor", randomUuid());
                d.put("secret_id_ttl", 0);
                d.put("secret_id_num_uses", 0);
                w.wrapped = d;
                return w.id;
            }
        }

        @Override
        public String toString() {
            return "AppRole{" + name + ", roleId=****}";
        }
    }

    // ======================================================================================================
    // Helpers
    // ======================================================================================================

    private Instant now() {
        return clock.now();
    }

    private void authMount(String mount, String type) {
        mounts.putIfAbsent("auth/" + mount + "/", new Mount("auth/" + mount + "/", type, 0));
    }

    private Mount mountOf(String path) {
        String p = path + "/";
        Mount best = null;
        for (Mount m : mounts.values()) {
            if (!m.path.startsWith("auth/")
                    && p.startsWith(m.path)
                    && (best == null || m.path.length() > best.path.length())) {
                best = m;
            }
        }
        return best;
    }

    private Map<String, Kv2Secret> kv2Store(String mount) {
        Map<String, Kv2Secret> s = kv2.get(mount);
        if (s == null) {
            throw new IllegalArgumentException("no KV v2 mount at " + mount);
        }
        return s;
    }

    private Kv2Secret kv2Secret(String mount, String path) {
        Kv2Secret s = kv2Store(mountPath(mount)).get(strip(path));
        if (s == null) {
            throw new IllegalArgumentException("no KV v2 secret " + path + " in " + mount);
        }
        return s;
    }

    private static Map<String, Set<String>> defaultPolicy() {
        // the documented rules of Vault's default policy that concern a client
        Map<String, Set<String>> p = new LinkedHashMap<>();
        p.put("auth/token/lookup-self", new TreeSet<>(Set.of("read")));
        p.put("auth/token/renew-self", new TreeSet<>(Set.of("update")));
        p.put("auth/token/revoke-self", new TreeSet<>(Set.of("update")));
        p.put("sys/capabilities-self", new TreeSet<>(Set.of("update")));
        p.put("sys/leases/renew", new TreeSet<>(Set.of("update")));
        p.put("sys/leases/lookup", new TreeSet<>(Set.of("update")));
        p.put("sys/renew", new TreeSet<>(Set.of("update")));
        p.put("sys/wrapping/lookup", new TreeSet<>(Set.of("update")));
        p.put("sys/wrapping/unwrap", new TreeSet<>(Set.of("update")));
        p.put("cubbyhole/*", new TreeSet<>(Set.of("create", "read", "update", "delete", "list")));
        return p;
    }

    private static ObjectNode envelope() {
        ObjectNode n = JSON.createObjectNode();
        n.put("request_id", java.util.UUID.randomUUID().toString());
        n.put("lease_id", "");
        n.put("renewable", false);
        n.put("lease_duration", 0);
        n.putNull("data");
        n.putNull("wrap_info");
        n.putNull("warnings");
        n.putNull("auth");
        return n;
    }

    private static Answer data(JsonNode data) {
        ObjectNode n = envelope();
        n.set("data", data);
        return new Answer(200, n);
    }

    private static Answer error(int status, String... errors) {
        ObjectNode n = JSON.createObjectNode();
        ArrayNode a = n.putArray("errors");
        for (String e : errors) {
            a.add(e);
        }
        return new Answer(status, n);
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    /** An increment as Vault takes it: a number of seconds, or a string of seconds or a Go duration ("1h30m"). */
    static Duration duration(JsonNode n) {
        if (n == null || n.isNull()) {
            return Duration.ZERO;
        }
        if (n.isNumber()) {
            return Duration.ofSeconds(n.asLong());
        }
        String s = n.asText().strip();
        if (s.isEmpty()) {
            return Duration.ZERO;
        }
        if (s.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(s));
        }
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(\\d+)(h|m|s)").matcher(s);
        long seconds = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                throw new Refusal(400, "invalid duration");
            }
            long v = Long.parseLong(m.group(1));
            seconds += m.group(2).equals("h") ? v * 3600 : m.group(2).equals("m") ? v * 60 : v;
            end = m.end();
        }
        if (end != s.length()) {
            throw new Refusal(400, "invalid duration");
        }
        return Duration.ofSeconds(seconds);
    }

    /** A duration as Go prints it in Vault's warnings: {@code 1h0m0s}, {@code 30m0s}, {@code 17s}. */
    static String goDuration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        if (h > 0) {
            return h + "h" + m + "m" + sec + "s";
        }
        if (m > 0) {
            return m + "m" + sec + "s";
        }
        return sec + "s";
    }

    private static Map<String, String> query(String raw) {
        if (raw == null || raw.isEmpty()) {
            return Map.of();
        }
        Map<String, String> q = new LinkedHashMap<>();
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            q.putIfAbsent(k, v);
        }
        return Collections.unmodifiableMap(q);
    }

    private static byte[] readBody(InputStream in) throws IOException {
        byte[] b = in.readNBytes(1 << 20);
        in.close();
        return b;
    }

    private static String strip(String path) {
        String p = path.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p;
    }

    private static String mountPath(String mount) {
        String m = strip(mount);
        return m.endsWith("/") ? m : m + "/";
    }

    private static Duration positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        return d;
    }

    private String randomString(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append(ALNUM.charAt(random.nextInt(ALNUM.length())));
        }
        return sb.toString();
    }

    private String randomUuid() {
        return new java.util.UUID(random.nextLong(), random.nextLong()).toString();
    }

    private String password() {
        return randomString(20);
    }
}
