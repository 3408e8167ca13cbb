package dev.rotor.secrets.vault.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.vault.VaultAuth;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * LDAP: {@code {password}} posted to {@code auth/{mount}/login/<username>}. The password is asked of its supplier at
 * every login (it may come from another store), or read from its file at every login (a mounted secret), and held
 * only for the call: no field keeps it.
 */
public final class LdapAuth extends AuthMethod {
    private final String username;
    private final Supplier<String> password;
    private final Path passwordFile;

    private LdapAuth(String mount, String username, Supplier<String> password, Path passwordFile) {
        super(mount);
        this.username = require(username, "LDAP username");
        if (Text.hasControl(username) || username.contains("/")) {
            throw new SecretConfigurationException(
                    "VaultAuth LDAP username must be printable text without '/'", null, null);
        }
        if (password == null && passwordFile == null) {
            throw new SecretConfigurationException("VaultAuth LDAP password supplier must be set", null, null);
        }
        this.password = password;
        this.passwordFile = passwordFile;
    }

    public static LdapAuth of(String username, Supplier<String> password) {
        if (password == null) {
            throw new SecretConfigurationException("VaultAuth LDAP password supplier must be set", null, null);
        }
        return new LdapAuth("ldap", username, password, null);
    }

    public static LdapAuth fromFile(String username, Path passwordFile) {
        if (passwordFile == null) {
            throw new SecretConfigurationException("VaultAuth LDAP password file must be set", null, null);
        }
        return new LdapAuth("ldap", username, null, passwordFile);
    }

    @Override
    LoginResult login(VaultHttp http, SecretRef ref) {
        String what = "LDAP login (auth/" + mount + "/login)";
        String pw;
        try {
            pw = passwordFile != null
                    ? readFile(
                            passwordFile,
                            "VaultAuth.ldap password file",
                            what + ": reading the password",
                            ref,
                            http.source())
                    : password.get();
        } catch (SecretConfigurationException e) {
            throw e;
        } catch (RuntimeException e) {
            // the supplier's message could hold anything: its class alone
            throw new SecretConfigurationException(
                    what + ": the password supplier failed (" + e.getClass().getSimpleName() + ")", ref, http.source());
        }
        if (pw == null || pw.isEmpty()) {
            throw new SecretConfigurationException(
                    what + ": the password supplier gave no password", ref, http.source());
        }
        return Logins.post(
                http, "auth/" + mount + "/login/" + username, VaultHttp.object().put("password", pw), what, ref);
    }

    @Override
    public String method() {
        return "ldap";
    }

    @Override
    public VaultAuth withMount(String mount) {
        return new LdapAuth(mount, username, password, passwordFile);
    }

    @Override
    public String toString() {
        return "VaultAuth{ldap, mount=" + mount + ", username=" + username + ", password=****"
                + (passwordFile != null ? " (from " + passwordFile + ")" : "") + "}";
    }
}
