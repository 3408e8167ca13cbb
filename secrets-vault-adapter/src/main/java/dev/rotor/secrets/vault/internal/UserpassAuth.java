package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.vault.VaultAuth;

/** Username and password ({@code auth/{mount}/login/{username}}), for development. */
public final class UserpassAuth extends AuthMethod {
    private final String username;
    private final String password;

    private UserpassAuth(String mount, String username, String password) {
        super(mount);
        this.username = require(username, "userpass username");
        this.password = require(password, "userpass password");
    }

    public static UserpassAuth of(String username, String password) {
        return new UserpassAuth("userpass", username, password);
    }

    @Override
    LoginResult login(VaultHttp http, SecretRef ref) {
        String what = "userpass login (auth/" + mount + "/login)";
        JsonNode body = http.call(
                "POST",
                "auth/" + mount + "/login/" + username,
                VaultHttp.object().put("password", password),
                null,
                what,
                ref);
        return fromAuth(body, what, ref, http.source());
    }

    @Override
    public String method() {
        return "userpass";
    }

    @Override
    public VaultAuth withMount(String mount) {
        return new UserpassAuth(mount, username, password);
    }

    @Override
    public String toString() {
        return "VaultAuth{userpass, mount=" + mount + ", username=" + username + ", password=****}";
    }
}
