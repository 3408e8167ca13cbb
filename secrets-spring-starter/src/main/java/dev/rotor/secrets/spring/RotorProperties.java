package dev.rotor.secrets.spring;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

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
 * rotor.secrets[0].required=true
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

    /** Micrometer meters. */
    private final Metrics metrics = new Metrics();

    /** Secrets the application declares: they appear in the inventory and the health before their first read. */
    private List<Declaration> secrets = new ArrayList<>();

    /** HashiCorp Vault (or OpenBao); used when the Vault adapter is on the class path. */
    private final Vault vault = new Vault();

    /** AWS Secrets Manager; used when the AWS adapter is on the class path. */
    private final Aws aws = new Aws();

    public boolean isEnabled() {
        return enabled;
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

    /** {@code rotor.refresh.*}: see {@link dev.rotor.secrets.RefreshPolicy} for what each option does. */
    public static class Refresh {
        /** Fraction of a lease after which a leased secret is refreshed, counted from when the lease was issued. */
        private double leaseFraction = 2.0 / 3.0;

        /** Up to this fraction of the lease is drawn at random and taken off the refresh time. */
        private double leaseJitter = 0.1;

        /** How often static secrets without a rotation date are polled (through a cheap version probe). */
        private Duration pollInterval = Duration.ofMinutes(5);

        /** Up to this fraction of the poll interval is drawn at random and taken off each poll. */
        private double pollJitter = 0.1;

        /** How long after a known rotation date a secret is refreshed. */
        private Duration afterRotationDelay = Duration.ofSeconds(5);

        /** The first wait before retrying a failed refresh (exponential backoff with full jitter). */
        private Duration initialBackoff = Duration.ofSeconds(1);

        /** The longest wait between two retries. */
        private Duration maxBackoff = Duration.ofMinutes(5);

        /** The shortest wait between two retries, whatever the jitter draws. */
        private Duration minBackoff = Duration.ofMillis(100);

        /** How many retries should fit before a lease ends: each wait is capped to the time left divided by this. */
        private int attemptsBeforeExpiry = 4;

        /** The most calls in flight at once per source. */
        private int maxInFlightPerSource = 16;

        /** How long a first read waits for its secret before failing. */
        private Duration loadTimeout = Duration.ofSeconds(30);

        /** How long after a new version was handed over the previous lease is revoked. */
        private Duration revokeDelay = Duration.ZERO;

        /** How long after a new version was handed over the previous version's bytes are wiped. */
        private Duration wipeDelay = Duration.ofSeconds(60);

        public double getLeaseFraction() {
            return leaseFraction;
        }

        public void setLeaseFraction(double leaseFraction) {
            this.leaseFraction = leaseFraction;
        }

        public double getLeaseJitter() {
            return leaseJitter;
        }

        public void setLeaseJitter(double leaseJitter) {
            this.leaseJitter = leaseJitter;
        }

        public Duration getPollInterval() {
            return pollInterval;
        }

        public void setPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
        }

        public double getPollJitter() {
            return pollJitter;
        }

        public void setPollJitter(double pollJitter) {
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

        public Duration getMinBackoff() {
            return minBackoff;
        }

        public void setMinBackoff(Duration minBackoff) {
            this.minBackoff = minBackoff;
        }

        public int getAttemptsBeforeExpiry() {
            return attemptsBeforeExpiry;
        }

        public void setAttemptsBeforeExpiry(int attemptsBeforeExpiry) {
            this.attemptsBeforeExpiry = attemptsBeforeExpiry;
        }

        public int getMaxInFlightPerSource() {
            return maxInFlightPerSource;
        }

        public void setMaxInFlightPerSource(int maxInFlightPerSource) {
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

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
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
        /** A token read from a Rotor ref ({@code rotor.vault.auth.token-ref}). */
        TOKEN,
        /** AppRole: a role id and a secret id read from a Rotor ref. */
        APPROLE,
        /** Kubernetes: the service account token file and a role. */
        KUBERNETES,
        /** AWS IAM: a signed sts:GetCallerIdentity request and a role. */
        AWS_IAM,
        /** A JWT or OIDC token read from a file, and a role. */
        JWT,
        /** A TLS client certificate (see {@code rotor.vault.tls.*}). */
        CERT
    }

    /** {@code rotor.vault.*}: bound to a source only when the Vault adapter is on the class path. */
    public static class Vault {
        /** The Vault address, for example https://vault.example.internal:8200. */
        private URI address;

        /** The Vault Enterprise or OpenBao namespace, sent with every request; unset for the root namespace. */
        private String namespace;

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

            /** The role to log in as (approle, kubernetes, aws-iam, jwt, cert). */
            private String role;

            /** AppRole: the role id (not a secret). */
            private String roleId;

            /** AppRole: a Rotor ref to the secret id, for example file:/run/secrets/vault-secret-id. */
            private String secretIdRef;

            /** Token: a Rotor ref to the token, for example env:VAULT_TOKEN. */
            private String tokenRef;

            /** Kubernetes or JWT: the file holding the token to present. */
            private Path jwtFile = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

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
        }

        /** {@code rotor.vault.tls.*}. */
        public static class Tls {
            /** PEM file with the CA certificates to trust in addition to the JVM's. */
            private Path caCertificate;

            /** PEM file with the client certificate chain, for mutual TLS and cert auth. */
            private Path clientCertificate;

            /** PEM file with the client private key, for mutual TLS and cert auth. */
            private Path clientKey;

            /** The server name to verify and send (SNI) when it differs from the address's host. */
            private String serverName;

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

            public String getServerName() {
                return serverName;
            }

            public void setServerName(String serverName) {
                this.serverName = serverName;
            }
        }
    }

    /** {@code rotor.aws.*}: bound to a source only when the AWS adapter is on the class path. */
    public static class Aws {
        /** The AWS region, for example eu-west-1; unset means the SDK's default region chain. */
        private String region;

        /** An endpoint override (a VPC endpoint or a local stand-in); unset means the region's public endpoint. */
        private URI endpoint;

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
    }
}
