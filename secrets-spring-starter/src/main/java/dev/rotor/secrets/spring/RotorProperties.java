package dev.rotor.secrets.spring;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code rotor.*} configuration properties: how the client refreshes, what it does with expired values, whether
 * it audits and revokes, which secrets the application declares, and (for the Vault and AWS adapters) where their
 * stores are.
 *
 * <pre>{@code
 * rotor.refresh.poll-interval=1m
 * rotor.stale.policy=serve-stale
 * rotor.stale.max-staleness=10m
 * rotor.revoke-on-close=true
 * rotor.secrets[0].ref=file:/run/secrets/db
 * rotor.secrets[0].owner=payments-team
 * rotor.secrets[0].criticality=critical
 * rotor.secrets[0].required=true
 * rotor.vault.address=https://vault.internal:8200
 * rotor.vault.auth.method=kubernetes
 * rotor.vault.auth.role=orders
 * rotor.datasource.ref=vault:database/creds/orders
 * }</pre>
 *
 * <p>A mutable JavaBean, as Spring binding needs; the starter reads it once, when it builds the client. Holds no
 * secret value: settings that lead to one (a Vault AppRole secret id, a token) are given as Rotor refs.
 */
@ConfigurationProperties(prefix = "rotor")
public class RotorProperties {

    /** Whether the starter builds and publishes a Rotor client at all. */
    private boolean enabled = true;

    /** Whether sources for schemes no bean claims are found through java.util.ServiceLoader (file:, env:, ...). */
    private boolean discoverSources = true;

    /** Whether the leases the client holds are revoked when the application context closes. */
    private boolean revokeOnClose = false;

    /** The most secrets held at once; secrets with a handle or a watcher never count and are never evicted. */
    private long maximumEntries = 10000;

    /** Refresh timing, retries and concurrency. */
    private final Refresh refresh = new Refresh();

    /** What happens to a version once its lease has ended and no newer one could be loaded. */
    private final Stale stale = new Stale();

    /** The JSON audit log of lifecycle events. */
    private final Audit audit = new Audit();

    /** Which environment variables env: refs may read. */
    private final Env env = new Env();

    /** Which directories file: refs may read. */
    private final File file = new File();

    /** Micrometer meters. */
    private final Metrics metrics = new Metrics();

    /** Secrets the application declares: they appear in the inventory and the health before their first read. */
    private List<Declaration> secrets = new ArrayList<>();

    /** HashiCorp Vault (or OpenBao); used when the Vault adapter is on the class path. */
    private final Vault vault = new Vault();

    /** The client's own access policy: which refs it may read at all. */
    private final Policy policy = new Policy();

    /** AWS Secrets Manager; used when the AWS adapter is on the class path. */
    private final Aws aws = new Aws();

    /** Google Secret Manager; used when the Google Secret Manager adapter is on the class path. */
    private final Gcp gcp = new Gcp();

    /** Kubernetes Secrets read from the API server; used when the Kubernetes adapter is on the class path. */
    private final Kubernetes kubernetes = new Kubernetes();

    /** Azure Key Vault; used when the Azure Key Vault adapter is on the class path. */
    private final Azure azure = new Azure();

    /** The application's HikariCP pool, kept on the current version of a credentials secret. */
    private final Datasource datasource = new Datasource();

    /** Spring Boot SSL bundles whose certificate and trusted CAs are secrets Rotor keeps current. */
    private final Ssl ssl = new Ssl();

    /** When the anomaly signals fire; see {@link dev.rotor.secrets.SignalThresholds}. */
    private final Signals signals = new Signals();

    public boolean isEnabled() {
        return enabled;
    }

