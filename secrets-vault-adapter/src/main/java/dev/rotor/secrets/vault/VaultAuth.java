package dev.rotor.secrets.vault;

import dev.rotor.secrets.vault.internal.AppRoleAuth;
import dev.rotor.secrets.vault.internal.CertAuth;
import dev.rotor.secrets.vault.internal.JwtAuth;
import dev.rotor.secrets.vault.internal.TokenAuth;
import dev.rotor.secrets.vault.internal.UserpassAuth;
import java.nio.file.Path;

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
}
