package dev.rotor.secrets.vault;

import dev.rotor.secrets.vault.internal.AppRoleAuth;
import dev.rotor.secrets.vault.internal.AwsIamAuth;
import dev.rotor.secrets.vault.internal.AzureAuth;
import dev.rotor.secrets.vault.internal.CertAuth;
import dev.rotor.secrets.vault.internal.GcpAuth;
import dev.rotor.secrets.vault.internal.JwtAuth;
import dev.rotor.secrets.vault.internal.LdapAuth;
import dev.rotor.secrets.vault.internal.TokenAuth;
import dev.rotor.secrets.vault.internal.UserpassAuth;
import java.nio.file.Path;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * How {@link VaultSource} gets its Vault token. Create one with the factories below; each method's mount path can be
 * changed with {@link #withMount(String)}. Instances are immutable; {@link #toString()} never shows a credential.
 * Only the implementations made by these factories are accepted.
 *
 * <pre>{@code
 * VaultAuth auth = VaultAuth.kubernetes("orders");                       // the pod's service-account token
 * VaultAuth auth = VaultAuth.appRoleWrapped(roleId, wrappingToken).withMount("approle-prod");
 * }</pre>
 */
public interface VaultAuth {
    /** The auth method's name: {@code token}, {@code approle}, {@code kubernetes}, {@code jwt}, {@code cert}, ... */
    String method();

    /** The path the method is mounted at, without {@code auth/}. */
    String mount();

    /** The same method mounted at another path (for example {@code kubernetes-eu}). */
    VaultAuth withMount(String mount);

    /** A token given as it is; looked up with {@code auth/token/lookup-self} and renewed while renewable. */
    static VaultAuth token(String token) {
        return TokenAuth.of(token);
    }

    /** A token read from a file, read again at every lookup and when the file changes. */
    static VaultAuth tokenFile(Path file) {
        return TokenAuth.fromFile(file);
    }

    /** AppRole with a role id and a secret id. */
    static VaultAuth appRole(String roleId, String secretId) {
        return AppRoleAuth.of(roleId, secretId);
    }

    /**
     * AppRole with a response-wrapped secret id: the wrapping token is unwrapped once, at the first login, through
     * {@code sys/wrapping/unwrap}. A wrapping token that was already used fails with {@link
     * dev.rotor.secrets.SecretAccessDeniedException}.
     */
    static VaultAuth appRoleWrapped(String roleId, String wrappingToken) {
        return AppRoleAuth.wrapped(roleId, wrappingToken);
    }

    /** Kubernetes with the pod's service-account token, read again at every login. */
    static VaultAuth kubernetes(String role) {
        return JwtAuth.kubernetes(role, JwtAuth.KUBERNETES_TOKEN);
    }

    /** Kubernetes with a service-account token at another path (a projected token). */
    static VaultAuth kubernetes(String role, Path serviceAccountToken) {
        return JwtAuth.kubernetes(role, serviceAccountToken);
    }

    /** JWT/OIDC with a JWT read from a file at every login. */
    static VaultAuth jwt(String role, Path jwtFile) {
        return JwtAuth.jwt(role, jwtFile);
    }

    /** TLS certificate login over mTLS; needs the client certificate configured on the builder. */
    static VaultAuth cert() {
        return CertAuth.of(null);
    }

    /** TLS certificate login naming the certificate role to use. */
    static VaultAuth cert(String name) {
        return CertAuth.of(name);
    }

    /** Username and password: for development. */
    static VaultAuth userpass(String username, String password) {
        return UserpassAuth.of(username, password);
    }

    /**
     * AWS IAM with the credentials of the AWS SDK's default chain (environment, profile, web identity, container,
     * instance profile), resolved again at every login: a signed STS {@code GetCallerIdentity} request for the global
     * endpoint, signed for {@code us-east-1}. Needs {@code software.amazon.awssdk:auth} on the class path.
     */
    static VaultAuth awsIam(String role) {
        return AwsIamAuth.of(role, null, null, null);
    }

    /**
     * AWS IAM with the default credential chain, the regional STS endpoint of {@code region} (null: the global one)
     * and the {@code X-Vault-AWS-IAM-Server-ID} header (null: none) that Vault's {@code iam_server_id_header_value}
     * requires.
     */
    static VaultAuth awsIam(String role, String region, String serverId) {
        return AwsIamAuth.of(role, region, serverId, null);
    }

    /** AWS IAM with credentials from {@code credentials}, asked again at every login. */
    static VaultAuth awsIam(String role, String region, String serverId, AwsCredentialsProvider credentials) {
        if (credentials == null) {
            throw new dev.rotor.secrets.SecretConfigurationException(
                    "VaultAuth AWS IAM credentials provider must be set", null, null);
        }
        return AwsIamAuth.of(role, region, serverId, credentials);
    }

    /**
     * Google Cloud {@code gce}: the identity token of the VM's (or GKE node's) default service account, from the
     * metadata server at {@code http://metadata.google.internal}, for the audience {@code vault/<role>}.
     */
    static VaultAuth gcpGce(String role) {
        return GcpAuth.gce(role, GcpAuth.METADATA);
    }

    /** Google Cloud {@code gce} with the metadata server at another address (a proxy, a local emulator). */
    static VaultAuth gcpGce(String role, String metadataAddress) {
        return GcpAuth.gce(role, metadataAddress);
    }

    /**
     * Google Cloud {@code iam}: a JWT self-signed (RS256) with the private key of a service-account key file, read
     * at every login, valid for 10 minutes.
     */
    static VaultAuth gcpIam(String role, Path serviceAccountKey) {
        return GcpAuth.iam(role, serviceAccountKey);
    }

    /**
     * Azure managed identity: the machine's token for {@code https://management.azure.com/} and its subscription,
     * resource group and VM or scale-set name, from the Instance Metadata Service at {@code http://169.254.169.254}.
     */
    static VaultAuth azure(String role) {
        return AzureAuth.of(role, AzureAuth.DEFAULT_RESOURCE, AzureAuth.METADATA);
    }

    /** Azure managed identity with a token for {@code resource}: the one Vault's {@code auth/azure/config} names. */
    static VaultAuth azure(String role, String resource) {
        return AzureAuth.of(role, resource, AzureAuth.METADATA);
    }

    /** Azure managed identity with the metadata service at another address. */
    static VaultAuth azure(String role, String resource, String metadataAddress) {
        return AzureAuth.of(role, resource, metadataAddress);
    }

    /** LDAP with the password from {@code password}, asked at every login and kept by no field. */
    static VaultAuth ldap(String username, Supplier<String> password) {
        return LdapAuth.of(username, password);
    }

    /** LDAP with the password read from a file at every login (a mounted secret). */
    static VaultAuth ldap(String username, Path passwordFile) {
        return LdapAuth.fromFile(username, passwordFile);
    }
}