    public Policy getPolicy() {
        return policy;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean isDiscoverSources() {
        return discoverSources;
    }

    public void setDiscoverSources(boolean discoverSources) {
        this.discoverSources = discoverSources;
    }

    public boolean isRevokeOnClose() {
        return revokeOnClose;
    }

    public void setRevokeOnClose(boolean revokeOnClose) {
        this.revokeOnClose = revokeOnClose;
    }

    public long getMaximumEntries() {
        return maximumEntries;
    }

    public void setMaximumEntries(long maximumEntries) {
        this.maximumEntries = maximumEntries;
    }

    public Refresh getRefresh() {
        return refresh;
    }

    public Stale getStale() {
        return stale;
    }

    public Audit getAudit() {
        return audit;
    }

    public File getFile() {
        return file;
    }

    public Env getEnv() {
        return env;
    }

    public Metrics getMetrics() {
        return metrics;
    }

    public List<Declaration> getSecrets() {
        return secrets;
    }

    public void setSecrets(List<Declaration> secrets) {
        this.secrets = secrets;
    }

    public Vault getVault() {
        return vault;
    }

    public Aws getAws() {
        return aws;
    }

    public Gcp getGcp() {
        return gcp;
    }

    public Kubernetes getKubernetes() {
        return kubernetes;
    }

    public Azure getAzure() {
        return azure;
    }

    public Datasource getDatasource() {
        return datasource;
    }

    public Ssl getSsl() {
        return ssl;
    }

    public Signals getSignals() {
        return signals;
    }

    /** {@code rotor.refresh.*}: see {@link dev.rotor.secrets.RefreshPolicy} for what each option does. */
    /**
     * {@code rotor.refresh.*}: the client-wide layer of the refresh policy. Only the properties that are set override
     * anything; the others stay at each source's own defaults (a mounted file polls every 10 s and retries at most 10 s
     * apart, a store every 5 minutes: see the core's README for the table).
     */
    public static class Refresh {
        /** Fraction of a lease after which a leased secret is refreshed, counted from when the lease was issued. */
        private Double leaseFraction;

        /** Up to this fraction of the lease is drawn at random and taken off the refresh time. */
        private Double leaseJitter;

        /**
         * How often static secrets without a rotation date are polled (through a cheap version probe); unset, each
         * source's own (a file: secret every 10 s, a store's every 5 minutes).
         */
        private Duration pollInterval;

        /** Up to this fraction of the poll interval is drawn at random and taken off each poll. */
        private Double pollJitter;

        /** How long after a known rotation date a secret is refreshed. */
        private Duration afterRotationDelay;

        /** The first wait before retrying a failed refresh (exponential backoff with full jitter). */
        private Duration initialBackoff;

        /** The longest wait between two retries. */
        private Duration maxBackoff;

        /** The longest wait between two attempts once the lease has ended or before the first load (core default 1 s). */
        private Duration expiredMaxBackoff;

        /** The shortest wait between two retries, whatever the jitter draws. */
        private Duration minBackoff;

        /** How many retries should fit before a lease ends: each wait is capped to the time left divided by this. */
        private Integer attemptsBeforeExpiry;

        /** The most calls in flight at once per source. */
        private Integer maxInFlightPerSource;

        /** How long a first read waits for its secret before failing. */
        private Duration loadTimeout;

        /** How long after a new version was handed over the previous lease is revoked. */
        private Duration revokeDelay;

        /** How long after a new version was handed over the previous version's bytes are wiped. */
        private Duration wipeDelay;

        /**
         * The request budget of every source, in calls per second on average (a poll that finds no budget waits; a first
         * load or a lease about to end never does); rotor.vault.requests-per-second and rotor.aws.requests-per-second
         * apply over it for their source. Unset, each source's own (unlimited for every source Rotor ships).
         */
        private Double requestsPerSecond;

        /**
         * Whether the first look at the store after a secret is loaded falls anywhere in the whole interval (a first
         * poll within one poll interval, a first renewal between a twentieth and lease-fraction of the lease), so that
         * the instances of one deployment do not poll and renew in step. Unset, each source's own (on for every source
         * Rotor ships).
         */
        private Boolean spreadFirstRefresh;

        /**
         * Over how much of the poll interval the look after a secret's announced rotation date is spread, from 0 to 1
         * (after-rotation-delay plus up to this fraction of the poll interval, at most 5 min), so that a fleet does not
         * call the store in the same seconds after one rotation date. Unset, each source's own (1, the whole interval,
         * for every source Rotor ships).
         */
        private Double afterRotationSpread;

        /**
         * Whether a store's throttling lowers the source's request budget for a while (0.7 of the rate it was asked
         * for, growing back, forgotten after 30 min without throttling), so that a fleet over its store's quota asks
         * for what the store can answer. Unset, each source's own (on for every source Rotor ships).
         */
        private Boolean learnFromThrottling;

        public Double getLeaseFraction() {
            return leaseFraction;
        }

        public void setLeaseFraction(Double leaseFraction) {
            this.leaseFraction = leaseFraction;
        }

        public Double getLeaseJitter() {
            return leaseJitter;
        }

        public void setLeaseJitter(Double leaseJitter) {
            this.leaseJitter = leaseJitter;
        }

        public Duration getPollInterval() {
            return pollInterval;
        }

        public void setPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
        }

        public Double getPollJitter() {
            return pollJitter;
        }

        public void setPollJitter(Double pollJitter) {
            this.pollJitter = pollJitter;
        }

        public Duration getAfterRotationDelay() {
            return afterRotationDelay;
        }

        public void setAfterRotationDelay(Duration afterRotationDelay) {
            this.afterRotationDelay = afterRotationDelay;
        }

        public Duration getInitialBackoff() {
            return initialBackoff;
        }

        public void setInitialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }

        public Duration getExpiredMaxBackoff() {
            return expiredMaxBackoff;
        }

        public void setExpiredMaxBackoff(Duration expiredMaxBackoff) {
            this.expiredMaxBackoff = expiredMaxBackoff;
        }

        public Duration getMinBackoff() {
            return minBackoff;
        }

        public void setMinBackoff(Duration minBackoff) {
            this.minBackoff = minBackoff;
        }

        public Integer getAttemptsBeforeExpiry() {
            return attemptsBeforeExpiry;
        }

        public void setAttemptsBeforeExpiry(Integer attemptsBeforeExpiry) {
            this.attemptsBeforeExpiry = attemptsBeforeExpiry;
        }

        public Integer getMaxInFlightPerSource() {
            return maxInFlightPerSource;
        }

        public void setMaxInFlightPerSource(Integer maxInFlightPerSource) {
            this.maxInFlightPerSource = maxInFlightPerSource;
        }

        public Duration getLoadTimeout() {
            return loadTimeout;
        }

        public void setLoadTimeout(Duration loadTimeout) {
            this.loadTimeout = loadTimeout;
        }

        public Duration getRevokeDelay() {
            return revokeDelay;
        }

        public void setRevokeDelay(Duration revokeDelay) {
            this.revokeDelay = revokeDelay;
        }

        public Duration getWipeDelay() {
            return wipeDelay;
        }

        public void setWipeDelay(Duration wipeDelay) {
            this.wipeDelay = wipeDelay;
        }

        public Double getRequestsPerSecond() {
            return requestsPerSecond;
        }

        public void setRequestsPerSecond(Double requestsPerSecond) {
            this.requestsPerSecond = requestsPerSecond;
        }

        public Boolean getSpreadFirstRefresh() {
            return spreadFirstRefresh;
        }

        public void setSpreadFirstRefresh(Boolean spreadFirstRefresh) {
            this.spreadFirstRefresh = spreadFirstRefresh;
        }

        public Double getAfterRotationSpread() {
            return afterRotationSpread;
        }

        public void setAfterRotationSpread(Double afterRotationSpread) {
            this.afterRotationSpread = afterRotationSpread;
        }

        public Boolean getLearnFromThrottling() {
            return learnFromThrottling;
        }

