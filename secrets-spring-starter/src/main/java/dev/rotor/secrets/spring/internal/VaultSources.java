package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spring.RotorProperties;
import dev.rotor.secrets.spring.RotorProperties.VaultAuthMethod;
import dev.rotor.secrets.vault.VaultAuth;
import dev.rotor.secrets.vault.VaultSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds the {@link VaultSource} that {@code rotor.vault.*} describes. Loaded only when the Vault adapter is on the
 * class path (this class links against it). Every missing or conflicting setting fails naming the property.
 *
 * <pre>{@code
 * SecretSource vault = VaultSources.create(properties.getVault(), refs);
 * }</pre>
 */
final class VaultSources {
    static final String SCHEME = "vault";
    static final String CLASS_NAME = "dev.rotor.secrets.vault.VaultSource";
    private static final String P = "rotor.vault.";
    private static final String A = "rotor.vault.auth.";

    private VaultSources() {}

    static SecretSource create(RotorProperties.Vault v, RefReader refs) {
        VaultSource.Builder b = VaultSource.builder().address(v.getAddress().toString());
        b.auth(auth(v, refs));
        if (v.getNamespace() != null) {
            b.namespace(v.getNamespace());
        }
        if (v.getConnectTimeout() != null) {
            b.connectTimeout(positive(P + "connect-timeout", v.getConnectTimeout()));
        }
        if (v.getReadTimeout() != null) {
            b.readTimeout(positive(P + "read-timeout", v.getReadTimeout()));
        }
        if (v.getCallTimeout() != null) {
            b.callTimeout(positive(P + "call-timeout", v.getCallTimeout()));
        }
        List<String> paths = v.getAllowPaths();
        for (int i = 0; i < paths.size(); i++) {
            if (paths.get(i) == null || paths.get(i).isBlank()) {
                throw new SecretConfigurationException(P + "allow-paths[" + i + "] is empty", null, SCHEME);
            }
        }
        if (!paths.isEmpty()) {
            b.allowPaths(paths.stream().map(String::strip).toArray(String[]::new));
        }
        RotorProperties.Vault.Tls tls = v.getTls();
        if (tls.getCaCertificate() != null) {
            b.caCertificatePem(tls.getCaCertificate());
        }
        if ((tls.getClientCertificate() == null) != (tls.getClientKey() == null)) {
            throw new SecretConfigurationException(
                    P + "tls.client-certificate and " + P + "tls.client-key must be set together", null, SCHEME);
        }
        if (tls.getClientCertificate() != null) {
            b.clientCertificatePem(tls.getClientCertificate(), tls.getClientKey());
        }
        v.getKvVersions().forEach(b::kvVersion);
        b.revokeReplacedCertificates(v.isRevokeReplacedCertificates());
        b.checkCapabilitiesAtStart(v.isCheckCapabilitiesAtStart());
        try {
            return b.build();
        } catch (SecretConfigurationException e) {
            if (e.getMessage().contains("allowPaths")) {
                // the prefix is a path, not a secret: the adapter's message says which one and why; no cause, so
                // that the root cause a failed start-up reports names the property
                throw new SecretConfigurationException("invalid " + P + "allow-paths: " + e.getMessage(), null, SCHEME);
            }
            // the adapter names its builder option (VaultSource.address ...); say which properties that is
            throw new SecretConfigurationException("invalid " + P + "*: " + e.getMessage(), null, SCHEME, e);
        }
    }

