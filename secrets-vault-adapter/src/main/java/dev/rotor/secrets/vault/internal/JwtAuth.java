package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.vault.VaultAuth;
import java.nio.file.Path;

/**
 * JWT/OIDC and Kubernetes logins: a role and a JWT read from its file at every login (projected service-account
 * tokens rotate), posted to {@code auth/{mount}/login}.
 */
public final class JwtAuth extends AuthMethod {
    /** Where Kubernetes mounts the pod's service-account token. */
    public static final Path KUBERNETES_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    private final String method;
    private final String role;
    private final Path jwtFile;

    private JwtAuth(String method, String mount, String role, Path jwtFile) {
        super(mount);
        this.method = method;
        this.role = require(role, method + " role");
        if (jwtFile == null) {
            throw new SecretConfigurationException("VaultAuth " + method + " JWT file must be set", null, null);
        }
        this.jwtFile = jwtFile;
    }

    public static JwtAuth kubernetes(String role, Path jwtFile) {
        return new JwtAuth("kubernetes", "kubernetes", role, jwtFile);
    }

    public static JwtAuth jwt(String role, Path jwtFile) {
        return new JwtAuth("jwt", "jwt", role, jwtFile);
    }

    @Override
    LoginResult login(VaultHttp http, SecretRef ref) {
        String what = method + " login (auth/" + mount + "/login)";
        String jwt = readFile(
                jwtFile,
                method.equals("kubernetes") ? "VaultAuth.kubernetes service-account token" : "VaultAuth.jwt JWT file",
                what + ": reading the JWT",
                ref,
                http.source());
        JsonNode body = http.call(
                "POST",
                "auth/" + mount + "/login",
                VaultHttp.object().put("role", role).put("jwt", jwt),
                null,
                what,
                ref);
        return fromAuth(body, what, ref, http.source());
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public VaultAuth withMount(String mount) {
        return new JwtAuth(method, mount, role, jwtFile);
    }

    @Override
    public String toString() {
        return "VaultAuth{" + method + ", mount=" + mount + ", role=" + role + ", jwtFile=" + jwtFile + "}";
    }
}
