package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.vault.VaultAuth;

/**
 * AppRole: role id and secret id, or a response-wrapped secret id that is unwrapped once through {@code
 * sys/wrapping/unwrap} at the first login and kept in memory for later logins.
 */
public final class AppRoleAuth extends AuthMethod {
    private final String roleId;
    private final String secretId;
    private final String wrappingToken;
    private final Object lock = new Object();
    private String unwrapped;

    private AppRoleAuth(String mount, String roleId, String secretId, String wrappingToken) {
        super(mount);
        this.roleId = require(roleId, "AppRole role id");
        this.secretId = secretId;
        this.wrappingToken = wrappingToken;
    }

    public static AppRoleAuth of(String roleId, String secretId) {
        return new AppRoleAuth("approle", roleId, require(secretId, "AppRole secret id"), null);
    }

    public static AppRoleAuth wrapped(String roleId, String wrappingToken) {
        return new AppRoleAuth("approle", roleId, null, require(wrappingToken, "AppRole wrapping token"));
    }

    @Override
    LoginResult login(VaultHttp http, SecretRef ref) {
        String what = "AppRole login (auth/" + mount + "/login)";
        JsonNode body = http.call(
                "POST",
                "auth/" + mount + "/login",
                VaultHttp.object().put("role_id", roleId).put("secret_id", secretId(http, ref)),
                null,
                what,
                ref);
        return fromAuth(body, what, ref, http.source());
    }

    private String secretId(VaultHttp http, SecretRef ref) {
        if (secretId != null) {
            return secretId;
        }
        synchronized (lock) {
            if (unwrapped == null) {
                String what = "unwrapping the AppRole secret id (sys/wrapping/unwrap)";
                JsonNode body = http.call("POST", "sys/wrapping/unwrap", null, wrappingToken, what, ref);
                JsonNode data = Json.object(body, "data", what, ref, http.source());
                unwrapped = Json.text(data, "secret_id", what, ref, http.source());
            }
            return unwrapped;
        }
    }

    @Override
    public String method() {
        return "approle";
    }

    @Override
    public VaultAuth withMount(String mount) {
        return new AppRoleAuth(mount, roleId, secretId, wrappingToken);
    }

    @Override
    public String toString() {
        return "VaultAuth{approle, mount=" + mount + ", roleId=****, secretId=****"
                + (wrappingToken != null ? " (wrapped)" : "") + "}";
    }
}