    private static VaultAuth auth(RotorProperties.Vault v, RefReader refs) {
        RotorProperties.Vault.Auth a = v.getAuth();
        VaultAuthMethod method = a.getMethod() == null ? VaultAuthMethod.TOKEN : a.getMethod();
        Map<String, Boolean> set = SecretsFactory.vaultAuthSettings(a);
        Set<String> allowed = allowed(method);
        for (String name : set.keySet()) {
            if (!allowed.contains(name)) {
                throw new SecretConfigurationException(
                        A + name + " does not apply to " + A + "method=" + name(method), null, SCHEME);
            }
        }
        VaultAuth auth;
        switch (method) {
            case TOKEN:
                auth = token(required(method, "token-ref", a.getTokenRef()), refs);
                break;
            case APPROLE:
                String roleId = required(method, "role-id", a.getRoleId());
                String secretId = refs.read(A + "secret-id-ref", required(method, "secret-id-ref", a.getSecretIdRef()));
                auth = a.isSecretIdWrapped()
                        ? VaultAuth.appRoleWrapped(roleId, secretId)
                        : VaultAuth.appRole(roleId, secretId);
                break;
            case KUBERNETES:
                String role = required(method, "role", a.getRole());
                auth = a.getJwtFile() == null ? VaultAuth.kubernetes(role) : VaultAuth.kubernetes(role, a.getJwtFile());
                break;
            case JWT:
                auth = VaultAuth.jwt(
                        required(method, "role", a.getRole()), required(method, "jwt-file", a.getJwtFile()));
                break;
            case CERT:
                if (v.getTls().getClientCertificate() == null) {
                    throw new SecretConfigurationException(
                            A + "method=cert needs " + P + "tls.client-certificate and " + P + "tls.client-key",
                            null,
                            SCHEME);
                }
                auth = a.getRole() == null ? VaultAuth.cert() : VaultAuth.cert(a.getRole());
                break;
            case USERPASS:
                String user = required(method, "username", a.getUsername());
                auth = VaultAuth.userpass(
                        user, refs.read(A + "password-ref", required(method, "password-ref", a.getPasswordRef())));
                break;
            case AWS_IAM:
                auth = VaultAuth.awsIam(required(method, "role", a.getRole()), a.getAwsRegion(), a.getAwsServerId());
                break;
            case GCP_GCE:
                auth = a.getMetadataAddress() == null
                        ? VaultAuth.gcpGce(required(method, "role", a.getRole()))
                        : VaultAuth.gcpGce(required(method, "role", a.getRole()), a.getMetadataAddress());
                break;
            case GCP_IAM:
                auth = VaultAuth.gcpIam(
                        required(method, "role", a.getRole()),
                        required(method, "service-account-key-file", a.getServiceAccountKeyFile()));
                break;
            case AZURE:
                String azureRole = required(method, "role", a.getRole());
                String resource = a.getResource() == null ? "https://management.azure.com/" : a.getResource();
                auth = a.getMetadataAddress() == null
                        ? VaultAuth.azure(azureRole, resource)
                        : VaultAuth.azure(azureRole, resource, a.getMetadataAddress());
                break;
            case LDAP:
                auth = ldap(
                        required(method, "username", a.getUsername()),
                        required(method, "password-ref", a.getPasswordRef()),
                        refs);
                break;
            default:
                throw new SecretConfigurationException(A + "method " + method + " is not supported", null, SCHEME);
        }
        if (a.getMount() != null) {
            if (a.getMount().isBlank()) {
                throw new SecretConfigurationException(A + "mount must not be blank", null, SCHEME);
            }
            auth = auth.withMount(a.getMount().strip());
        }
        return auth;
    }

    /**
     * LDAP: a {@code file:} ref (no field, no parameters) is a file the adapter reads at every login; any other ref is
     * read once, and the password is handed to the login from there.
     */
    private static VaultAuth ldap(String username, String passwordRef, RefReader refs) {
        SecretRef ref;
        try {
            ref = SecretRef.parse(passwordRef);
        } catch (RuntimeException e) {
            // the text is not echoed: a password pasted where its ref belongs is a credential
            throw new SecretConfigurationException(
                    A + "password-ref is not a Rotor ref (scheme:path, for example file:/run/secrets/ldap-password)",
                    null,
                    SCHEME);
        }
        if (ref.scheme().equals("file")
                && ref.field().isEmpty()
                && ref.parameters().isEmpty()) {
            return VaultAuth.ldap(username, Path.of(ref.path()));
        }
        String password = refs.read(A + "password-ref", passwordRef);
        return VaultAuth.ldap(username, () -> password);
    }

    /** A {@code file:} ref (no field, no parameters) stays a file the adapter re-reads; any other ref is read once. */
    private static VaultAuth token(String tokenRef, RefReader refs) {
        SecretRef ref;
        try {
            ref = SecretRef.parse(tokenRef);
        } catch (RuntimeException e) {
            // the text is not echoed: a token pasted where its ref belongs is a credential
            throw new SecretConfigurationException(
                    A + "token-ref is not a Rotor ref (scheme:path, for example file:/var/run/vault/token)",
                    null,
                    SCHEME);
        }
        if (ref.scheme().equals("file")
                && ref.field().isEmpty()
                && ref.parameters().isEmpty()) {
            return VaultAuth.tokenFile(Path.of(ref.path()));
        }
        return VaultAuth.token(refs.read(A + "token-ref", tokenRef));
    }

    private static Set<String> allowed(VaultAuthMethod method) {
        switch (method) {
            case TOKEN:
                return Set.of("token-ref");
            case APPROLE:
                return Set.of("mount", "role-id", "secret-id-ref", "secret-id-wrapped");
            case KUBERNETES:
            case JWT:
                return Set.of("mount", "role", "jwt-file");
            case CERT:
                return Set.of("mount", "role");
            case USERPASS:
            case LDAP:
                return Set.of("mount", "username", "password-ref");
            case AWS_IAM:
                return Set.of("mount", "role", "aws-region", "aws-server-id");
            case GCP_GCE:
                return Set.of("mount", "role", "metadata-address");
            case GCP_IAM:
                return Set.of("mount", "role", "service-account-key-file");
            case AZURE:
                return Set.of("mount", "role", "resource", "metadata-address");
            default:
                return Set.of();
        }
    }

    private static <T> T required(VaultAuthMethod method, String property, T value) {
        if (value == null || (value instanceof String && ((String) value).isBlank())) {
            throw new SecretConfigurationException(
                    A + "method=" + name(method) + " needs " + A + property, null, SCHEME);
        }
        return value;
    }

    private static Duration positive(String property, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new SecretConfigurationException(property + " must be positive, was " + d, null, SCHEME);
        }
        return d;
    }

    private static String name(VaultAuthMethod method) {
        return method.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