        public void setLearnFromThrottling(Boolean learnFromThrottling) {
            this.learnFromThrottling = learnFromThrottling;
        }
    }

    /** The stale-value policies {@code rotor.stale.policy} accepts. */
    public enum StaleMode {
        /** A version past its lease end is no longer served; reads fail. */
        STRICT,
        /** A version past its lease end keeps being served (for at most max-staleness, when set), with an event. */
        SERVE_STALE
    }

    /** {@code rotor.stale.*}: see {@link dev.rotor.secrets.StalePolicy}. */
    public static class Stale {
        /** Whether a version past its lease end is still served. */
        private StaleMode policy = StaleMode.STRICT;

        /** With serve-stale: how long past the lease end a version may still be served; unset means without limit. */
        private Duration maxStaleness;

        public StaleMode getPolicy() {
            return policy;
        }

        public void setPolicy(StaleMode policy) {
            this.policy = policy;
        }

        public Duration getMaxStaleness() {
            return maxStaleness;
        }

        public void setMaxStaleness(Duration maxStaleness) {
            this.maxStaleness = maxStaleness;
        }
    }

    /** {@code rotor.audit.*}. */
    public static class Audit {
        /** Whether every lifecycle event is logged as JSON to the SLF4J logger "rotor.audit". */
        private boolean enabled = true;

        /** The tamper-evident audit file; off unless both its path and its key ref are set. */
        private final AuditFile file = new AuditFile();

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public AuditFile getFile() {
            return file;
        }

        /**
         * {@code rotor.audit.file.*}: a {@link dev.rotor.secrets.audit.ChainedAuditFile} on the client, written when
         * both {@code path} and {@code key-ref} are set.
         */
        public static class AuditFile {
            /** The active audit file, for example /var/log/app/audit.jsonl; rolled segments get .1, .2, ... */
            private String path;

            /** The secret ref of the HMAC key (at least 16 bytes), for example file:/run/secrets/audit-key. */
            private String keyRef;

            /** The size at which the active file rolls to a numbered segment. */
            private DataSize maxSize = DataSize.ofMegabytes(10);

            /** How many events may wait for the writer; past it events are dropped and counted in a gap record. */
            private int queueCapacity = 8192;

            public String getPath() {
                return path;
            }

            public void setPath(String path) {
                this.path = path;
            }

            public String getKeyRef() {
                return keyRef;
            }

            public void setKeyRef(String keyRef) {
                this.keyRef = keyRef;
            }

            public DataSize getMaxSize() {
                return maxSize;
            }

            public void setMaxSize(DataSize maxSize) {
                this.maxSize = maxSize;
            }

            public int getQueueCapacity() {
                return queueCapacity;
            }

            public void setQueueCapacity(int queueCapacity) {
                this.queueCapacity = queueCapacity;
            }
        }
    }

    /**
     * {@code rotor.env.*}: env: refs are opt-in, since an environment holds more than the application's secrets (a
     * cloud key, a platform token). Variables named in a {@code rotor.*-ref} property or a {@code spring.config.import}
     * of {@code rotor:env:NAME} are allowed by being named there.
     */
    public static class Env {
        /** The variables env: refs may read: names, or prefixes written NAME_*; empty reads none beyond those named in
         * rotor.*-ref properties and imports. */
        private List<String> allow = new ArrayList<>();

        public List<String> getAllow() {
            return allow;
        }

        public void setAllow(List<String> allow) {
            this.allow = allow;
        }
    }

    /**
     * {@code rotor.file.*}: the file: source the starter registers (when no {@code SecretSource} bean claims {@code
     * file}) reads only inside its allowed directories, real locations with every link resolved, so a ref built from
     * request input ({@code file:/etc/passwd}, {@code ../}) reads nothing. The directories of the file: refs the
     * application's own configuration names ({@code rotor.*-ref} properties, {@code rotor.datasource.ref}, {@code
     * rotor.secrets[n].ref}, {@code spring.config.import=rotor:file:...}) are allowed by being named there.
     */
    public static class File {
        /** Whether the file: source is confined to its allowed directories; false lets file: refs read any file the
         * process can (unsafe when refs can come from request input). */
        private boolean confine = true;

        /** The directories file: refs may read, besides those of the file: refs the configuration names; empty means
         * the conventional secret mounts /run/secrets, /var/run/secrets and /etc/secrets. */
        private List<String> allowedDirectories = new ArrayList<>();

        public boolean isConfine() {
            return confine;
        }

        public void setConfine(boolean confine) {
            this.confine = confine;
        }

        public List<String> getAllowedDirectories() {
            return allowedDirectories;
        }

        public void setAllowedDirectories(List<String> allowedDirectories) {
            this.allowedDirectories = allowedDirectories;
        }
    }

    /** {@code rotor.metrics.*}. */
    public static class Metrics {
        /** Whether Rotor's meters are registered when Micrometer is present. */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** One entry of {@code rotor.secrets[n].*}: see {@link dev.rotor.secrets.SecretDeclaration}. */
    public static class Declaration {
        /** The secret's ref, for example vault:database/creds/app (a field, if given, is ignored). */
        private String ref;

        /** Who owns the secret (a team or a person), shown in the inventory. */
        private String owner;

        /** How old the version in service may get before the inventory reports it as not fresh. */
        private Duration maxAge;

        /** Whether the application is down (health DOWN) while this secret is past its lease or cannot load. */
        private boolean required = false;

        /**
         * How often the store is expected to rotate the secret; more than three new versions within it is reported
         * as rotating too often. Unset: no such check.
         */
        private Duration rotationCadence;

        /** How critical the secret is (low, medium, high, critical): a label on its meters and alerts. */
        private dev.rotor.secrets.Criticality criticality = dev.rotor.secrets.Criticality.MEDIUM;

        public Duration getRotationCadence() {
            return rotationCadence;
        }

        public void setRotationCadence(Duration rotationCadence) {
            this.rotationCadence = rotationCadence;
        }

        public dev.rotor.secrets.Criticality getCriticality() {
            return criticality;
        }

        public void setCriticality(dev.rotor.secrets.Criticality criticality) {
            this.criticality = criticality;
        }

        public String getRef() {
            return ref;
        }

        public void setRef(String ref) {
            this.ref = ref;
        }

        public String getOwner() {
            return owner;
        }

        public void setOwner(String owner) {
            this.owner = owner;
        }

        public Duration getMaxAge() {
            return maxAge;
        }

        public void setMaxAge(Duration maxAge) {
            this.maxAge = maxAge;
        }

        public boolean isRequired() {
            return required;
        }

        public void setRequired(boolean required) {
            this.required = required;
        }
    }

    /** The Vault authentication methods the {@code rotor.vault.auth.method} property names. */
    public enum VaultAuthMethod {
        /** A token read from a Rotor ref ({@code rotor.vault.auth.token-ref}); a {@code file:} ref is re-read. */
        TOKEN,
        /** AppRole: a role id and a secret id read from a Rotor ref (optionally response-wrapped). */
        APPROLE,
        /** Kubernetes: the service account token file and a role. */
        KUBERNETES,
        /** A JWT or OIDC token read from a file, and a role. */
        JWT,
        /** A TLS client certificate (see {@code rotor.vault.tls.*}). */
        CERT,
        /** A user name and a password read from a Rotor ref: for development. */
        USERPASS,
        /** AWS IAM: an STS GetCallerIdentity request signed with the AWS SDK's default credentials, and a role. */
        AWS_IAM,
        /** Google Cloud gce: the instance's identity token from the metadata server, and a role. */
        GCP_GCE,
        /** Google Cloud iam: a JWT self-signed with a service-account key file, and a role. */
        GCP_IAM,
        /** Azure managed identity: the machine's token and instance fields from the metadata service, and a role. */
        AZURE,
        /** LDAP: a user name and a password read from a Rotor ref (a file: ref is read again at every login). */
        LDAP
    }

    /** {@code rotor.vault.*}: bound to a source only when the Vault adapter is on the class path. */
    public static class Vault {
        /** The Vault address, for example https://vault.example.internal:8200; setting it creates the source. */
        private URI address;

        /** The Vault Enterprise or OpenBao namespace, sent with every request; unset for the root namespace. */
        private String namespace;

        /** How long to wait for a connection to Vault; unset means the adapter's default (5 s). */
        private Duration connectTimeout;

        /** How long to wait for Vault's answer; unset means the adapter's default (30 s). */
        private Duration readTimeout;

        /**
         * The deadline of a whole call to Vault, from connecting to the last byte of the answer, so a server that
         * trickles its answer cannot hold a refresh; unset means the adapter's default (10 s). Keep it below
         * rotor.refresh.load-timeout.
         */
        private Duration callTimeout;

        /**
         * The only Vault paths refs may name, as written in the refs (KV v2 without data/: secret/orders), compared
         * segment by segment; any other ref is refused before a call is made. Empty means every path except Vault's own
         * endpoints (auth/, sys/, cubbyhole/, identity/).
         */
        private List<String> allowPaths = new ArrayList<>();

        /**
         * The Vault source's request budget, in calls per second on average, over rotor.refresh.requests-per-second;
         * unset means that one (or, unset too, unlimited).
         */
        private Double requestsPerSecond;

        /** The KV version (1 or 2) of each KV mount, by mount path; a mount not listed is asked once. */
        private Map<String, Integer> kvVersions = new LinkedHashMap<>();

        /**
         * Whether a certificate issued through a PKI ref (vault:pki/issue/&lt;role&gt;?common_name=...) is revoked by
         * serial once its replacement has been handed over; off, it ends at its notAfter, as Vault's PKI guidance
         * recommends for short-lived certificates. Needs update on &lt;mount&gt;/revoke.
         */
        private boolean revokeReplacedCertificates = false;

        /**
         * Whether the client checks at start, with one sys/capabilities-self call, that the token may read the
         * declared secrets and no more: a missing capability fails the start, an excess one is a warning.
         */
        private boolean checkCapabilitiesAtStart = true;

        public boolean isCheckCapabilitiesAtStart() {
            return checkCapabilitiesAtStart;
        }

        public void setCheckCapabilitiesAtStart(boolean checkCapabilitiesAtStart) {
            this.checkCapabilitiesAtStart = checkCapabilitiesAtStart;
        }

        /** How the client logs in. */
        private final Auth auth = new Auth();

        /** TLS settings; verification is always on. */
        private final Tls tls = new Tls();

        public URI getAddress() {
            return address;
        }

        public void setAddress(URI address) {
            this.address = address;
        }

        public String getNamespace() {
            return namespace;
        }

        public void setNamespace(String namespace) {
            this.namespace = namespace;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getReadTimeout() {
            return readTimeout;
        }

        public void setReadTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
        }

        public Duration getCallTimeout() {
            return callTimeout;
        }

        public void setCallTimeout(Duration callTimeout) {
            this.callTimeout = callTimeout;
        }

        public List<String> getAllowPaths() {
            return allowPaths;
        }

        public void setAllowPaths(List<String> allowPaths) {
            this.allowPaths = allowPaths;
        }

        public Double getRequestsPerSecond() {
            return requestsPerSecond;
        }

        public void setRequestsPerSecond(Double requestsPerSecond) {
            this.requestsPerSecond = requestsPerSecond;
        }

        public Map<String, Integer> getKvVersions() {
            return kvVersions;
        }

        public void setKvVersions(Map<String, Integer> kvVersions) {
            this.kvVersions = kvVersions;
        }

        public boolean isRevokeReplacedCertificates() {
            return revokeReplacedCertificates;
        }

        public void setRevokeReplacedCertificates(boolean revokeReplacedCertificates) {
            this.revokeReplacedCertificates = revokeReplacedCertificates;
        }

        public Auth getAuth() {
            return auth;
        }

        public Tls getTls() {
            return tls;
        }

        /** {@code rotor.vault.auth.*}. */
        public static class Auth {
            /** The authentication method. */
            private VaultAuthMethod method = VaultAuthMethod.TOKEN;

            /** The mount path of the auth method; unset means the method's default path (approle, kubernetes, ...). */
            private String mount;

            /** The role to log in as (kubernetes, jwt, aws-iam, gcp-gce, gcp-iam, azure), or the certificate role (cert). */
            private String role;

            /** AppRole: the role id (not a secret). */
            private String roleId;

            /** AppRole: a Rotor ref to the secret id, for example file:/run/secrets/vault-secret-id. */
            private String secretIdRef;

            /** AppRole: whether the secret id the ref holds is a response-wrapping token, unwrapped once. */
            private boolean secretIdWrapped = false;

            /** Token: a Rotor ref to the token, for example env:VAULT_TOKEN; a file: ref is re-read when it changes. */
            private String tokenRef;

            /** Kubernetes or JWT: the file holding the token to present; unset means the pod's service account token. */
            private Path jwtFile;

            /** Userpass: the user name. */
            private String username;

            /** Userpass: a Rotor ref to the password. */
            private String passwordRef;

            /** AWS IAM: the region of the STS endpoint to sign for; unset means the global endpoint and us-east-1. */
            private String awsRegion;

            /** AWS IAM: the X-Vault-AWS-IAM-Server-ID header value Vault requires; unset means none. */
            private String awsServerId;

            /** Google Cloud iam: the service-account key JSON file, read at every login. */
            private Path serviceAccountKeyFile;

            /** Google Cloud gce or Azure: the metadata service address; unset means the platform's documented one. */
            private String metadataAddress;

            /** Azure: the resource the managed identity's token is for; unset means https://management.azure.com/. */
            private String resource;

            public VaultAuthMethod getMethod() {
                return method;
            }

            public void setMethod(VaultAuthMethod method) {
                this.method = method;
            }

            public String getMount() {
                return mount;
            }

            public void setMount(String mount) {
                this.mount = mount;
            }

            public String getRole() {
                return role;
            }

            public void setRole(String role) {
                this.role = role;
            }

            public String getRoleId() {
                return roleId;
            }

            public void setRoleId(String roleId) {
                this.roleId = roleId;
            }

            public String getSecretIdRef() {
                return secretIdRef;
            }

            public void setSecretIdRef(String secretIdRef) {
                this.secretIdRef = secretIdRef;
            }

            public boolean isSecretIdWrapped() {
                return secretIdWrapped;
            }

            public void setSecretIdWrapped(boolean secretIdWrapped) {
                this.secretIdWrapped = secretIdWrapped;
            }

            public String getTokenRef() {
                return tokenRef;
            }

            public void setTokenRef(String tokenRef) {
                this.tokenRef = tokenRef;
            }

            public Path getJwtFile() {
                return jwtFile;
            }

            public void setJwtFile(Path jwtFile) {
                this.jwtFile = jwtFile;
            }

            public String getUsername() {
                return username;
            }

            public void setUsername(String username) {
                this.username = username;
            }

            public String getPasswordRef() {
                return passwordRef;
            }

            public void setPasswordRef(String passwordRef) {
                this.passwordRef = passwordRef;
            }

            public String getAwsRegion() {
                return awsRegion;
            }

            public void setAwsRegion(String awsRegion) {
                this.awsRegion = awsRegion;
            }

            public String getAwsServerId() {
                return awsServerId;
            }

            public void setAwsServerId(String awsServerId) {
                this.awsServerId = awsServerId;
            }

            public Path getServiceAccountKeyFile() {
                return serviceAccountKeyFile;
            }

            public void setServiceAccountKeyFile(Path serviceAccountKeyFile) {
                this.serviceAccountKeyFile = serviceAccountKeyFile;
            }

            public String getMetadataAddress() {
                return metadataAddress;
            }

            public void setMetadataAddress(String metadataAddress) {
                this.metadataAddress = metadataAddress;
            }

            public String getResource() {
                return resource;
            }

            public void setResource(String resource) {
                this.resource = resource;
            }
        }

        /** {@code rotor.vault.tls.*}. */
        public static class Tls {
            /** PEM file with the CA certificates to trust instead of the JVM's default trust store. */
            private Path caCertificate;

            /** PEM file with the client certificate chain, for mutual TLS and cert auth. */
            private Path clientCertificate;

            /**
             * PEM file with the client's private key (PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted), for mutual TLS and
             * cert auth. Both files are read again when they change, for the next connection: a sidecar may rotate
             * them.
             */
            private Path clientKey;

            public Path getCaCertificate() {
                return caCertificate;
            }

            public void setCaCertificate(Path caCertificate) {
                this.caCertificate = caCertificate;
            }

            public Path getClientCertificate() {
                return clientCertificate;
            }

            public void setClientCertificate(Path clientCertificate) {
                this.clientCertificate = clientCertificate;
            }

            public Path getClientKey() {
                return clientKey;
            }

            public void setClientKey(Path clientKey) {
                this.clientKey = clientKey;
            }
        }
    }

    /** {@code rotor.aws.*}: bound to a source only when the AWS adapter is on the class path. */
    public static class Aws {
        /** The AWS region, for example eu-west-1; unset means the SDK's default region chain. */
        private String region;

        /** An endpoint override (a VPC endpoint or a local stand-in); unset means the region's public endpoint. */
        private URI endpoint;

        /** Whether Secrets.compromised(ref) asks AWS to rotate the secret at once (RotateSecret). */
        private boolean rotateOnCompromise = false;

        /** How soon to look again while a rotation is under way; unset means the adapter's default (15 s). */
        private Duration rotationCheckInterval;

        /** Whether polls call DescribeSecret (cheap change detection, rotation dates and windows). */
        private boolean describeSecrets = true;

        /**
         * The deadline of a whole call to Secrets Manager: every attempt, the SDK's retries and the waits between them;
         * unset means the adapter's default (10 s). Keep it below rotor.refresh.load-timeout.
         */
        private Duration apiCallTimeout;

        /**
         * The deadline of one attempt (one HTTP exchange, the whole answer read), never more than
         * rotor.aws.api-call-timeout; unset means the adapter's default (5 s, or the call deadline when shorter).
         */
        private Duration apiCallAttemptTimeout;

        /**
         * Whether rotor.aws.endpoint may be plain http to a host that is not loopback (requests stay signed, but values
         * travel in clear text).
         */
        private boolean allowInsecureHttp = false;

        /**
         * The AWS source's request budget, in calls per second on average, over rotor.refresh.requests-per-second;
         * unset means that one (or, unset too, unlimited).
         */
        private Double requestsPerSecond;

        public String getRegion() {
            return region;
        }

        public void setRegion(String region) {
            this.region = region;
        }

        public URI getEndpoint() {
            return endpoint;
        }

        public void setEndpoint(URI endpoint) {
            this.endpoint = endpoint;
        }

        public boolean isRotateOnCompromise() {
            return rotateOnCompromise;
        }

        public void setRotateOnCompromise(boolean rotateOnCompromise) {
            this.rotateOnCompromise = rotateOnCompromise;
        }

        public Duration getRotationCheckInterval() {
            return rotationCheckInterval;
        }

        public void setRotationCheckInterval(Duration rotationCheckInterval) {
            this.rotationCheckInterval = rotationCheckInterval;
        }

        public boolean isDescribeSecrets() {
            return describeSecrets;
        }

        public void setDescribeSecrets(boolean describeSecrets) {
            this.describeSecrets = describeSecrets;
        }

        public Duration getApiCallTimeout() {
            return apiCallTimeout;
        }

        public void setApiCallTimeout(Duration apiCallTimeout) {
            this.apiCallTimeout = apiCallTimeout;
        }

        public Duration getApiCallAttemptTimeout() {
            return apiCallAttemptTimeout;
        }

        public void setApiCallAttemptTimeout(Duration apiCallAttemptTimeout) {
            this.apiCallAttemptTimeout = apiCallAttemptTimeout;
        }

        public boolean isAllowInsecureHttp() {
            return allowInsecureHttp;
        }

        public void setAllowInsecureHttp(boolean allowInsecureHttp) {
            this.allowInsecureHttp = allowInsecureHttp;
        }

        public Double getRequestsPerSecond() {
            return requestsPerSecond;
        }

        public void setRequestsPerSecond(Double requestsPerSecond) {
            this.requestsPerSecond = requestsPerSecond;
        }
    }

    /**
     * {@code rotor.gcp.*}: bound to a source only when the Google Secret Manager adapter is on the class path. Without
     * any of these, the adapter's own provider serves {@code gcp-sm:} refs with Application Default Credentials.
     */
    public static class Gcp {
        /** Whether to build the source from these properties even when none other is set. */
        private boolean enabled = false;

        /**
         * One endpoint, host:port, for every secret (a Private Service Connect endpoint, a local emulator); unset means
         * the global endpoint, or a secret's regional one. TLS always, except to a loopback host.
         */
        private String endpoint;

        /** The deadline of every call (one attempt; Rotor retries); unset means the adapter's default (10 s). */
        private Duration callTimeout;

        /** Call without credentials: only for a local emulator or test server at a loopback rotor.gcp.endpoint. */
        private boolean noCredentials = false;

        /**
         * The Google source's request budget, in calls per second on average, over rotor.refresh.requests-per-second;
         * unset means that one (or, unset too, the adapter's default of 20).
         */
        private Double requestsPerSecond;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getEndpoint() {
            return endpoint;
        }

        public void setEndpoint(String endpoint) {
            this.endpoint = endpoint;
        }

        public Duration getCallTimeout() {
            return callTimeout;
        }

        public void setCallTimeout(Duration callTimeout) {
            this.callTimeout = callTimeout;
        }

        public boolean isNoCredentials() {
            return noCredentials;
        }

        public void setNoCredentials(boolean noCredentials) {
            this.noCredentials = noCredentials;
        }

        public Double getRequestsPerSecond() {
            return requestsPerSecond;
        }

        public void setRequestsPerSecond(Double requestsPerSecond) {
            this.requestsPerSecond = requestsPerSecond;
        }
    }

    /**
     * {@code rotor.azure.*}: bound to a source only when the Azure Key Vault adapter is on the class path. The
     * credential is the application's single {@code TokenCredential} bean when it has one, else {@code
     * DefaultAzureCredential}. Without any of these, the adapter's own provider serves {@code azure-kv:} refs with its
     * defaults.
     */
    public static class Azure {
        /** Whether to build the source from these properties even when none other is set. */
        private boolean enabled = false;

        /** The DNS suffix vault names are completed with; unset means vault.azure.net (the public cloud). */
        private String dnsSuffix;

        /**
         * Where a vault is reached instead of https://&lt;name&gt;.&lt;dns-suffix&gt;, by vault name: a private
         * endpoint, an emulator. https with a host and no path.
         */
        private Map<String, URI> vaultUrls = new LinkedHashMap<>();

        /** The client id of the user-assigned managed identity DefaultAzureCredential signs in as. */
        private String managedIdentityClientId;

        /** The deadline of a whole call, token included; unset means the adapter's default (10 s). */
        private Duration callTimeout;

        /** How long to wait for a connection; unset means the adapter's default (5 s). */
        private Duration connectTimeout;

        /**
         * A PEM file of CA certificates to trust instead of the JDK's (a TLS-inspecting proxy's CA, an emulator's
         * certificate); verification stays on.
         */
        private Path trustCertificates;

        /**
         * Accept a bearer challenge whose resource is not a parent domain of the vault's host: only for an emulator,
         * and only when every rotor.azure.vault-urls entry is a loopback host.
         */
        private boolean disableChallengeResourceVerification = false;

        /**
         * The Azure source's request budget, in calls per second on average, over rotor.refresh.requests-per-second;
         * unset means that one (or, unset too, no limit).
         */
        private Double requestsPerSecond;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getDnsSuffix() {
            return dnsSuffix;
        }

        public void setDnsSuffix(String dnsSuffix) {
            this.dnsSuffix = dnsSuffix;
        }

        public Map<String, URI> getVaultUrls() {
            return vaultUrls;
        }

        public void setVaultUrls(Map<String, URI> vaultUrls) {
            this.vaultUrls = vaultUrls;
        }

        public String getManagedIdentityClientId() {
            return managedIdentityClientId;
        }

        public void setManagedIdentityClientId(String managedIdentityClientId) {
            this.managedIdentityClientId = managedIdentityClientId;
        }

        public Duration getCallTimeout() {
            return callTimeout;
        }

        public void setCallTimeout(Duration callTimeout) {
            this.callTimeout = callTimeout;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Path getTrustCertificates() {
            return trustCertificates;
        }

        public void setTrustCertificates(Path trustCertificates) {
            this.trustCertificates = trustCertificates;
        }

        public boolean isDisableChallengeResourceVerification() {
            return disableChallengeResourceVerification;
        }

        public void setDisableChallengeResourceVerification(boolean disableChallengeResourceVerification) {
            this.disableChallengeResourceVerification = disableChallengeResourceVerification;
        }

        public Double getRequestsPerSecond() {
            return requestsPerSecond;
        }

        public void setRequestsPerSecond(Double requestsPerSecond) {
            this.requestsPerSecond = requestsPerSecond;
        }
    }

    /**
     * {@code rotor.kubernetes.*}: bound to a source only when the Kubernetes adapter is on the class path. Without any
     * of these, the adapter's own provider serves {@code k8s:} refs with the in-cluster service account (or the
     * kubeconfig) and its defaults.
     */
    public static class Kubernetes {
        /** Whether to build the source from these properties even when none other is set. */
        private boolean enabled = false;

        /**
         * The API server, instead of the one the service account or kubeconfig names: https, or plain http to a
         * loopback host only (unless allow-insecure-http).
         */
        private URI masterUrl;

        /** Allow plain http to an API server that is not loopback. */
        private boolean allowInsecureHttp = false;

        /** The deadline of each request; unset means the adapter's default (10 s). The watch stream is not cut by it. */
        private Duration requestTimeout;

        /** How long to wait for a connection; unset means the adapter's default (5 s). */
        private Duration connectionTimeout;

        /**
         * Whether to watch the namespaces read from, so changes arrive within seconds; off, they are seen by the poll
         * only (every 10 min by default) and the source needs only get on secrets.
         */
        private boolean watch = true;

        /** Watch only the Secrets with these labels (such as app=shop); others are still read, and polled. */
        private String labelSelector;

        /** Watch only the Secrets matching this field selector (such as type=Opaque). */
        private String fieldSelector;

        /** How often each watched namespace is listed again, to heal a missed watch event; unset means 1 h. */
        private Duration resyncInterval;

        /**
         * The Kubernetes source's request budget, in calls per second on average, over
         * rotor.refresh.requests-per-second; unset means that one (or, unset too, no limit).
         */
        private Double requestsPerSecond;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public URI getMasterUrl() {
            return masterUrl;
        }

        public void setMasterUrl(URI masterUrl) {
            this.masterUrl = masterUrl;
        }

        public boolean isAllowInsecureHttp() {
            return allowInsecureHttp;
        }

        public void setAllowInsecureHttp(boolean allowInsecureHttp) {
            this.allowInsecureHttp = allowInsecureHttp;
        }

        public Duration getRequestTimeout() {
            return requestTimeout;
        }

        public void setRequestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
        }

        public Duration getConnectionTimeout() {
            return connectionTimeout;
        }

        public void setConnectionTimeout(Duration connectionTimeout) {
            this.connectionTimeout = connectionTimeout;
        }

        public boolean isWatch() {
            return watch;
        }

        public void setWatch(boolean watch) {
            this.watch = watch;
        }

        public String getLabelSelector() {
            return labelSelector;
        }

        public void setLabelSelector(String labelSelector) {
            this.labelSelector = labelSelector;
        }

        public String getFieldSelector() {
            return fieldSelector;
        }

        public void setFieldSelector(String fieldSelector) {
            this.fieldSelector = fieldSelector;
        }

        public Duration getResyncInterval() {
            return resyncInterval;
        }

        public void setResyncInterval(Duration resyncInterval) {
            this.resyncInterval = resyncInterval;
        }

        public Double getRequestsPerSecond() {
            return requestsPerSecond;
        }

        public void setRequestsPerSecond(Double requestsPerSecond) {
            this.requestsPerSecond = requestsPerSecond;
        }
    }

    /** {@code rotor.datasource.*}: binds the application's HikariDataSource to a credentials secret. */
    public static class Datasource {
        /** The credentials secret, for example vault:database/creds/app; unset leaves the pool alone. */
        private String ref;

        /** The secret's field holding the database user name. */
        private String usernameField = "username";

        /** The secret's field holding the database password. */
        private String passwordField = "password";

        /** Whether each new version must open a connection before the pool gets it (a failing one is refused). */
        private boolean validate = true;

        /** How long the revocation of a previous lease waits for the pool's borrowed connections to come back. */
        private Duration drainTimeout = Duration.ofSeconds(30);

        public String getRef() {
            return ref;
        }

        public void setRef(String ref) {
            this.ref = ref;
        }

        public String getUsernameField() {
            return usernameField;
        }

        public void setUsernameField(String usernameField) {
            this.usernameField = usernameField;
        }

        public String getPasswordField() {
            return passwordField;
        }

        public void setPasswordField(String passwordField) {
            this.passwordField = passwordField;
        }

        public boolean isValidate() {
            return validate;
        }

        public void setValidate(boolean validate) {
            this.validate = validate;
        }

        public Duration getDrainTimeout() {
            return drainTimeout;
        }

        public void setDrainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
        }
    }

    /**
     * {@code rotor.ssl.*}: Spring Boot SSL bundles fed by Rotor. Each {@code rotor.ssl.bundle.<name>} is registered in
     * Spring Boot's {@code SslBundleRegistry} as the bundle {@code <name>} and updated with every new version.
     */
    public static class Ssl {
        /**
         * The SSL bundles to register, by bundle name: each names the secret holding its certificate and key (ref),
         * and optionally the CA bundle to trust (trust-ref), the password of an encrypted key (key-password-ref) and
         * the SSLContext protocol (protocol).
         */
        private Map<String, SslBundle> bundle = new LinkedHashMap<>();

        public Map<String, SslBundle> getBundle() {
            return bundle;
        }

        public void setBundle(Map<String, SslBundle> bundle) {
            this.bundle = bundle;
        }
    }

    /** One {@code rotor.ssl.bundle.<name>.*} entry. */
    public static class SslBundle {
        /** The secret holding the certificate chain and its private key, for example file:/etc/tls?format=tls. */
        private String ref;

        /** The secret holding the CA certificates to trust (ca.crt, ca, issuing_ca, ca_chain, or one PEM value). */
        private String trustRef;

        /** The secret whose value is the password of an encrypted private key (BEGIN ENCRYPTED PRIVATE KEY). */
        private String keyPasswordRef;

        /** The SSLContext protocol of the bundle. */
        private String protocol = "TLS";

        public String getRef() {
            return ref;
        }

        public void setRef(String ref) {
            this.ref = ref;
        }

        public String getTrustRef() {
            return trustRef;
        }

        public void setTrustRef(String trustRef) {
            this.trustRef = trustRef;
        }

        public String getKeyPasswordRef() {
            return keyPasswordRef;
        }

        public void setKeyPasswordRef(String keyPasswordRef) {
            this.keyPasswordRef = keyPasswordRef;
        }

        public String getProtocol() {
            return protocol;
        }

        public void setProtocol(String protocol) {
            this.protocol = protocol;
        }
    }

    /** {@code rotor.policy.*}: the client's ref allow-list (see {@code Secrets.Builder.allowRefs}). */
    public static class Policy {
        /**
         * The only refs the application may read: exact refs and scheme:path patterns ('*' within one path segment,
         * '**' across segments; fields and parameters take no part). Empty (the default) allows every ref.
         */
        private List<String> allowedRefs = new ArrayList<>();

        public List<String> getAllowedRefs() {
            return allowedRefs;
        }

        public void setAllowedRefs(List<String> allowedRefs) {
            this.allowedRefs = allowedRefs;
        }
    }

    /**
     * {@code rotor.signals.*}: when the anomaly signals fire, each property one setting of {@link
     * dev.rotor.secrets.SignalThresholds} (whose Javadoc says why each default is what it is). The defaults here are
     * that type's defaults. The signals run with the monitor, which is on when the application declares a secret
     * ({@code rotor.secrets[n]}). A value out of range fails the start naming the property.
     */
    public static class Signals {
        /** ROTATION_TOO_FREQUENT: more new versions than this within one declared rotation cadence. */
        private int versionsPerCadence = 3;

        /** ACCESS_DENIED_BURST: this many access denied answers from one source within denied-window. */
        private int deniedBurst = 5;

        /** ACCESS_DENIED_BURST: the window the denied-burst answers fall within. */
        private Duration deniedWindow = Duration.ofMinutes(1);

        /** CONSUMER_REFUSING: this many refused new versions of a secret in a row. */
        private int refusals = 3;

        /** UNDECLARED_READ: the most undeclared refs remembered (and so reported); 0 reports none. */
        private int maxUndeclared = 1000;

        /** READ_RATE_SPIKE: more than this multiple of the secret's moving average read rate. */
        private double spikeFactor = 10;

        /** READ_RATE_SPIKE: at least this many reads in one evaluation interval. */
        private int spikeMinReads = 100;

        /** READ_RATE_SPIKE: evaluations that build the average before a spike can be reported. */
        private int spikeWarmup = 5;

        public int getVersionsPerCadence() {
            return versionsPerCadence;
        }

        public void setVersionsPerCadence(int versionsPerCadence) {
            this.versionsPerCadence = versionsPerCadence;
        }

        public int getDeniedBurst() {
            return deniedBurst;
        }

        public void setDeniedBurst(int deniedBurst) {
            this.deniedBurst = deniedBurst;
        }

        public Duration getDeniedWindow() {
            return deniedWindow;
        }

        public void setDeniedWindow(Duration deniedWindow) {
            this.deniedWindow = deniedWindow;
        }

        public int getRefusals() {
            return refusals;
        }

        public void setRefusals(int refusals) {
            this.refusals = refusals;
        }

        public int getMaxUndeclared() {
            return maxUndeclared;
        }

        public void setMaxUndeclared(int maxUndeclared) {
            this.maxUndeclared = maxUndeclared;
        }

        public double getSpikeFactor() {
            return spikeFactor;
        }

        public void setSpikeFactor(double spikeFactor) {
            this.spikeFactor = spikeFactor;
        }

        public int getSpikeMinReads() {
            return spikeMinReads;
        }

        public void setSpikeMinReads(int spikeMinReads) {
            this.spikeMinReads = spikeMinReads;
        }

        public int getSpikeWarmup() {
            return spikeWarmup;
        }

        public void setSpikeWarmup(int spikeWarmup) {
            this.spikeWarmup = spikeWarmup;
        }
    }
}
